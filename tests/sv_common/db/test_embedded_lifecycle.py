"""Embedded PostgreSQL stops with the process that owns it, however that process ends.

Real processes and real signals: a child starts the embedded server in a private data
directory, reports the postmaster's pid, and is then stopped by SIGTERM, SIGINT or SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from sv_common.db.embedded import EmbeddedPostgres, live_owners, postmaster_pid, wait_stopped

OWNER = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path
    from sv_common.db.embedded import EmbeddedPostgres, postmaster_pid

    # A terminal's Ctrl-C: make sure SIGINT is not inherited as ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    pg = EmbeddedPostgres(Path(sys.argv[1]))
    pg.url("postgres")
    if len(sys.argv) > 2:
        pg.start().psql(sys.argv[2])
    print(postmaster_pid(pg.data_dir), flush=True)
    time.sleep(600)
    """
)


@pytest.fixture
def data_dir():
    """A private directory outside pytest's tmp_path: pytest resets ``pytest-of-<user>`` to mode 0700
    at every session start, and run as root the server runs as its own user, which another
    checkout's pytest starting would then lock out of its data directory."""
    base = Path(tempfile.mkdtemp(prefix="patt-embedded-test-"))
    yield base / "pg"
    shutil.rmtree(base, ignore_errors=True)


def _start_owner(data_dir, sql: str | None = None) -> tuple[subprocess.Popen, int]:
    args = [sys.executable, "-c", OWNER, str(data_dir)] + ([sql] if sql else [])
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    if not line.strip().isdigit():
        child.kill()
        pytest.fail(f"the owner did not start its server: {line!r} {child.stderr.read()[:3000]}")
    return child, int(line)


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, None)]
)
def test_the_server_stops_when_its_owner_is_terminated(data_dir, signum, status):
    child, pid = _start_owner(data_dir)
    assert psutil.pid_exists(pid) and postmaster_pid(data_dir) == pid
    child.send_signal(signum)
    code = child.wait(60)
    assert code != 0
    if status is not None:
        assert code == status  # exited by the signal's status, after the exit handlers ran
    assert wait_stopped(data_dir, timeout=30), "the postmaster outlived its owner"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_server_left_by_a_killed_owner_is_reclaimed_with_its_data(data_dir):
    child, stale = _start_owner(
        data_dir, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here');"
    )
    os.kill(child.pid, signal.SIGKILL)  # nothing of the owner runs: no exit handler
    child.wait(30)
    time.sleep(0.5)  # an absence is under test: nothing stops the postmaster in the meantime
    assert postmaster_pid(data_dir) == stale, "SIGKILL should leave the postmaster running"
    assert child.pid not in live_owners(data_dir)

    pg = EmbeddedPostgres(data_dir)
    try:
        pg.url("postgres")
        fresh = postmaster_pid(data_dir)
        assert fresh is not None and fresh != stale  # the stale one was stopped, ours started
        assert not psutil.pid_exists(stale) or psutil.Process(stale).status() == psutil.STATUS_ZOMBIE
        assert "still here" in pg.start().psql("SELECT v FROM kept;")
        assert live_owners(data_dir) == [os.getpid()]
    finally:
        pg.stop()
    assert wait_stopped(data_dir, timeout=30)


def test_a_server_shared_with_a_live_owner_is_not_stopped(data_dir):
    """Two processes on one data directory: the first one's exit leaves the server to the second."""
    first, pid = _start_owner(data_dir)
    second, same = _start_owner(data_dir)
    try:
        assert same == pid
        first.send_signal(signal.SIGTERM)
        first.wait(60)
        time.sleep(0.5)  # an absence is under test: the first owner's exit does not stop the server
        assert postmaster_pid(data_dir) == pid, "stopped while another process still used it"
        second.send_signal(signal.SIGTERM)
        second.wait(60)
        assert wait_stopped(data_dir, timeout=30)
    finally:
        for child in (first, second):
            if child.poll() is None:
                child.kill()


def test_a_killed_test_runs_server_is_stopped_and_its_directory_removed_by_the_next_run():
    """Embedded test services live in a directory per run; a run killed outright leaves its
    directory and server behind, and the next run's start sweeps them."""
    from patt_host.testing import services

    run_dir = Path(tempfile.mkdtemp(prefix=services.RUN_DIR_PREFIX))
    fresh = None
    try:
        owner, pid = _start_owner(run_dir / "pg")
        (run_dir / services.OWNER_FILE).write_text(str(owner.pid))
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(30)
        assert postmaster_pid(run_dir / "pg") == pid
        fresh, fresh_run = services._embedded_dir("pg")
        assert fresh_run != run_dir and not run_dir.exists()
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
        if fresh is not None:
            shutil.rmtree(fresh.parent, ignore_errors=True)
