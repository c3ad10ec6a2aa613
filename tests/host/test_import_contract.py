"""The import contract (run by `python3 dev.py lint`): plugins and sites use only the public host API."""

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("patt_dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lint_imports(config_text: str, tmp_path: Path, extra_path: Path | None = None):
    config = tmp_path / "contract.ini"
    config.write_text(config_text)
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    lint = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(lint), "--no-cache", "--no-logo", str(config)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def plant(tmp_path: Path, package: str, source: str) -> Path:
    member = tmp_path / "plugins" / package.removeprefix("patt_")
    (member / package).mkdir(parents=True)
    (member / package / "__init__.py").write_text("")
    (member / package / "plugin.py").write_text(source)
    return member


def workspace_members(dev) -> list[Path]:
    return [ROOT / m for m in dev.members()]


def test_contract_covers_every_workspace_plugin_and_site(dev):
    config = dev.import_contract(workspace_members(dev), ROOT / "patt_host")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for member in data["tool"]["patt"]["workspace"]["members"]:
        if member.startswith(("plugins/", "packages/")):
            for package in dev.member_packages(ROOT / member):
                assert f"\n    {package}\n" in config, f"{package} is not under the import contract"
    # The public modules are never forbidden; their internals are.
    forbidden = config.split("forbidden_modules =")[-1]
    assert "    patt_host.web.auth\n" in forbidden
    assert "    patt_host.cli\n" in forbidden
    assert "    patt_host.web\n" not in forbidden


def test_workspace_keeps_the_contract(dev, tmp_path):
    result = lint_imports(dev.import_contract(workspace_members(dev), ROOT / "patt_host"), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_planted_plugin_importing_the_cli_breaks_the_contract(dev, tmp_path):
    member = plant(tmp_path, "patt_planted", "from patt_host.cli import cli\nfrom patt_host.web import ok\n")
    config = dev.import_contract([*workspace_members(dev), member], ROOT / "patt_host")
    result = lint_imports(config, tmp_path, extra_path=member)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "patt_planted.plugin -> patt_host.cli" in result.stdout
    # The public import on the next line is not reported.
    assert "patt_host.web (" not in result.stdout


def test_planted_import_of_a_web_submodule_breaks_the_contract(dev, tmp_path):
    member = plant(tmp_path, "patt_sneaky", "from patt_host.web.auth import get_host\n")
    config = dev.import_contract([*workspace_members(dev), member], ROOT / "patt_host")
    result = lint_imports(config, tmp_path, extra_path=member)
    assert result.returncode == 1
    assert "patt_sneaky.plugin -> patt_host.web.auth" in result.stdout


def run_contract(*paths: Path):
    return subprocess.run(
        [sys.executable, "-m", "patt_host.testing.contract", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_out_of_tree_plugin_runs_the_contract_with_one_command(tmp_path):
    good = plant(
        tmp_path / "good",
        "patt_fine",
        "from patt_host import HostAPI, hookimpl\nfrom patt_host.web import ok\n",
    )
    bad = plant(
        tmp_path / "bad",
        "patt_nosy",
        "from patt_host import hookimpl, hooks\nfrom patt_host.web.auth import current_actor\nimport patt_host.cli\n",
    )
    kept = run_contract(good)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    broken = run_contract(bad)
    assert broken.returncode == 1
    plugin_py = bad / "patt_nosy" / "plugin.py"
    assert f"{plugin_py}:1: imports patt_host.hooks" in broken.stdout
    assert f"{plugin_py}:2: imports patt_host.web.auth" in broken.stdout
    assert f"{plugin_py}:3: imports patt_host.cli" in broken.stdout
    # This repository's own tutorial plugin keeps it.
    assert run_contract(ROOT / "plugins" / "mito" / "patt_mito").returncode == 0
