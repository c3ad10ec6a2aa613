"""deploy/: the compose file runs web, worker, bot, PostgreSQL and Redis from one image whose
commands exist in the CLI; with PATT_RUN_BOT=false the web process leaves the bot to `patt bot`."""

from __future__ import annotations

import re
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


# -- Docker: what goes into the image, who runs it, where secrets come from -----------------------
# These always run; deploy/smoke-test.sh (run by .ci/run when a Docker daemon answers) builds and
# starts the stack for real.


def _dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Docker's rule for a context path: the last matching pattern wins; ``!`` re-includes; a
    pattern matching a directory excludes everything under it; ``**`` spans any depth."""
    import fnmatch

    excluded = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        pattern = pattern.strip("/")
        candidates = [pattern]
        if pattern.startswith("**/"):
            candidates.append(pattern[3:])  # ** also matches no directory at all
        hit = any(fnmatch.fnmatchcase(prefix, c) for c in candidates for prefix in prefixes)
        if hit:
            excluded = not negate
    return excluded


def test_dockerignore_keeps_secrets_state_and_history_out_of_the_image():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in (
        ".env",
        ".env.production",
        "deploy/compose.env",
        "plugins/voting/.env",
        "patt.env",
        "var/pg/PG_VERSION",
        "var/secret_key",
        ".git/config",
        ".venv/bin/python",
        "plugins/mito/.venv/bin/python",
    ):
        assert _dockerignore_excludes(patterns, path), f"{path} would be copied into the image"
    for path in (
        "pyproject.toml",
        "patt_host/patt_host/cli/__init__.py",
        "requirements/constraints.txt",
        "deploy/env.example",
    ):
        assert not _dockerignore_excludes(patterns, path), f"{path} is needed in the image"


def test_settings_files_with_secrets_are_not_tracked_by_git():
    import subprocess

    ignored = ["deploy/compose.env", "patt.env", ".env", ".env.production"]
    kept = ["deploy/env.example", ".env.example", "deploy/compose.env.example"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *ignored, *kept], cwd=ROOT, capture_output=True, text=True
    )
    assert set(result.stdout.split()) == set(ignored), result.stdout


def test_the_image_runs_as_an_unprivileged_user_with_no_secret_baked_in():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), users
    for line in re.findall(r"^(?:ENV|ARG)\s+(.+)$", dockerfile, re.MULTILINE):
        assert not re.search(r"SECRET|TOKEN|PASSWORD|_KEY", line, re.IGNORECASE), line


def test_compose_takes_secrets_from_the_environment_and_checks_health():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    for name in ("web", "worker", "bot"):
        service = services[name]
        assert service.get("user") in (None, "patt"), name  # the image's unprivileged user
        assert service["env_file"] == "compose.env"  # read at start, never built in
        for key, value in service["environment"].items():
            if re.search(r"SECRET|TOKEN|PASSWORD", key):
                assert str(value).startswith("${"), (name, key)
            if "://" in str(value) and "@" in str(value):  # credentials in a URL come from a variable
                assert "${" in str(value), (name, key)
    for name in ("web", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "/api/health" in " ".join(services["web"]["healthcheck"]["test"])
    # nginx on the host comes in through the network's gateway: exactly that address is trusted.
    gateway = compose["networks"]["patt"]["ipam"]["config"][0]["gateway"]
    assert services["web"]["environment"]["TRUSTED_PROXIES"] == gateway
    assert all("patt" in services[n]["networks"] for n in services)
    assert services["web"]["ports"] == ["127.0.0.1:8100:8100"]  # only nginx on the host reaches it
