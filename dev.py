#!/usr/bin/env python3
"""Bootstrap and run the PATT platform from a fresh clone.

Needs only Python >= 3.11 and git. Creates ./.venv on first use (and again
whenever a member's pyproject.toml or the pinned requirements change),
installs every workspace member in editable mode, then runs the command:

    python3 dev.py demo        start the PATT site on the embedded database with demo data
                               (--port N: another port than 8100)
    python3 dev.py test        run tests/ except the browser tests and benchmarks; a path runs
                               those tests instead (plugins/mito/tests: Mito's own suite)
    python3 dev.py e2e         run the browser tests (needs Debian's chromium)
    python3 dev.py bench       run the benchmarks (tests/bench)
    python3 dev.py lint        ruff, then the import contract (import-linter)
    python3 dev.py patt ...    any `patt` CLI command inside the venv
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PATT_VENV", ROOT / ".venv"))
STAMP = VENV / ".patt-install-stamp"


def members() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return data["tool"]["patt"]["workspace"]["members"]


def install_inputs() -> list[Path]:
    files = [ROOT / "pyproject.toml", *sorted((ROOT / "requirements").glob("*.txt"))]
    files += [ROOT / m / "pyproject.toml" for m in members()]
    return files


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in install_inputs():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    if sys.version_info < (3, 11):
        sys.exit("PATT needs Python >= 3.11 (this is %s)" % sys.version.split()[0])
    python = venv_python()
    wanted = fingerprint()
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    if not python.exists():
        print(f"[dev] creating virtualenv in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("[dev] installing the workspace (first run takes a minute)", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    constraints = ROOT / "requirements" / "constraints.txt"
    cmd = [*pip, "-c", str(constraints), "-r", str(ROOT / "requirements" / "dev.txt")]
    for member in members():
        cmd += ["-e", str(ROOT / member)]
    subprocess.run(cmd, check=True)
    STAMP.write_text(wanted)
    return python


# The host's public modules: a plugin or site may import these and nothing else of patt_host.
PUBLIC_HOST_MODULES = ("patt_host", "patt_host.web", "patt_host.jobs", "patt_host.testing")
HOST_MEMBERS = ("sv_common", "patt_host")


def member_packages(member_dir: Path) -> list[str]:
    """The top-level import packages a workspace member ships (folders with an __init__.py)."""
    return sorted(p.parent.name for p in member_dir.glob("*/__init__.py") if p.parent.name != "tests")


def host_internal_modules(host_dir: Path) -> list[str]:
    """Every module of patt_host that is not public (forbidding one forbids its submodules)."""
    package = host_dir / "patt_host"
    found = set()
    for path in package.rglob("*.py"):
        if not all((d / "__init__.py").exists() for d in path.parents if package in (d, *d.parents)):
            continue  # not importable as a module (alembic's env.py, migration scripts)
        parts = path.relative_to(host_dir).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.add(".".join(parts))
    # Keep the shortest forbidden prefixes that are not public themselves.
    internal = sorted(m for m in found if m not in PUBLIC_HOST_MODULES)
    return [m for m in internal if not any(m.startswith(o + ".") for o in internal if o != m)]


def import_contract(member_dirs: list[Path], host_dir: Path) -> str:
    """import-linter config (INI) for the workspace: generated, so new plugins are covered at once.

    Plugins and sites may import only PUBLIC_HOST_MODULES from patt_host (importing
    ``patt_host.web`` is fine even though it imports ``patt_host.web.auth`` itself, hence
    indirect imports are allowed); sv_common must not import patt_host at all.
    """
    clients = sorted({pkg for d in member_dirs for pkg in member_packages(d)} - set(HOST_MEMBERS))
    roots = ["sv_common", "patt_host", *clients]
    lines = ["[importlinter]", "root_packages =", *(f"    {r}" for r in roots), ""]
    lines += [
        "[importlinter:contract:sv-common-is-standalone]",
        "name = sv_common does not import patt_host",
        "type = forbidden",
        "source_modules =",
        "    sv_common",
        "forbidden_modules =",
        "    patt_host",
        "",
    ]
    if clients:
        lines += [
            "[importlinter:contract:public-host-api]",
            "name = plugins and sites import only patt_host's public modules ("
            + ", ".join(PUBLIC_HOST_MODULES)
            + ")",
            "type = forbidden",
            "allow_indirect_imports = True",
            "source_modules =",
            *(f"    {c}" for c in clients),
            "forbidden_modules =",
            *(f"    {m}" for m in host_internal_modules(host_dir)),
            "",
        ]
    return "\n".join(lines)


def lint_imports(python: Path, member_dirs: list[Path] | None = None, env: dict | None = None) -> int:
    """Run the generated import contract; returns lint-imports' exit code."""
    dirs = member_dirs if member_dirs is not None else [ROOT / m for m in members()]
    config = VENV / "importlinter.ini"
    config.write_text(import_contract(dirs, ROOT / "patt_host"))
    cmd = [str(python.parent / "lint-imports"), "--no-cache", "--no-logo", str(config)]
    return subprocess.call(cmd, env=env, cwd=ROOT)


def default_paths(rest: list[str], folder: str) -> list[str]:
    """``rest`` with ``folder`` added unless it already names tests (`dev.py bench tests/bench/x.py` runs x only)."""
    names_tests = any(not arg.startswith("-") and Path(arg.split("::")[0]).exists() for arg in rest)
    return rest if names_tests else [folder, *rest]


def run(args: list[str]) -> int:
    python = ensure_venv()
    bindir = python.parent
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    command, rest = (args[0], args[1:]) if args else ("help", [])
    if command == "demo":
        argv = [str(bindir / "patt"), "demo", *rest]
    elif command == "test":
        argv = [str(python), "-m", "pytest", "-m", "not e2e and not bench", *rest]
    elif command == "e2e":
        argv = [str(python), "-m", "pytest", "-m", "e2e", *default_paths(rest, "tests/e2e")]
    elif command == "bench":
        argv = [str(python), "-m", "pytest", "-m", "bench", "-s", *default_paths(rest, "tests/bench")]
    elif command == "lint":
        os.chdir(ROOT)
        status = subprocess.call([str(python), "-m", "ruff", "check", ".", *rest], env=env)
        return status or lint_imports(python, env=env)
    elif command == "patt":
        argv = [str(bindir / "patt"), *rest]
    else:
        print(__doc__)
        return 0 if command in ("help", "-h", "--help") else 2
    os.chdir(ROOT)
    if os.name == "posix":
        # Become the command rather than wait for it: Ctrl+C (and a SIGTERM) then reaches `patt demo`
        # alone, which stops cleanly, instead of also interrupting this process mid-wait (a
        # KeyboardInterrupt traceback, and the demo left shutting down behind the prompt).
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(argv[0], argv, env)  # noqa: S606 - argv is one of the commands above
    return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
