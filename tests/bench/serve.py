"""Start and stop a real `patt serve` process for benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PATT = str(Path(sys.executable).parent / "patt")


def serve_env(database_url: str) -> dict[str, str]:
    """The environment for a benchmarked `patt serve`: the PATT site on ``database_url``, no Redis, no bot."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PATT_SITE": "patt",
        "JWT_SECRET_KEY": "bench-secret-0123456789-0123456789-0123456789",
        "APP_ENV": "development",
    }
    # A deployed site runs from compiled bytecode (pip compiles what it installs; a checkout writes
    # its .pyc files on the first start). With PYTHONDONTWRITEBYTECODE set, as in some shells and
    # CI images, every start would compile the project's modules again and measure the compiler.
    for name in ("REDIS_URL", "DISCORD_BOT_TOKEN", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


def start_server(
    env: dict[str, str],
    port: int,
    *,
    timeout: float = 30,
    command: list[str] | None = None,
    cwd: str | None = None,
) -> tuple[subprocess.Popen, float]:
    """Spawn `patt serve` (or ``command``) and return it with the seconds until its first 200 on /api/health."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        command or [PATT, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    deadline = started + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as response:
                if response.status == 200:
                    return proc, time.perf_counter() - started
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()) from None
            time.sleep(0.005)
    proc.kill()
    raise RuntimeError(f"patt serve did not answer within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
