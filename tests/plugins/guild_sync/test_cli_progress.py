"""`patt jobs list/run` for the roster sync, and the job's progress reports."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from patt_host import cli as cli_module
from patt_host.jobs import run_job


async def test_progress_is_reported_for_every_profile(synced_site, battlenet):
    battlenet.generate_guild("test-realm", "test-guild", 12)
    reports = []
    run = await run_job(
        synced_site.host, "guild_sync.sync_roster", on_progress=lambda d, t: reports.append((d, t))
    )
    assert run.status == "succeeded"
    assert reports[-1] == (12, 12)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)


def test_cli_lists_and_runs_the_roster_sync_with_a_progress_bar(make_host, monkeypatch):
    # The fake runs in its own process: the CLI blocks this thread in its own event loop.
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sv_common.testing.fake_battlenet",
            "cli-realm",
            "cli-guild",
            "30",
            "0",
            "cli-client",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = fake.stdout.readline().strip()
        for key, value in {
            "BLIZZARD_CLIENT_ID": "cli-client",
            "BLIZZARD_CLIENT_SECRET": "fake-client-secret",
            "BLIZZARD_API_URL": base,
            "BLIZZARD_OAUTH_URL": base + "/oauth/token",
            "PATT_GUILD_REALM_SLUG": "cli-realm",
            "PATT_GUILD_NAME_SLUG": "cli-guild",
        }.items():
            monkeypatch.setenv(key, value)
        host = make_host(plugins=["identity", "guild_sync"])
        monkeypatch.setattr(cli_module.HostContext, "host", lambda self: host)
        listed = CliRunner().invoke(cli_module.cli, ["jobs", "list"], catch_exceptions=False)
        assert "guild_sync.sync_roster" in listed.output and "0 */6 * * *" in listed.output
        ran = CliRunner().invoke(
            cli_module.cli, ["jobs", "run", "guild_sync.sync_roster"], catch_exceptions=False
        )
        assert ran.exit_code == 0, ran.output
        assert "guild_sync.sync_roster: succeeded" in ran.stdout
        assert '"found": 30' in ran.stdout and '"new": 30' in ran.stdout
        assert "guild_sync.sync_roster" in ran.stderr  # the progress bar's label
    finally:
        fake.terminate()
        fake.wait()
