"""README's plugin table is what ships: the PATT site's plugins, each with docs that exist."""

import re
from pathlib import Path

from patt_host.site import load_site

ROOT = Path(__file__).resolve().parents[2]


def test_readme_lists_every_plugin_the_patt_site_runs_with_its_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Plugins of the PATT site") :].split("\n\n")[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    listed = [re.match(r"\| `(\w+)`", row).group(1) for row in rows]
    assert sorted(listed) == sorted(load_site("patt").plugins)
    assert sorted(listed) == sorted(
        p.name for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").exists()
    )
    for row in rows:
        for link in re.findall(r"\]\(([^)]+)\)", row):
            assert (ROOT / link).is_file(), link
