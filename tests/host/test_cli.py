"""The `patt` command line, run in-process through click and, for the demo, as a real subprocess."""

import json
import os
import re

import pytest
from click.testing import CliRunner

from patt_host import cli as cli_module


@pytest.fixture
def run_cli(make_host, monkeypatch):
    def run(args, **host_kwargs):
        host = make_host(**host_kwargs)
        monkeypatch.setattr(cli_module.HostContext, "host", lambda self: host)
        return CliRunner().invoke(cli_module.cli, args, catch_exceptions=False)

    return run


def test_plugins_list_json(run_cli):
    result = run_cli(["plugins", "list", "--json"], plugins=["sample"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [p["name"] for p in data["plugins"]][:4] == ["core", "health", "introspection", "admin"]
    assert "sample" in [p["name"] for p in data["plugins"]]


async def test_plugins_list_json_and_the_web_page_share_one_document(run_cli, make_client):
    import asyncio

    result = await asyncio.to_thread(run_cli, ["plugins", "list", "--json"], plugins=["sample"])
    client = await make_client(plugins=["sample"])
    web = client.data(await client.get("/-/plugins.json", headers={"X-Sample-User": "Olga:4"}))
    assert json.loads(result.output) == web


def test_plugins_list_text(run_cli):
    result = run_cli(["plugins", "list"], plugins=["sample"])
    assert "sample" in result.output and "built-in" in result.output


def test_jobs_list_and_run(run_cli):
    listed = run_cli(["jobs", "list"], plugins=["sample"])
    assert "sample.count_items" in listed.output and "*/15 * * * *" in listed.output
    ran = run_cli(["jobs", "run", "sample.count_items", "--kwargs", '{"add": 2}'], plugins=["sample"])
    assert ran.exit_code == 0
    assert ran.output.strip() == 'sample.count_items: succeeded {"added": 2, "items": 2}'
    failed = run_cli(["jobs", "run", "sample.fail"], plugins=["sample"])
    assert failed.exit_code == 1 and "sample failure" in failed.output


def test_unknown_job_is_an_error(run_cli):
    result = run_cli(["jobs", "run", "nope"], plugins=["sample"])
    assert result.exit_code == 1
    assert "no job named 'nope'" in result.output


def test_plugin_command_runs_inside_the_host_lifecycle(run_cli):
    from patt_sample import CALLS

    CALLS.clear()
    result = run_cli(["sample", "add", "sword"], plugins=["sample"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "added sword"  # the async command used host.db: the host was open
    assert [c for c in CALLS if c[0] in ("startup", "shutdown")] == [("startup", None), ("shutdown", None)]


def test_domain_error_in_a_plugin_command_is_one_clean_line(run_cli):
    assert run_cli(["sample", "add", "shield"], plugins=["sample"]).exit_code == 0
    # catch_exceptions=False: anything but a clean click error would raise here.
    result = run_cli(["sample", "add", "shield"], plugins=["sample"])
    assert result.exit_code == 1
    assert result.output == "Error: an item labelled 'shield' exists already\n"


def test_jobs_run_calls_startup_and_shutdown(run_cli):
    from patt_sample import CALLS

    CALLS.clear()
    assert run_cli(["jobs", "run", "sample.count_items"], plugins=["sample"]).exit_code == 0
    assert [c[0] for c in CALLS if c[0] in ("startup", "shutdown")] == ["startup", "shutdown"]


def test_plugin_group_appears_in_help(run_cli):
    result = run_cli(["--help"], plugins=["sample"])
    assert "sample" in result.output and "Sample plugin commands." in result.output


async def test_db_check_and_serve_refuse_a_database_behind(make_host, monkeypatch, patt_postgres):
    import asyncio

    name = f"patt_cli_behind_{os.getpid()}"
    url = await patt_postgres.create_database(name)
    try:
        host = make_host(plugins=["sample"], database_url=url)
        monkeypatch.setattr(cli_module.HostContext, "host", lambda self: host)

        def invoke(args):
            return CliRunner().invoke(cli_module.cli, args)

        check = await asyncio.to_thread(invoke, ["db", "check"])
        assert check.exit_code == 1 and "sample_0001" in check.output
        serve = await asyncio.to_thread(invoke, ["serve", "--port", "8199"])
        assert serve.exit_code == 1 and "Run `patt db upgrade` first" in serve.output
        upgrade = await asyncio.to_thread(invoke, ["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        check = await asyncio.to_thread(invoke, ["db", "check"])
        assert check.exit_code == 0 and check.output.startswith("ok:")
        current = await asyncio.to_thread(invoke, ["db", "current"])
        assert "sample_0001" in current.output.split()
    finally:
        await patt_postgres.drop_database(name)


@pytest.mark.parametrize("args", [["db", "check"], ["db", "upgrade"], ["jobs", "run", "sample.count_items"]])
def test_an_unreachable_database_is_one_line_naming_the_setting(run_cli, args):
    # The commonest first-run mistake (server down, wrong port): it was a driver traceback.
    url = "postgresql://patt:hunter2-secret@127.0.0.1:1/patt"  # nothing listens on port 1
    result = run_cli(args, plugins=["sample"], database_url=url)  # catch_exceptions=False
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: cannot connect to the database (DATABASE_URL=postgresql://patt:***@127.0.0.1:1/patt): "
    ), result.output
    assert len(result.output.strip().splitlines()) == 1 and "hunter2" not in result.output


async def test_a_missing_database_or_a_foreign_url_is_one_line(make_host, monkeypatch, patt_postgres):
    import asyncio

    missing = patt_postgres.url_for(f"patt_no_such_db_{os.getpid()}")
    for url, reason in ((missing, "does not exist"), ("mysql://patt@127.0.0.1/patt", "PostgreSQL only")):
        host = make_host(plugins=["sample"], database_url=url)
        monkeypatch.setattr(cli_module.HostContext, "host", lambda self, host=host: host)
        result = await asyncio.to_thread(
            CliRunner().invoke, cli_module.cli, ["db", "check"], catch_exceptions=False
        )
        assert result.exit_code == 1 and result.output.startswith("Error: cannot connect to the database")
        assert reason in result.output and "Traceback" not in result.output


def test_an_oserror_of_a_command_itself_is_not_called_a_database_failure():
    from patt_host.cli.base import database_unreachable

    try:
        open("/nonexistent/patt-file")  # noqa: PTH123, SIM115 - raised here, not in asyncpg
    except OSError as exc:
        assert database_unreachable(exc) is None


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("APP_PORT", "eighty", "Error: invalid settings: APP_PORT: Input should be a valid integer"),
        ("TRUSTED_PROXIES", "nginx", "Error: invalid settings: TRUSTED_PROXIES: 'nginx' is not an address"),
        ("JWT_ALGORITHM", "RS256", "Error: invalid settings: JWT_ALGORITHM: Input should be 'HS256'"),
    ],
)
def test_an_invalid_host_setting_is_one_line_naming_the_variable(
    monkeypatch, tmp_path, variable, value, expected
):
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(cli_module.cli, ["plugins", "list"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.startswith(expected), result.output
    assert "pydantic" not in result.output and len(result.output.strip().splitlines()) == 1


def test_adopt_refuses_allow_drop_without_apply(run_cli):
    # A dry run never drops: `--allow-drop` alone answered "nothing to do" and dropped nothing.
    result = run_cli(["db", "adopt", "--allow-drop"], plugins=["sample"])
    assert result.exit_code == 2
    assert "--allow-drop drops the archived original schemas: use it with --apply" in result.output


def test_plugin_load_errors_are_shown_by_the_cli(monkeypatch):
    monkeypatch.setenv("PATT_SITE", "no-such-site")
    result = CliRunner().invoke(cli_module.cli, ["plugins", "list"])
    assert result.exit_code != 0
    assert "unknown site 'no-such-site'" in result.output


@pytest.fixture
def private_dir():
    """A directory outside pytest's ``pytest-of-<user>``: pytest resets that one to mode 0700 at
    every session start, and run as root the embedded PostgreSQL's server runs as its own user,
    which must reach the data directory (another checkout's pytest starting would lock it out)."""
    import shutil
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp(prefix="patt-cli-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_demo_prepares_the_embedded_database_and_prints_a_login(private_dir):
    """The README's first command, minus serving: embedded PostgreSQL, migrations, demo data."""
    tmp_path = private_dir
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DISCORD_BOT_TOKEN")}
    env["PATT_DATA_DIR"] = str(tmp_path / "var")
    patt = str(Path(sys.executable).parent / "patt")
    first = subprocess.run([patt, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "officer login: officer / " in first.stdout
    # Short output: one line for the migrations (alembic's line per revision only with -v), and
    # the logins on lines of their own after the summaries, never inside the identity line.
    assert "Running upgrade" not in first.stderr
    assert re.search(r"^migrations: applied \d+ \(sv_common \d+, ", first.stdout, re.M), first.stdout
    assert not re.search(r"^  identity: .*login", first.stdout, re.M), first.stdout
    logins = first.stdout.split("\ndemo data ready", 1)[1]
    assert re.search(r"^  officer login: officer / \S+$", logins, re.M), first.stdout
    # Voting seeds after guild sync has given the members their ranks, so the demo has ballots.
    ballots = re.search(
        r"voting: closed campaign with (\d+) ballots; live campaign with (\d+) ballots", first.stdout
    )
    assert ballots and int(ballots[1]) > 10 and int(ballots[2]) > 5, first.stdout
    assert (tmp_path / "var" / "pg" / "PG_VERSION").read_text().strip() == "16"
    again = subprocess.run([patt, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0
    assert "40 players" in again.stdout  # idempotent: the same guild, not a second one

    # Serving, then stopped as a service manager stops it: the embedded server stops with it
    # (it kept running after `patt serve`/`patt demo` got SIGTERM).
    import signal
    import threading
    import time
    import urllib.request

    from patt_host.testing.live import free_port
    from sv_common.db.embedded import postmaster_pid, wait_stopped

    port = free_port()
    served = subprocess.Popen(
        [patt, "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []  # read as it comes, so the pipe never fills

    def read() -> None:
        for line in served.stdout:
            output.append(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert served.poll() is None and time.monotonic() < deadline, "patt demo did not serve"
                time.sleep(0.5)
        # Once serving and the demo bot connected: the URL, then each login on a line of its own.
        banner = f"PATT demo running at http://127.0.0.1:{port} (Ctrl+C stops it)\n"
        while banner not in output or "\n" not in output[output.index(banner) :]:  # a blank line ends it
            assert served.poll() is None and time.monotonic() < deadline, "".join(output)
            time.sleep(0.2)
        after = output[output.index(banner) + 1 :]
        block = after[: after.index("\n")]
        assert all(line.startswith("  ") for line in block), block
        assert any(line.startswith("  officer login: officer / ") for line in block), block
        assert not any("voice will NOT be supported" in line for line in output), "".join(output)
        data_dir = tmp_path / "var" / "pg"
        assert postmaster_pid(data_dir) is not None
        served.send_signal(signal.SIGTERM)
        served.wait(60)
        assert wait_stopped(data_dir, timeout=30), "the embedded PostgreSQL outlived patt demo"
    finally:
        if served.poll() is None:
            served.kill()
