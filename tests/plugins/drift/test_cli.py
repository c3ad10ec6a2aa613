"""`patt drift scan [--json]` as an operator runs it: a real subprocess on the test database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from patt_host.testing import TEST_SECRET


def patt(args, database_url, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATT_", "DISCORD_", "REDIS_"))}
    env.update(DATABASE_URL=database_url, JWT_SECRET_KEY=TEST_SECRET, PATT_SITE="patt")
    return subprocess.run(
        [str(Path(sys.executable).parent / "patt"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_scan_prints_per_rule_counts_as_text_and_json(db, guild, tmp_path, findings):
    await guild.character("Orphan", note="")
    await guild.character("Sleeper", days_ago=90)
    first = await asyncio.to_thread(patt, ["drift", "scan", "--json"], db.url, tmp_path)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["rules"]["orphan_wow"] == {"open": 2, "new": 2, "resolved": 0, "dismissed": 0}
    assert data["rules"]["stale_character"] == {"open": 1, "new": 1, "resolved": 0, "dismissed": 0}
    assert data["errors"] == {}
    await guild.sql(
        "UPDATE guild_identity.wow_characters SET removed_at = now() WHERE character_name = 'Orphan'"
    )
    text = await asyncio.to_thread(patt, ["drift", "scan"], db.url, tmp_path)
    assert text.returncode == 0, text.stderr
    lines = {line.split()[0]: line.split()[1:] for line in text.stdout.splitlines()[1:]}
    assert lines["orphan_wow"] == ["1", "0", "1"]  # open, new, resolved
    assert len(await findings("orphan_wow", status="resolved")) == 1
