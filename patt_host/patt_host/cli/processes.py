"""The long-running processes: ``patt serve``, ``patt demo``, ``patt worker``, ``patt bot``."""

from __future__ import annotations

import click

from patt_host.cli.base import HostContext, cli, pass_ctx, run_in_host
from patt_host.cli.db import ensure_migrated, upgrade_with_progress


def _serve(host, bind: str, port: int) -> None:
    import uvicorn

    from patt_host.app import create_app, quiet_upgrade_warnings, server_options

    # Links built without BASE_URL (invites) must point at the port actually served.
    host.settings.app_host, host.settings.app_port = bind, port

    app = create_app(host)
    from patt_host.console import startup_done

    startup_done()
    click.echo(f"PATT site '{host.site.name}' on http://{bind}:{port}")
    options = server_options(host, app)
    quiet_upgrade_warnings(options)
    uvicorn.run(app, host=bind, port=port, log_level="info", access_log=False, **options)


@cli.command()
@click.option("--host", "bind", default=None, help="Interface (default APP_HOST).")
@click.option("--port", default=None, type=int, help="Port (default APP_PORT, 8100).")
@pass_ctx
def serve(hctx: HostContext, bind: str | None, port: int | None) -> None:
    """Serve the site (and run the bot and scheduler in-process when configured)."""
    host = hctx.host()
    ensure_migrated(host)
    _serve(host, bind or host.settings.app_host, port or host.settings.app_port)


@cli.command()
@click.option("--port", default=8100, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@pass_ctx
def demo(hctx: HostContext, port: int, no_serve: bool) -> None:
    """Start the site on the embedded database with demo data (prints an officer login)."""
    hctx.overrides["patt_demo"] = True  # before the host exists: plugins register jobs by it
    host = hctx.host()
    host.settings.database_url = None  # the demo always uses the embedded database
    upgrade_with_progress(host)
    summaries = run_in_host(host, lambda: _seed_demo(host))
    for plugin, summary in summaries.items():
        click.echo(f"  {plugin}: {summary}")
    if not no_serve:
        if host.settings.discord_bot_token is None and host.has_plugin("discord"):
            from patt_host.builtins.discord.demo import DemoDiscord

            DemoDiscord.configure(host)  # no real bot configured: show the bot against a fake Discord
            click.echo(
                "  discord: demo bot on an in-process fake Discord (what it sends: /admin/discord/sent)"
            )
        _serve(host, "127.0.0.1", port)


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
