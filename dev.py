#!/usr/bin/env python3
"""Bootstrap and run the PATT platform from a fresh clone.

Needs only Python >= 3.11 and git. Creates ./.venv on first use (and again
whenever a member's pyproject.toml or the pinned requirements change),
installs every workspace member in editable mode, then runs the command:

    python3 dev.py demo        start the PATT site on the embedded database with demo data
    python3 dev.py test        run the test suite (the one CI runs)
    python3 dev.py e2e         run the browser tests (needs Debian's chromium)
    python3 dev.py bench       run the benchmarks (tests/bench)
    python3 dev.py lint        ruff
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
        argv = [str(python), "-m", "pytest", "-m", "e2e", "tests/e2e", *rest]
    elif command == "bench":
        argv = [str(python), "-m", "pytest", "-m", "bench", "tests/bench", "-s", *rest]
    elif command == "lint":
        argv = [str(python), "-m", "ruff", "check", ".", *rest]
    elif command == "patt":
        argv = [str(bindir / "patt"), *rest]
    else:
        print(__doc__)
        return 0 if command in ("help", "-h", "--help") else 2
    os.chdir(ROOT)
    return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
