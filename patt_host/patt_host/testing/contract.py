"""The import contract for a plugin outside this repository: ``python -m patt_host.testing.contract PATH``.

A plugin (or site package) may import only the host's public modules: ``patt_host``,
``patt_host.web``, ``patt_host.jobs`` and ``patt_host.testing``. Inside this repository
``python3 dev.py lint`` checks that with import-linter; this command checks the same rule
for one folder without it, by reading every ``.py`` file's import statements (nothing is
imported or run). It prints one line per violation (``file:line: imports patt_host.x``)
and exits with 1 when there is any, so a plugin's CI can run it next to its tests.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

PUBLIC_MODULES = frozenset({"patt_host", "patt_host.web", "patt_host.jobs", "patt_host.testing"})
SKIPPED_DIRS = frozenset({".venv", "venv", ".git", "build", "dist", "__pycache__", ".tox", "node_modules"})


def _internal(module: str) -> bool:
    return (module == "patt_host" or module.startswith("patt_host.")) and module not in PUBLIC_MODULES


def _submodule(name: str) -> str | None:
    """The internal module ``from patt_host import <name>`` pulls in (None for a public name)."""
    import importlib.util

    module = f"patt_host.{name}"
    if module in PUBLIC_MODULES:
        return None
    try:
        return module if importlib.util.find_spec(module) is not None else None
    except (ImportError, ValueError):
        return None


def violations_in(path: Path, source: str) -> list[str]:
    """``file:line: imports <module>`` for every import of a non-public host module in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names if _internal(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _internal(node.module):
                modules = [node.module]
            elif node.module == "patt_host":  # `from patt_host import cli` imports a module too
                modules = [m for alias in node.names if (m := _submodule(alias.name))]
        found += [
            f"{path}:{node.lineno}: imports {m}, which is not part of the public host API" for m in modules
        ]
    return found


def python_files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*.py")):
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            yield path


def check(paths: Iterable[Path]) -> list[str]:
    problems: list[str] = []
    for root in paths:
        for path in python_files(root):
            problems += violations_in(path, path.read_text(encoding="utf-8"))
    return problems


def command_args(argv: Iterable[str] | None, usage: str, *, folders_only: bool = False) -> list[str] | None:
    """The arguments of a check command (this one, ``patt_host.testing.shape``), or None after
    printing the usage (none given, ``--help``) or the paths that do not exist."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or any(a in ("-h", "--help") for a in args):
        print(f"usage: {usage}", file=sys.stderr)
        return None
    missing = [a for a in args if not (Path(a).is_dir() if folders_only else Path(a).exists())]
    if missing:
        what = "folder" if folders_only else "file or folder"
        print(f"error: no such {what}: {', '.join(missing)}", file=sys.stderr)
        return None
    return args


def main(argv: list[str] | None = None) -> int:
    args = command_args(argv, "python -m patt_host.testing.contract PATH [PATH ...]")
    if args is None:
        return 2
    problems = check(Path(a) for a in args)
    for line in problems:
        print(line)
    if problems:
        print(
            f"{len(problems)} import(s) outside patt_host's public API ({', '.join(sorted(PUBLIC_MODULES))})"
        )
        return 1
    print("import contract kept: only patt_host's public modules are imported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
