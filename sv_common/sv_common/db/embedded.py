"""Embedded PostgreSQL 16 (via pgserver) for when DATABASE_URL is unset.

A new user gets a real PostgreSQL in the data directory without installing a server.
The server is shared by every process started from the same directory and stops when
the last of them exits, however it exits:

- normally, or by an exception (pgserver's exit handler);
- by SIGTERM (the usual way a service manager, ``kill`` or a container runtime stops a
  process): Python's default action would end the process without exit handlers, so
  ``start()`` turns SIGTERM into an orderly exit with the signal's status (143);
- by SIGKILL or a crash, where nothing of the process runs: the next ``start()`` from that
  data directory finds the postmaster whose owners are all gone and stops it (a fast
  shutdown: committed data is kept), then starts its own.
"""

from __future__ import annotations

import atexit
import json
import logging
import re
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

log = logging.getLogger(__name__)

_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# pgserver's list of the processes using a data directory's server (its own file name).
OWNERS_FILE = ".handle_pids.json"
STOP_TIMEOUT = 30.0


def _import_pgserver():
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on servers; it changes nothing here.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import pgserver  # imported lazily: only the embedded mode needs it
        from pgserver.postgres_server import PostgresServer
    return pgserver, PostgresServer


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def postmaster_pid(data_dir: Path) -> int | None:
    """The pid of the postmaster running on ``data_dir``, or None.

    The pid in ``postmaster.pid`` counts only if that process is a postgres whose command line
    names this data directory: after a reboot the pid may belong to anything.
    """
    import psutil

    try:
        pid = int((Path(data_dir) / "postmaster.pid").read_text().splitlines()[0])
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        cmdline = process.cmdline()
    except (FileNotFoundError, IndexError, ValueError, psutil.Error):
        return None
    resolved = str(Path(data_dir).resolve())
    if cmdline and "postgres" in Path(cmdline[0]).name and any(resolved in arg for arg in cmdline):
        return pid
    return None


def stop_postmaster(data_dir: Path, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the postmaster of ``data_dir`` with a fast shutdown (SIGINT: open transactions are
    rolled back, committed data is written out); True if one was running. A server that does
    not stop within ``timeout`` is killed (its next start recovers from the WAL)."""
    import psutil

    pid = postmaster_pid(data_dir)
    if pid is None:
        return False
    process = psutil.Process(pid)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except psutil.TimeoutExpired:
        log.warning("embedded PostgreSQL (pid %s) did not stop in %.0f s: killing it", pid, timeout)
        process.kill()
        process.wait(5)
    return True


def live_owners(data_dir: Path) -> list[int]:
    """The processes recorded as using ``data_dir``'s server that are still alive."""
    try:
        pids = json.loads((Path(data_dir) / OWNERS_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [pid for pid in pids if isinstance(pid, int) and _alive(pid)]


def _forget_dead_owners(data_dir: Path) -> list[int]:
    owners_file = Path(data_dir) / OWNERS_FILE
    owners = live_owners(data_dir)
    if owners_file.exists():
        owners_file.write_text(json.dumps(owners))
    return owners


def reclaim_stale(data_dir: Path) -> bool:
    """Stop a postmaster on ``data_dir`` left running by owners that died without stopping it
    (SIGKILL, a crash, a power cut of the terminal): True if one was stopped.

    The owners' list is rewritten with only live processes, so a dead owner never keeps the
    server running for the others either. Call it under pgserver's lock.
    """
    if _forget_dead_owners(data_dir):
        return False
    stopped = stop_postmaster(data_dir)
    if stopped:
        log.warning("stopped a stale embedded PostgreSQL in %s (its owner process is gone)", data_dir)
    return stopped


class _SignalExit:
    """SIGTERM -> SystemExit(143) in the main thread, so exit handlers (which stop the embedded
    server) run. Installed once per process, and only over the default action: a handler
    someone else installed (uvicorn, arq, a test runner) is theirs to keep; uvicorn restores
    this one when it has shut down and then re-raises the signal it caught."""

    installed = False

    @classmethod
    def install(cls) -> None:
        if cls.installed or threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, cls._exit)
            cls.installed = True

    @staticmethod
    def _exit(signum, frame) -> None:
        # Exit now, for good: a second SIGTERM during the shutdown keeps its default action.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.exit(128 + signum)


class EmbeddedPostgres:
    """``exit_on_sigterm`` (default on) makes SIGTERM end the process through its exit handlers;
    a process whose own code catches every exception (a test runner: it would count the exit as
    one failed test and go on) turns it off, and relies on the next start's reclaim instead."""

    def __init__(self, data_dir: Path, *, keep_running: bool = False, exit_on_sigterm: bool = True):
        self.data_dir = Path(data_dir).resolve()
        self.keep_running = keep_running
        self.exit_on_sigterm = exit_on_sigterm
        self._server = None

    def start(self):
        if self._server is None:
            pgserver, server_class = _import_pgserver()
            self.data_dir.mkdir(parents=True, exist_ok=True)
            log.info("starting embedded PostgreSQL in %s", self.data_dir)
            with server_class._lock:  # the lock pgserver takes to start or stop a server
                reclaim_stale(self.data_dir)
            self._server = pgserver.get_server(
                str(self.data_dir), cleanup_mode=None if self.keep_running else "stop"
            )
            if not self.keep_running:
                # Runs before pgserver's own exit handler (registered earlier): an owner that
                # was SIGKILLed meanwhile must not keep the server running after we leave.
                atexit.register(self._forget_dead_owners)
                if self.exit_on_sigterm:
                    _SignalExit.install()
        return self._server

    def _forget_dead_owners(self) -> None:
        _, server_class = _import_pgserver()
        with server_class._lock:
            _forget_dead_owners(self.data_dir)

    def url(self, database: str = "patt") -> str:
        """An asyncpg URL for ``database``, creating it on first use."""
        if not _DB_NAME.match(database):
            raise ValueError(f"invalid database name {database!r}")
        server = self.start()
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
        # pgserver may pick a shorter socket directory than the data dir (socket paths
        # are limited to ~100 bytes), so take the host from the URI it reports.
        host = parse_qs(urlparse(server.get_uri()).query).get("host", [str(self.data_dir)])[0]
        return f"postgresql+asyncpg://postgres@/{database}?host={quote(host, safe='')}"

    def stop(self) -> None:
        if self._server is not None and not self.keep_running:
            self._forget_dead_owners()
            self._server.cleanup()
            atexit.unregister(self._forget_dead_owners)
        self._server = None


def wait_stopped(data_dir: Path, timeout: float = STOP_TIMEOUT) -> bool:
    """Wait until no postmaster runs on ``data_dir``; True if none does."""
    deadline = time.monotonic() + timeout
    while postmaster_pid(data_dir) is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
