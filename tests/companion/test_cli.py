"""The `patt-companion` command as a user runs it (installed script, real loopback site)."""

import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from fake_site import API_KEY, wait_until
from wow_sim import WowClient, make_roster

PATT_COMPANION = str(Path(sys.executable).parent / "patt-companion")


def run(*args, timeout=60):
    return subprocess.run(
        [PATT_COMPANION, *args], capture_output=True, text=True, timeout=timeout, env=os.environ
    )


def game_file(tmp_path, members=5, **world):
    client = WowClient(roster=make_roster(members), **world)
    client.advance(1)
    path = tmp_path / "wow" / "_retail_" / "WTF" / "Account" / "ACC" / "SavedVariables" / "PATTSync.lua"
    client.logout(path)
    return path


def setup(site, path):
    return run("setup", "--url", site.url + "/api", "--api-key", API_KEY, "--file", str(path), "--yes")


def test_setup_checks_and_saves_the_config(companion_home, fake_site, tmp_path):
    path = game_file(tmp_path)
    out = setup(fake_site, path)
    assert out.returncode == 0, out.stderr
    assert "site and API key OK" in out.stdout and f"watching {path}" in out.stdout
    config_file = companion_home / "config" / "config.toml"
    config = tomllib.loads(config_file.read_text())
    assert config["url"] == fake_site.url + "/api" and config["api_key"] == API_KEY
    assert config["saved_variables"] == [str(path)]
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert fake_site.uploads == []  # the check uploads nothing


def test_setup_refuses_a_wrong_key_and_saves_nothing(companion_home, fake_site):
    out = run("setup", "--url", fake_site.url, "--api-key", "wrong", "--yes")
    assert out.returncode == 3 and "refused this API key" in out.stderr
    assert not (companion_home / "config" / "config.toml").exists()


def test_setup_refuses_a_site_that_is_not_patt(companion_home, fake_site):
    out = run("setup", "--url", fake_site.url + "/elsewhere/x", "--api-key", API_KEY, "--yes")
    assert out.returncode == 3 and "does not look like a PATT site" in out.stderr


def test_upload_then_status(companion_home, fake_site, tmp_path):
    path = game_file(tmp_path, members=7)
    assert setup(fake_site, path).returncode == 0
    out = run("upload", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "queued export of 7 members" in out.stdout and "HTTP 200" in out.stdout
    assert len(fake_site.uploads) == 1 and len(fake_site.uploads[0]["characters"]) == 7
    again = run("upload", str(path))  # the same export: never sent twice
    assert again.returncode == 0 and "export already sent" in again.stdout
    assert len(fake_site.uploads) == 1
    status = run("status")
    assert status.returncode == 0
    assert "1 sent" in status.stdout and "7 members" in status.stdout and "updated=7" in status.stdout
    assert path.exists()  # the game's file is left where it is


def test_upload_while_the_site_is_down_stays_queued(companion_home, fake_site, tmp_path):
    path = game_file(tmp_path)
    assert setup(fake_site, path).returncode == 0
    fake_site.fail_next(503)
    out = run("upload", str(path))
    assert out.returncode == 1 and "HTTP 503" in out.stdout and "still queued" in out.stdout
    status = run("status")
    assert "1 pending" in status.stdout and "last error: HTTP 503" in status.stdout


def test_upload_of_a_hostile_file_sends_nothing(companion_home, fake_site, tmp_path):
    path = tmp_path / "PATTSync.lua"
    path.write_text("PATTSyncDB = { lastExport = ('x'):rep(1e9) }")
    assert setup(fake_site, path).returncode == 0
    out = run("upload", str(path))
    assert out.returncode == 2 and "not a valid SavedVariables file" in out.stdout
    assert fake_site.uploads == [] and all(
        method == "GET" or "addon-upload" in p for method, p in fake_site.requests
    )
    assert "problem with" in run("status").stdout


def test_upload_without_setup_queues_only(companion_home, tmp_path):
    path = game_file(tmp_path)
    out = run("upload", str(path))
    assert out.returncode == 1 and "run `patt-companion setup` first" in out.stdout
    assert "1 pending" in run("status").stdout


# With events the poll is a minute, so only the file event can explain a quick upload.
@pytest.mark.parametrize(
    "mode", [["--poll", "60"], ["--poll", "0.2", "--no-events"]], ids=["events", "polling"]
)
def test_watch_uploads_each_new_export_once(companion_home, fake_site, tmp_path, mode):
    path = game_file(tmp_path, members=4)
    assert setup(fake_site, path).returncode == 0
    proc = subprocess.Popen(
        [PATT_COMPANION, "watch", *mode], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_until(lambda: len(fake_site.uploads) == 1, timeout=30)
        # Two more sessions: relog later, force an export, log out (the game rewrites the file).
        # By the second upload the watch loop is running, so with events the third upload
        # (well within the minute-long poll) can only come from the file event.
        for hour, members in ((1, 6), (2, 8)):
            client = WowClient(path, roster=make_roster(members), now=1767225600 + hour * 3600)
            client.slash("force")
            client.advance(1)
            client.logout(path)
            wait_until(lambda n=hour + 1: len(fake_site.uploads) == n, timeout=30)
        assert [len(u["characters"]) for u in fake_site.uploads] == [4, 6, 8]
    finally:
        proc.terminate()
        proc.wait(10)
    assert len(fake_site.uploads) == 3 and path.exists()


def test_setup_asks_on_a_terminal(companion_home, fake_site):
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [PATT_COMPANION, "setup"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # no controlling terminal: getpass reads the pty on stdin
    )
    os.close(follower)
    os.write(leader, f"{fake_site.url}\n".encode())
    # getpass turns echo off with TCSAFLUSH (dropping typed-ahead input): answer after its prompt.
    prompt = ""
    deadline = time.monotonic() + 30
    while "API key" not in prompt and time.monotonic() < deadline:
        prompt += os.read(proc.stderr.fileno(), 1024).decode()
    os.write(leader, f"{API_KEY}\n".encode())
    out, err = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, prompt + err
    assert "Site URL" in out and "site and API key OK" in out
    config = tomllib.loads((companion_home / "config" / "config.toml").read_text())
    assert config["url"] == fake_site.url and config["api_key"] == API_KEY


def test_companion_stands_alone():
    """The uploader runs on players' PCs: no dependency on the platform's packages."""
    import ast

    root = Path(__file__).resolve().parents[2] / "companion"
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert not [
        d for d in project["project"]["dependencies"] if d.startswith(("patt-host", "sv-common", "patt_"))
    ]
    imported = set()
    for source in (root / "patt_companion").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert imported & {"patt_host", "sv_common", "patt_identity", "patt_guild_sync"} == set()
    assert {"lupa", "httpx", "platformdirs"} <= imported


def test_watch_finds_the_account_folder_and_waits_for_the_first_export(companion_home, fake_site, tmp_path):
    """No --file: the Wine install under $HOME is found; PATTSync.lua appears at the first /reload."""
    home = tmp_path / "home"
    folder = (
        home / ".wine/drive_c/Program Files (x86)/World of Warcraft/_retail_/WTF/Account/ACC/SavedVariables"
    )
    folder.mkdir(parents=True)
    env = {**os.environ, "HOME": str(home)}
    out = subprocess.run(
        [PATT_COMPANION, "setup", "--url", fake_site.url, "--api-key", API_KEY, "--yes"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert f"watching {folder / 'PATTSync.lua'} (appears after the first /reload in game)" in out.stdout
    proc = subprocess.Popen(
        [PATT_COMPANION, "watch", "--poll", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        client = WowClient(roster=make_roster(3))
        client.advance(1)
        client.logout(folder / "PATTSync.lua")
        wait_until(lambda: len(fake_site.uploads) == 1, timeout=30)
    finally:
        proc.terminate()
        proc.wait(10)
    assert len(fake_site.uploads[0]["characters"]) == 3
