"""deploy/: the compose file runs web, worker, bot, PostgreSQL and Redis from one image whose
commands exist in the CLI; with PATT_RUN_BOT=false the web process leaves the bot to `patt bot`."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path

import yaml
from click.testing import CliRunner

from patt_host.cli import cli
from patt_host.runtime import Services

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_every_process_with_real_commands():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "bot", "postgres", "redis"}
    assert services["web"]["environment"]["PATT_RUN_BOT"] == "false"
    runner = CliRunner()
    for name in ("web", "worker", "bot"):
        command = services[name]["command"]
        script = command[-1] if command[0] == "sh" else " ".join(command)
        for part in script.split("&&"):
            words = [w for w in shlex.split(part) if w != "exec"]
            assert words[0] == "patt", (name, part)
            # Every subcommand the containers run exists (its --help answers).
            result = runner.invoke(cli, [*words[1:], "--help"])
            assert result.exit_code == 0, (name, part, result.output)
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_dockerfile_installs_every_workspace_member():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["patt"]["workspace"]["members"]
    assert "['tool']['patt']['workspace']['members']" in dockerfile and members
    assert "requirements/constraints.txt" in dockerfile and 'CMD ["patt", "serve"]' in dockerfile


async def test_web_leaves_the_bot_to_its_own_process_when_told(make_host):
    host = make_host(discord_bot_token="not-a-real-token", patt_run_bot=False, patt_run_scheduler=False)
    services = await Services(host).start()
    try:
        assert services.bot_task is None
        assert host.status["bot"] == "separate process"
    finally:
        await services.stop()
