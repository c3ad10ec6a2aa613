"""One plugin shape (docs/plugins/layout.md), checked on the source of every plugin and site.

- Each plugin under ``plugins/`` has only the files the layout table names, in the places it
  names them (the table is parsed from the doc, so the doc and this check cannot drift).
- No plugin or site module reaches around the host: ``app.state``, a per-host runtime class of
  its own, a plugin object's attributes, or a host module outside the public API.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYOUT_DOC = ROOT / "docs" / "plugins" / "layout.md"
PLUGINS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").is_file())
SITES = sorted(p for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").is_file())
PUBLIC_HOST_MODULES = {"patt_host", "patt_host.web", "patt_host.jobs", "patt_host.testing"}
ROW = re.compile(r"^\| `([^`]+)` \| ([a-z, ]+) \|")


def layout_table() -> dict[str, set[str]]:
    """``{name: {"package", "subpackage"}}`` from the doc's table of the package's files."""
    rows: dict[str, set[str]] = {}
    for line in LAYOUT_DOC.read_text().splitlines():
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = {where.strip() for where in match.group(2).split(",")}
    return rows


def allowed(place: str) -> tuple[set[str], set[str]]:
    """The file names and folder names the table allows in ``place``."""
    names = {name for name, where in layout_table().items() if place in where}
    return {n for n in names if not n.endswith("/")}, {n.rstrip("/") for n in names if n.endswith("/")}


def package_of(distribution: Path) -> Path:
    (package,) = [p for p in distribution.iterdir() if (p / "__init__.py").is_file()]
    return package


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name != "__pycache__" and not p.name.startswith("."))


def shape_problems(package: Path, plugin: str) -> list[str]:
    problems: list[str] = []
    rel = lambda p: p.relative_to(package.parent).as_posix()  # noqa: E731

    def check_services(folder: Path) -> None:
        for item in entries(folder):
            if item.is_dir() or item.suffix != ".py":
                problems.append(f"{rel(item)}: services/ holds only modules")

    def check(folder: Path, place: str) -> None:
        files, folders = allowed(place)
        names = {p.name for p in entries(folder)}
        if "service.py" in names and "services" in names:
            problems.append(f"{rel(folder)}: both service.py and services/")
        for item in entries(folder):
            if item.is_file():
                if item.name not in files:
                    problems.append(f"{rel(item)}: not a file of the plugin shape here ({place})")
            elif item.name == "services" and "services" in folders:
                check_services(item)
            elif item.name in folders:
                continue
            elif place == "package" and (item / "__init__.py").is_file():
                check(item, "subpackage")
            else:
                problems.append(f"{rel(item)}/: not a folder of the plugin shape here ({place})")

    check(package, "package")
    if not (package / "plugin.py").is_file():
        problems.append(f"{package.name}: no plugin.py")
    templates = package / "templates"
    if templates.is_dir() and {p.name for p in entries(templates)} - {plugin}:
        problems.append(f"{rel(templates)}: only templates/{plugin}/")
    versions = package / "migrations"
    if versions.is_dir() and {p.name for p in entries(versions)} - {"versions"}:
        problems.append(f"{rel(versions)}: only migrations/versions/")
    return problems


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


def manifest_import_problems(source: str, package: str) -> list[str]:
    """Module-level imports of ``plugin.py`` beyond the host, the plugin's config and state."""
    allowed = {"__future__", "typing", "patt_host", f"{package}.config", f"{package}.state"}
    problems = []
    for node in ast.parse(source).body:  # module level only: hooks import what they need
        for module in imported_modules(node):
            if module not in allowed:
                problems.append(f"plugin.py:{node.lineno}: imports {module} at module level")
    return problems


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


def service_modules(package: Path) -> list[Path]:
    return sorted(
        p
        for p in package.rglob("*.py")
        if "__pycache__" not in p.parts
        and (p.name == "service.py" or "services" in p.relative_to(package).parts)
    )


def web_imports(source: str) -> list[str]:
    """Imports of the web framework (a service takes a session and plain values, never a request)."""
    return [
        module
        for node in ast.walk(ast.parse(source))
        for module in imported_modules(node)
        if module.split(".")[0] in ("fastapi", "starlette")
    ]


@pytest.mark.parametrize("distribution", PLUGINS, ids=lambda p: p.name)
def test_no_service_imports_the_web_framework(distribution: Path):
    package = package_of(distribution)
    found = {p.relative_to(package).as_posix(): web_imports(p.read_text()) for p in service_modules(package)}
    assert {path: modules for path, modules in found.items() if modules} == {}


def test_the_service_check_finds_a_request():
    assert web_imports("from fastapi import Request\nimport starlette.responses\nimport sqlalchemy\n") == [
        "fastapi",
        "starlette.responses",
    ]


def job_declarations(source: str) -> tuple[list[str], list[int]]:
    """The "module:function" references of a plugin.py's ``Job(...)`` calls, and the lines of those
    that hand over a function object instead (which imports the job's code with the plugin)."""
    references, functions = [], []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Job":
            first = (
                node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "func"), None)
            )
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                references.append(first.value)
            else:
                functions.append(node.lineno)
    return references, functions


@pytest.mark.parametrize("distribution", PLUGINS, ids=lambda p: p.name)
def test_each_job_is_named_by_a_reference_to_an_async_function(distribution: Path):
    import inspect

    from patt_host import Job

    references, functions = job_declarations((package_of(distribution) / "plugin.py").read_text())
    assert functions == []
    problems = {}
    for reference in references:
        try:
            function = Job(reference).resolve()
        except LookupError as exc:
            problems[reference] = str(exc)
            continue
        if not inspect.iscoroutinefunction(function):
            problems[reference] = "not an async function"
    assert problems == {}


def test_the_plugins_declare_their_jobs_and_the_job_check_finds_a_function():
    declared = {p.name: job_declarations((package_of(p) / "plugin.py").read_text())[0] for p in PLUGINS}
    assert sum(len(refs) for refs in declared.values()) >= 11  # every PATT plugin job, whatever its settings
    source = 'from patt_q.jobs import tick\nA = Job("patt_q.jobs:tock", exclusive=True)\nB = Job(tick)\n'
    assert job_declarations(source) == (["patt_q.jobs:tock"], [3])


# Modules whose annotations SQLAlchemy, pydantic and FastAPI read at import (layout.md).
EVALUATED_AT_IMPORT = {"models.py", "schemas.py", "config.py", "api.py", "pages.py"}


def deferred_annotation_modules(package: Path) -> list[str]:
    """The package's import-evaluated modules that turn their annotations into strings."""
    return sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "__pycache__" not in p.parts
        and p.name in EVALUATED_AT_IMPORT
        and "from __future__ import annotations" in p.read_text()
    )


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


HOST_PACKAGE = ROOT / "patt_host" / "patt_host"


def is_host_submodule(name: str) -> bool:
    return (HOST_PACKAGE / f"{name}.py").is_file() or (HOST_PACKAGE / name / "__init__.py").is_file()


def imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        # `from patt_host import cli` imports a submodule, not a name of the API.
        return [node.module] + [
            f"{node.module}.{alias.name}"
            for alias in node.names
            if node.module == "patt_host" and is_host_submodule(alias.name)
        ]
    return []


def host_problems(source: str, where: str) -> list[str]:
    problems: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        for module in imported_modules(node):
            if module.split(".")[0] == "patt_host" and module not in PUBLIC_HOST_MODULES:
                problems.append((node.lineno, f"imports {module} (not the public host API)"))
        if isinstance(node, ast.Attribute) and node.attr == "state":
            value = node.value
            if (isinstance(value, ast.Attribute) and value.attr == "app") or (
                isinstance(value, ast.Name) and value.id == "app"
            ):
                problems.append((node.lineno, "reads app.state (use the host's dependencies)"))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Runtime"):
            problems.append((node.lineno, f"defines {node.name} (per-host state is state.py's)"))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in (
            "runtime_for",
            "get_runtime",
        ):
            problems.append((node.lineno, f"defines {node.name} (use host.plugin_state)"))
        if isinstance(node, ast.Attribute) and node.attr == "obj":
            call = node.value
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "plugin"
            ):
                problems.append((node.lineno, "reads a plugin object (use host.plugin_state)"))
    return [f"{where}:{line}: {text}" for line, text in sorted(problems)]


def modules_of(distribution: Path) -> list[Path]:
    return sorted(p for p in distribution.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("distribution", PLUGINS + SITES, ids=lambda p: p.name)
def test_no_plugin_or_site_reaches_around_the_host(distribution: Path):
    problems = []
    for path in modules_of(distribution):
        problems += host_problems(path.read_text(), path.relative_to(ROOT).as_posix())
    assert problems == []


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


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Every own-module import, module level and inside functions alike (a lazy import that
    closes a cycle is still a cycle: it only moves the failure to run time)."""
    modules = {module_name(p, package): p for p in package.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            for imported in imported_modules(node):
                if isinstance(node, ast.ImportFrom) and imported == node.module:
                    # `from pkg.services import campaigns` imports the submodule campaigns.
                    targets = [
                        f"{imported}.{a.name}" for a in node.names if f"{imported}.{a.name}" in modules
                    ]
                    targets = targets or [imported]
                else:
                    targets = [imported]
                graph[name].update(
                    t for t in targets if t in modules and t != name and not name.startswith(t + ".")
                )
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


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
