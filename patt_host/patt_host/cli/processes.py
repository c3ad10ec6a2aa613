"""The long-running processes: ``patt serve``, ``patt demo``, ``patt worker``, ``patt bot``."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

from patt_host.cli.base import HostContext, cli, pass_ctx, run_in_host
from patt_host.cli.db import ensure_migrated, upgrade_with_progress

STARTUP_FAILURE = 3  # uvicorn.run's exit code when the server did not start


def _serve(host, bind: str, port: int, *, announce: Callable[[], Awaitable[None]] | None = None) -> None:
    """Serve until stopped. ``announce`` (``patt demo``) runs once the port accepts requests,
    in place of uvicorn's own start-up lines, which ``patt serve`` keeps for operators."""
    import uvicorn

    from patt_host.app import create_app, quiet_upgrade_warnings, server_options

    # Links built without BASE_URL (invites) must point at the port actually served.
    host.settings.app_host, host.settings.app_port = bind, port

    app = create_app(host)
    from patt_host.console import startup_done

    startup_done()
    options = server_options(host, app)
    quiet_upgrade_warnings(options)
    if announce is None:
        click.echo(f"PATT site '{host.site.name}' on http://{bind}:{port}")
        uvicorn.run(app, host=bind, port=port, log_level="info", access_log=False, **options)
        return

    class AnnouncingServer(uvicorn.Server):
        announcing: asyncio.Task | None = None

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                self.announcing = asyncio.create_task(announce())

        async def shutdown(self, sockets: Any = None) -> None:
            if self.announcing is not None:
                self.announcing.cancel()
            await super().shutdown(sockets)

    config = uvicorn.Config(app, host=bind, port=port, log_level="warning", access_log=False, **options)
    server = AnnouncingServer(config)
    # What uvicorn.run does around Server.run for one process.
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    if not server.started:
        sys.exit(STARTUP_FAILURE)


@cli.command()
@click.option("--host", "bind", default=None, help="Interface (default APP_HOST).")
@click.option("--port", default=None, type=int, help="Port (default APP_PORT, 8100).")
@pass_ctx
def serve(hctx: HostContext, bind: str | None, port: int | None) -> None:
    """Serve the site (and run the bot and scheduler in-process when configured)."""
    host = hctx.host()
    ensure_migrated(host)
    _serve(host, bind or host.settings.app_host, port or host.settings.app_port)


# A part of a plugin's demo summary that tells how to sign in ("officer login: ...",
# "member: register at ... with code ...") gets a line of its own, repeated at the end.
_LOGIN = re.compile(r"\b(?:login|log in|register)\b", re.IGNORECASE)


def demo_summary(summaries: dict[str, Any]) -> tuple[list[str], list[str]]:
    """``seed_demo_data``'s summaries as console lines, and the sign-in parts found in them.

    Each line of a summary is printed indented under its plugin; the parts of a line
    (separated by "; ") that say how to log in or register are taken out into the second
    list, so a login is never buried in the middle of a line, whatever the plugin returns.
    """
    lines: list[str] = []
    logins: list[str] = []
    for plugin, summary in summaries.items():
        if summary is None:
            continue
        first = True
        for raw in str(summary).splitlines():
            parts = [part.strip() for part in raw.split("; ")]
            found = [part for part in parts if _LOGIN.search(part)]
            logins += found
            rest = "; ".join(part for part in parts if part and part not in found)
            if rest:
                lines.append(f"  {plugin}: {rest}" if first else f"  {' ' * len(plugin)}  {rest}")
                first = False
    return lines, logins


async def _bot_settled(host, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Until the demo bot is connected (or failed): its log lines then come before the banner."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # host.status is plain state (no event); a failed login also ends the wait.
    while host.status.get("bot") in (None, "connecting") and loop.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


@cli.command()
@click.option("--port", default=8100, type=int, help="Port to serve the demo on (default 8100).")
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@pass_ctx
def demo(hctx: HostContext, port: int, no_serve: bool) -> None:
    """Start the site on the embedded database with demo data (prints its URL and the logins)."""
    hctx.overrides["patt_demo"] = True  # before the host exists: plugins register jobs by it
    host = hctx.host()
    host.settings.database_url = None  # the demo always uses the embedded database
    upgrade_with_progress(host)
    summaries = run_in_host(host, lambda: _seed_demo(host))
    lines, logins = demo_summary(summaries)
    click.echo("demo data:")
    for line in lines:
        click.echo(line)
    if no_serve:
        _print_logins("demo data ready (`patt demo` without --no-serve serves it)", logins)
        return
    if host.settings.discord_bot_token is None and host.has_plugin("discord"):
        from patt_host.builtins.discord.demo import DemoDiscord

        DemoDiscord.configure(host)  # no real bot configured: show the bot against a fake Discord
        click.echo("  discord: demo bot on an in-process fake Discord (what it sends: /admin/discord/sent)")
    runs_bot = host.settings.discord_bot_token is not None

    async def announce() -> None:
        if runs_bot:
            await _bot_settled(host)
        url = f"http://127.0.0.1:{port}"
        # "register at /register": the page a plugin names becomes a link to click (only after
        # "at ", so a password is never touched).
        links = [re.sub(r"(?<=\bat )/(?=\w)", f"{url}/", login) for login in logins]
        _print_logins(f"PATT demo running at {url} (Ctrl+C stops it)", links)

    _serve(host, "127.0.0.1", port, announce=announce)


def _print_logins(heading: str, logins: list[str]) -> None:
    click.echo("")
    click.echo(heading)
    for login in logins:
        click.echo(f"  {login}")
    click.echo("")


async def _seed_demo(host) -> dict:
    async with host.db.session() as session:
        return await host.hooks.seed_demo_data(session)


@cli.command()
@pass_ctx
def worker(hctx: HostContext) -> None:
    """Run background jobs and cron schedules with arq (needs REDIS_URL)."""
    host = hctx.host()
    if not host.settings.redis_url:
        raise click.ClickException("REDIS_URL is not set; without it `patt serve` runs jobs in-process.")
    ensure_migrated(host)
    # The worker is the process that runs the jobs: import every job function now, so a broken
    # "module:function" reference stops it here rather than failing its first run.
    failures = host.jobs.resolve_all()
    if failures:
        raise click.ClickException(
            "some jobs cannot be imported:\n"
            + "\n".join(f"  {name}: {why}" for name, why in failures.items())
        )
    from patt_host.console import startup_done
    from patt_host.jobs.arq_worker import run_worker

    # As `patt serve`: the jobs' collections then skip what start-up built (a profession sync
    # spent a quarter of its CPU in full collections walking it), the job modules included.
    startup_done()
    run_worker(host)


@cli.group(invoke_without_command=True)
@click.pass_context
def bot(ctx: click.Context) -> None:
    """Run the Discord bot alone (`patt bot`), or manage it (`patt bot sync`)."""
    if ctx.invoked_subcommand is None:
        _run_bot(ctx.ensure_object(HostContext))


def _run_bot(hctx: HostContext) -> None:
    host = hctx.host()
    if host.settings.discord_bot_token is None:
        raise click.ClickException("DISCORD_BOT_TOKEN is not set.")
    ensure_migrated(host)

    from patt_host.bot import run_bot

    run_in_host(host, lambda: run_bot(host))


@bot.command("sync")
@click.option(
    "--guild",
    "to_guild",
    is_flag=True,
    help="Sync to DISCORD_GUILD_ID only (visible at once) instead of globally (up to an hour).",
)
@pass_ctx
def bot_sync(hctx: HostContext, to_guild: bool) -> None:
    """Push the plugins' slash commands to Discord (REST only: logs in, syncs, exits)."""
    host = hctx.host()
    if host.settings.discord_bot_token is None:
        raise click.ClickException("DISCORD_BOT_TOKEN is not set.")
    guild_id = host.settings.discord_guild_id if to_guild else None
    if to_guild and guild_id is None:
        raise click.ClickException("--guild needs DISCORD_GUILD_ID.")

    from patt_host.bot import sync_commands

    try:
        names = run_in_host(host, lambda: sync_commands(host, guild_id=guild_id))
    except click.ClickException:
        raise
    except Exception as exc:  # noqa: BLE001 - one readable line for the operator
        raise click.ClickException(f"sync failed: {type(exc).__name__}: {exc}") from exc
    where = f"guild {guild_id}" if guild_id else "globally"
    click.echo(f"synced {len(names)} command group(s) {where}: {', '.join(names) or '(none)'}")
