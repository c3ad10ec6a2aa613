"""One plugin shape (docs/plugins/layout.md), checked on the source of every plugin and site.

The checks are ``patt_host.testing.shape`` (what ``python -m patt_host.testing.shape`` runs on a
plugin outside this repository); this file runs them on every plugin under ``plugins/``, checks
each finds what it should, and keeps the plugin docs' tables and the code the same:

- Each plugin under ``plugins/`` has only the files the layout names, in the places it names
  them; layout.md's table is ``shape.LAYOUT``.
- No plugin or site module reaches around the host: ``app.state``, a per-host runtime class of
  its own, a plugin object's attributes, or a host module outside the public API.
- The public API table of docs/plugins/README.md lists each public module's ``__all__``.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from patt_host.testing import shape
from patt_host.testing.contract import PUBLIC_MODULES
from patt_host.testing.shape import (
    cycles,
    deferred_annotation_modules,
    host_problems,
    import_graph,
    job_declarations,
    job_problems,
    manifest_import_problems,
    package_of,
    shape_problems,
    web_imports,
)

ROOT = Path(__file__).resolve().parents[2]
LAYOUT_DOC = ROOT / "docs" / "plugins" / "layout.md"
PLUGINS_DOC = ROOT / "docs" / "plugins" / "README.md"
PLUGINS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").is_file())
SITES = sorted(p for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").is_file())


def doc_table(doc: Path, first_header: str) -> list[list[str]]:
    """The rows (cells, stripped) of the markdown table in ``doc`` whose first header cell is
    ``first_header``; the one parser for the docs' tables checked here."""
    rows: list[list[str]] = []
    inside = False
    for line in doc.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells is None:
            if inside:
                break
            continue
        if not inside:
            inside = cells[0] == first_header
            continue
        if not set(cells[0]) <= {"-", ":"}:
            rows.append(cells)
    return rows


def layout_table() -> dict[str, set[str]]:
    """``{name: {"package", "subpackage"}}`` from layout.md's table of the package's files."""
    return {
        re.fullmatch(r"`([^`]+)`", name).group(1): {w.strip() for w in where.split(",")}
        for name, where, *_rest in doc_table(LAYOUT_DOC, "file")
        if re.fullmatch(r"`([^`]+)`", name) and re.fullmatch(r"[a-z, ]+", where)
    }


def test_the_layout_doc_names_every_file_of_the_shape():
    table = layout_table()
    canonical = {
        "__init__.py", "plugin.py", "config.py", "state.py", "deps.py", "models.py", "schemas.py",
        "service.py", "services/", "api.py", "pages.py", "jobs.py", "cog.py", "cli.py", "demo.py",
        "member_data.py", "adopt.py", "templates/", "static/", "migrations/",
    }  # fmt: skip
    assert set(table) == canonical
    assert table["plugin.py"] == {"package"}
    assert table["api.py"] == {"package", "subpackage"}
    # The check (shape.LAYOUT, shipped for plugins outside this repository) is the doc's table.
    assert table == {name: set(where) for name, where in shape.LAYOUT.items()}


@pytest.mark.parametrize("distribution", PLUGINS, ids=lambda p: p.name)
def test_each_plugin_has_the_layout_docs_shape(distribution: Path):
    package = package_of(distribution)
    assert shape_problems(package, distribution.name) == []


def test_the_shape_check_finds_a_file_outside_the_shape(tmp_path: Path):
    package = tmp_path / "patt_quests"
    for path in ("__init__.py", "plugin.py", "web.py", "service.py", "services/a.py", "feature/__init__.py",
                 "feature/api.py", "feature/plugin.py", "templates/other/x.html", "migrations/x.py"):  # fmt: skip
        (package / path).parent.mkdir(parents=True, exist_ok=True)
        (package / path).write_text("")
    assert sorted(shape_problems(package, "quests")) == [
        "patt_quests/feature/plugin.py: not a file of the plugin shape here (subpackage)",
        "patt_quests/migrations: only migrations/versions/",
        "patt_quests/templates: only templates/quests/",
        "patt_quests/web.py: not a file of the plugin shape here (package)",
        "patt_quests: both service.py and services/",
    ]


@pytest.mark.parametrize("distribution", PLUGINS, ids=lambda p: p.name)
def test_each_manifest_imports_only_the_host_its_config_and_state(distribution: Path):
    package = package_of(distribution)
    assert manifest_import_problems((package / "plugin.py").read_text(), package.name) == []


def test_the_manifest_check_finds_a_heavy_import():
    source = (
        "from __future__ import annotations\nfrom patt_host import hookimpl\nfrom patt_q import service\n"
    )
    source += "from patt_q.config import S\n\nclass P:\n    def hook(self):\n        from patt_q import api\n"
    assert manifest_import_problems(source, "patt_q") == ["plugin.py:3: imports patt_q at module level"]


@pytest.mark.parametrize("distribution", PLUGINS, ids=lambda p: p.name)
def test_no_service_imports_the_web_framework(distribution: Path):
    assert shape.service_problems(package_of(distribution)) == []


def test_the_service_check_finds_a_request():
    assert web_imports("from fastapi import Request\nimport starlette.responses\nimport sqlalchemy\n") == [
        "fastapi",
        "starlette.responses",
    ]


@pytest.mark.parametrize("distribution", PLUGINS, ids=lambda p: p.name)
def test_each_job_is_named_by_a_reference_to_an_async_function(distribution: Path):
    assert job_problems(package_of(distribution)) == []


def test_the_plugins_declare_their_jobs_and_the_job_check_finds_a_function():
    declared = {p.name: job_declarations((package_of(p) / "plugin.py").read_text())[0] for p in PLUGINS}
    assert sum(len(refs) for refs in declared.values()) >= 11  # every PATT plugin job, whatever its settings
    source = 'from patt_q.jobs import tick\nA = Job("patt_q.jobs:tock", exclusive=True)\nB = Job(tick)\n'
    assert job_declarations(source) == (["patt_q.jobs:tock"], [3])


@pytest.mark.parametrize("distribution", PLUGINS, ids=lambda p: p.name)
def test_import_evaluated_modules_keep_their_annotations_evaluated(distribution: Path):
    assert deferred_annotation_modules(package_of(distribution)) == []


def test_the_annotation_check_finds_a_deferred_model(tmp_path: Path):
    (tmp_path / "models.py").write_text("from __future__ import annotations\n")
    (tmp_path / "service.py").write_text("from __future__ import annotations\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "api.py").write_text("from __future__ import annotations\n")
    (tmp_path / "sub" / "pages.py").write_text("from fastapi import APIRouter\n")
    assert deferred_annotation_modules(tmp_path) == ["models.py", "sub/api.py"]


# --- reaching around the host ------------------------------------------------------------


@pytest.mark.parametrize("distribution", PLUGINS + SITES, ids=lambda p: p.name)
def test_no_plugin_or_site_reaches_around_the_host(distribution: Path):
    assert shape.around_the_host_problems(distribution, ROOT) == []


def test_the_host_check_finds_each_way_around_the_host():
    source = """
from patt_host import HostAPI, hookimpl
from patt_host.web import render
from patt_host.cli import main
from patt_host import cli
import patt_host.web.auth

class QuestRuntime:
    pass

def runtime_for(host):
    return host.plugin("quests").obj.limiter

async def page(request):
    return request.app.state.jinja
"""
    found = [problem.split(": ", 1)[1] for problem in host_problems(source, "x.py")]
    assert found == [
        "imports patt_host.cli (not the public host API)",
        "imports patt_host.cli (not the public host API)",
        "imports patt_host.web.auth (not the public host API)",
        "defines QuestRuntime (per-host state is state.py's)",
        "defines runtime_for (use host.plugin_state)",
        "reads a plugin object (use host.plugin_state)",
        "reads app.state (use the host's dependencies)",
    ]


# --- no import cycles between a plugin's own modules --------------------------------------------


@pytest.mark.parametrize("distribution", PLUGINS, ids=lambda p: p.name)
def test_no_plugin_has_an_import_cycle(distribution: Path):
    assert cycles(import_graph(package_of(distribution))) == []


def test_the_cycle_check_finds_a_lazy_cycle(tmp_path: Path):
    package = tmp_path / "patt_q"
    (package / "services").mkdir(parents=True)
    for path, text in {
        "__init__.py": "",
        "services/__init__.py": "",
        "services/a.py": "from patt_q.services import b\n",
        "services/b.py": "def f():\n    from patt_q.services.a import x\n",
    }.items():
        (package / path).write_text(text)
    assert cycles(import_graph(package)) == [["patt_q.services.a", "patt_q.services.b", "patt_q.services.a"]]


# --- the command a plugin outside this repository runs ----------------------------------------------

OUTSIDE_PLUGIN = {
    "pyproject.toml": '[project]\nname = "patt-quests"\nversion = "0.1.0"\n',
    "patt_quests/__init__.py": '"""Quests."""\n',
    "patt_quests/plugin.py": (
        "from patt_host import Job, hookimpl\nfrom patt_quests import service\n\n"
        'TICK = Job("patt_quests.jobs:tick")\n\n\nclass QuestsPlugin:\n    name = "quests"\n'
    ),
    "patt_quests/jobs.py": "def tick(ctx):\n    return None\n",
    "patt_quests/service.py": "from fastapi import Request\nfrom patt_host.web.auth import get_host\n",
    "patt_quests/api.py": "from __future__ import annotations\n",
    "patt_quests/web.py": "",
    "patt_quests/templates/other/x.html": "",
    "tests/test_quests.py": "",
}


def run_shape(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "patt_host.testing.shape", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_shape_command_checks_a_plugin_outside_the_repository(tmp_path: Path):
    distribution = tmp_path / "patt-quests"
    for name, text in OUTSIDE_PLUGIN.items():
        (distribution / name).parent.mkdir(parents=True, exist_ok=True)
        (distribution / name).write_text(text)
    found = run_shape(distribution)
    assert found.returncode == 1, found.stdout + found.stderr
    assert found.stdout.splitlines() == [
        "patt_quests/web.py: not a file of the plugin shape here (package)",
        "patt_quests/templates: only templates/quests/",
        "patt_quests/plugin.py:2: imports patt_quests at module level",
        "patt_quests/plugin.py: job 'patt_quests.jobs:tick' is not an async function",
        "patt_quests/service.py: a service imports fastapi",
        "patt_quests/api.py: evaluated at import; no `from __future__ import annotations`",
        "patt-quests/patt_quests/service.py:2: imports patt_host.web.auth (not the public host API)",
        "7 problem(s) with the plugin shape (docs/plugins/layout.md)",
    ]
    # The package folder alone works too; the tutorial's plugin keeps the shape.
    assert run_shape(distribution / "patt_quests").returncode == 1
    kept = run_shape(ROOT / "plugins" / "mito")
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert kept.stdout.startswith("plugin shape kept:")
    assert run_shape(tmp_path / "nowhere").returncode == 2


# --- the public API table of docs/plugins/README.md ---------------------------------------------------


def test_the_public_api_table_lists_every_public_name():
    """docs/plugins/README.md's table is what a plugin may import: each public module's
    ``__all__``, every name of it and nothing else."""
    documented: dict[str, set[str]] = {}
    for module, offers, *_rest in doc_table(PLUGINS_DOC, "module"):
        documented[module.strip("`")] = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", offers))
    assert set(documented) == set(PUBLIC_MODULES)
    for module, names in documented.items():
        exported = set(importlib.import_module(module).__all__)
        assert names == exported, (module, sorted(exported - names), sorted(names - exported))
