"""The plugin shape (docs/plugins/layout.md), checked on a plugin's source: ``python -m patt_host.testing.shape PATH``.

``PATH`` is a plugin's distribution folder (the one with ``pyproject.toml``) or its package
folder. The command reads the files (and imports the modules its ``Job`` references name, to
check they are async functions) and prints one line per problem, exiting 1 if there is any:

- only the files :data:`LAYOUT` names, in the places it names them (``service.py`` or
  ``services/``, never both; ``templates/<plugin>/`` and ``migrations/versions/`` only);
- ``plugin.py`` imports only ``patt_host``, its own ``config`` and ``state`` at module level;
- no service imports FastAPI or Starlette;
- every ``Job`` names an async function by a ``"module:function"`` reference;
- ``models.py``, ``schemas.py``, ``config.py``, ``api.py`` and ``pages.py`` keep their
  annotations evaluated (no ``from __future__ import annotations``);
- nothing reaches around the host (``app.state``, a per-host runtime class of its own, a
  plugin object's attributes, a host module outside the public API);
- no import cycle between the plugin's own modules, lazy imports included.

This repository's ``tests/plugins/test_plugin_shape.py`` runs the same functions on every
plugin under ``plugins/`` and checks that layout.md's table is :data:`LAYOUT`.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Iterable
from pathlib import Path

from patt_host.testing.contract import PUBLIC_MODULES, command_args

HOST_PACKAGE = Path(__file__).resolve().parents[1]

#: The files of a plugin's package and where each may be: ``package`` is the package's top
#: folder, ``subpackage`` a feature folder of a large plugin. A name ending in ``/`` is a folder.
#: layout.md's table says what belongs in each (a test keeps the two the same).
LAYOUT: dict[str, frozenset[str]] = {
    "__init__.py": frozenset({"package", "subpackage"}),
    "plugin.py": frozenset({"package"}),
    "config.py": frozenset({"package"}),
    "state.py": frozenset({"package"}),
    "deps.py": frozenset({"package"}),
    "models.py": frozenset({"package"}),
    "schemas.py": frozenset({"package", "subpackage"}),
    "service.py": frozenset({"package", "subpackage"}),
    "services/": frozenset({"package", "subpackage"}),
    "api.py": frozenset({"package", "subpackage"}),
    "pages.py": frozenset({"package", "subpackage"}),
    "jobs.py": frozenset({"package", "subpackage"}),
    "cog.py": frozenset({"package", "subpackage"}),
    "cli.py": frozenset({"package", "subpackage"}),
    "demo.py": frozenset({"package"}),
    "member_data.py": frozenset({"package"}),
    "adopt.py": frozenset({"package"}),
    "templates/": frozenset({"package"}),
    "static/": frozenset({"package"}),
    "migrations/": frozenset({"package"}),
}

# Modules whose annotations SQLAlchemy, pydantic and FastAPI read at import (layout.md).
EVALUATED_AT_IMPORT = frozenset({"models.py", "schemas.py", "config.py", "api.py", "pages.py"})


# --- the files and folders ----------------------------------------------------------------------


def allowed(place: str) -> tuple[set[str], set[str]]:
    """The file names and folder names :data:`LAYOUT` allows in ``place``."""
    names = {name for name, where in LAYOUT.items() if place in where}
    return {n for n in names if not n.endswith("/")}, {n.rstrip("/") for n in names if n.endswith("/")}


def package_of(distribution: Path) -> Path:
    """The one import package of a distribution folder (its ``tests/`` aside)."""
    found = [p for p in distribution.iterdir() if (p / "__init__.py").is_file() and p.name != "tests"]
    if len(found) != 1:
        names = ", ".join(sorted(p.name for p in found)) or "none"
        raise ValueError(f"{distribution}: expected one package folder with an __init__.py, found {names}")
    return found[0]


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


# --- imports --------------------------------------------------------------------------------------


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


def manifest_import_problems(source: str, package: str) -> list[str]:
    """Module-level imports of ``plugin.py`` beyond the host, the plugin's config and state."""
    permitted = {"__future__", "typing", "patt_host", f"{package}.config", f"{package}.state"}
    problems = []
    for node in ast.parse(source).body:  # module level only: hooks import what they need
        for module in imported_modules(node):
            if module not in permitted:
                problems.append(f"plugin.py:{node.lineno}: imports {module} at module level")
    return problems


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


def service_problems(package: Path) -> list[str]:
    return [
        f"{path.relative_to(package.parent).as_posix()}: a service imports {module}"
        for path in service_modules(package)
        for module in web_imports(path.read_text())
    ]


def deferred_annotation_modules(package: Path) -> list[str]:
    """The package's import-evaluated modules that turn their annotations into strings."""
    return sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "__pycache__" not in p.parts
        and p.name in EVALUATED_AT_IMPORT
        and "from __future__ import annotations" in p.read_text()
    )


# --- jobs -----------------------------------------------------------------------------------------


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


def job_problems(package: Path) -> list[str]:
    """Jobs given as function objects, and references that do not name an async function (their
    modules are imported, so the package and what it imports must be importable)."""
    from patt_host import Job

    references, functions = job_declarations((package / "plugin.py").read_text())
    problems = [f"plugin.py:{line}: Job(...) takes a 'module:function' reference" for line in functions]
    for reference in references:
        try:
            function = Job(reference).resolve()
        except LookupError as exc:
            problems.append(f"plugin.py: job {reference!r}: {exc}")
            continue
        if not inspect.iscoroutinefunction(function):
            problems.append(f"plugin.py: job {reference!r} is not an async function")
    return problems


# --- reaching around the host ---------------------------------------------------------------------


def host_problems(source: str, where: str) -> list[str]:
    problems: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        for module in imported_modules(node):
            if module.split(".")[0] == "patt_host" and module not in PUBLIC_MODULES:
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


def modules_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def around_the_host_problems(folder: Path, relative_to: Path) -> list[str]:
    """:func:`host_problems` for every module under ``folder`` (a distribution or a package)."""
    problems: list[str] = []
    for path in modules_of(folder):
        problems += host_problems(path.read_text(), path.relative_to(relative_to).as_posix())
    return problems


# --- no import cycles between a plugin's own modules ----------------------------------------------


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


# --- the whole check ------------------------------------------------------------------------------


def plugin_name(package: Path) -> str:
    """The manifest's ``name = "..."`` in ``plugin.py`` (else the package name without ``patt_``)."""
    manifest = package / "plugin.py"
    if manifest.is_file():
        for node in ast.walk(ast.parse(manifest.read_text())):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (
                        isinstance(item, ast.Assign)
                        and [getattr(t, "id", None) for t in item.targets] == ["name"]
                        and isinstance(item.value, ast.Constant)
                        and isinstance(item.value.value, str)
                    ):
                        return item.value.value
    return package.name.removeprefix("patt_")


def check(path: Path, plugin: str | None = None) -> list[str]:
    """Every problem of the plugin at ``path`` (a distribution folder or its package folder)."""
    path = path.resolve()
    package = path if (path / "__init__.py").is_file() else package_of(path)
    plugin = plugin or plugin_name(package)
    problems = shape_problems(package, plugin)
    if (package / "plugin.py").is_file():
        manifest = manifest_import_problems((package / "plugin.py").read_text(), package.name)
        problems += [f"{package.name}/{line}" for line in manifest + job_problems(package)]
    problems += service_problems(package)
    problems += [f"{package.name}/{p}: evaluated at import; no `from __future__ import annotations`"
                 for p in deferred_annotation_modules(package)]  # fmt: skip
    problems += around_the_host_problems(path, path.parent)
    problems += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(import_graph(package))]
    return problems


def main(argv: Iterable[str] | None = None) -> int:
    args = command_args(
        argv, "python -m patt_host.testing.shape PLUGIN_FOLDER [PLUGIN_FOLDER ...]", folders_only=True
    )
    if args is None:
        return 2
    problems: list[str] = []
    for arg in args:
        path = Path(arg).resolve()
        package = path if (path / "__init__.py").is_file() else None
        try:
            package = package or package_of(path)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        # The job check imports the plugin's job modules: make the package importable.
        if str(package.parent) not in sys.path:
            sys.path.insert(0, str(package.parent))
        problems += check(path)
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s) with the plugin shape (docs/plugins/layout.md)")
        return 1
    print("plugin shape kept: " + ", ".join(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
