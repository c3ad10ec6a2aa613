"""The ``patt`` command: serve, worker, bot, db, plugins, demo, jobs, and plugin groups.

Plugins add ``patt <plugin> ...`` groups through the ``register_commands`` hook. The
CLI builds the Host (plugins validated) but never the web app unless it serves.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from patt_host.plugins import PluginLoadError
from patt_host.site import SiteNotFound
from sv_common.errors import DomainError

if TYPE_CHECKING:
    from patt_host.host import Host

T = TypeVar("T")


def _configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    for noisy in ("pgserver", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not verbose:
        # httpx logs every request at INFO: a guild sync would write a line per character. The
        # sync log keeps the counts; --verbose shows the requests again.
        logging.getLogger("httpx").setLevel(logging.WARNING)


class HostContext:
    def __init__(self, **overrides: Any):
        self.overrides = overrides
        self._host = None

    def host(self):
        if self._host is None:
            from patt_host.config import HostSettings
            from patt_host.host import Host

            settings = HostSettings(**{k: v for k, v in self.overrides.items() if v is not None})
            try:
                self._host = Host(settings=settings)
            except (PluginLoadError, SiteNotFound) as exc:
                raise click.ClickException(str(exc)) from exc
        return self._host


pass_ctx = click.make_pass_decorator(HostContext, ensure=True)


def run_in_host(host: Host, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` inside ``host.running()`` (database open, startup/shutdown hooks called).

    A domain error (``sv_common.errors``) becomes one ``Error: <message>`` line and exit
    code 1, never a traceback: it is the user's input or the data, not a bug.
    """

    async def main() -> T:
        async with host.running():
            return await work()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


def _leaf_commands(command: click.Command) -> Iterator[click.Command]:
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _leaf_commands(sub)
    else:
        yield command


def _hosted(host: Host, callback: Callable[..., Any]) -> Callable[..., Any]:
    """A plugin command callback run inside the host's lifecycle; ``async def`` ones are awaited.
    Callbacks marked ``@patt_host.standalone`` run as they are: no database, no startup hooks."""
    from patt_host.types import STANDALONE_ATTRIBUTE

    if getattr(callback, "__patt_hosted__", False) or getattr(callback, STANDALONE_ATTRIBUTE, False):
        return callback

    @functools.wraps(callback)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        async def work() -> Any:
            if inspect.iscoroutinefunction(callback):
                return await callback(*args, **kwargs)
            return await asyncio.to_thread(callback, *args, **kwargs)

        return run_in_host(host, work)

    wrapper.__patt_hosted__ = True  # type: ignore[attr-defined]
    return wrapper


class PattGroup(click.Group):
    """Adds plugin command groups lazily so `patt --help` works even with a broken plugin."""

    def _plugin_groups(self, ctx: click.Context) -> dict[str, click.Command]:
        hctx = ctx.ensure_object(HostContext)
        try:
            host = hctx.host()
        except click.ClickException:
            return {}
        groups = {}
        for plugin, group in host.hooks.register_commands():
            if not isinstance(group, click.Command) or group.name != plugin.name:
                raise click.ClickException(
                    f"plugin {plugin.name}: register_commands must return a click group named {plugin.name!r}"
                )
            for command in _leaf_commands(group):
                if command.callback is not None:
                    command.callback = _hosted(host, command.callback)
            groups[group.name] = group
        return groups

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_groups(ctx)))

    def get_command(self, ctx, name):
        return super().get_command(ctx, name) or self._plugin_groups(ctx).get(name)


@click.group(cls=PattGroup)
@click.option("--site", envvar="PATT_SITE", default=None, help="Site bundle to run (default: patt).")
@click.option("-v", "--verbose", is_flag=True)
@click.pass_context
def cli(ctx: click.Context, site: str | None, verbose: bool) -> None:
    """PATT platform command line."""
    _configure_logging(verbose)
    ctx.obj = HostContext(patt_site=site)


def _db_url(host) -> str:
    return host.database_url()


def _ensure_migrated(host) -> None:
    from patt_host import dbmigrate

    state = dbmigrate.status(host, _db_url(host))
    if not state["ok"]:
        raise click.ClickException(
            "the database is behind the code (missing: " + ", ".join(state["missing"]) + "). "
            "Run `patt db upgrade` first."
        )


def _upgrade_with_progress(host) -> None:
    from alembic import command

    from patt_host import dbmigrate

    url = _db_url(host)
    try:
        lineages = dbmigrate.all_lineages(host, url)
    except dbmigrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    config = dbmigrate.make_config(url, lineages)
    # One lineage at a time so the bar moves; `<lineage>@head` also applies its depends_on.
    with click.progressbar(lineages, label="Migrating", item_show_func=lambda x: x.name if x else "") as bar:
        for lineage in bar:
            command.upgrade(config, f"{lineage.name}@head")


def _serve(host, bind: str, port: int) -> None:
    import uvicorn

    from patt_host.app import create_app, server_options

    # Links built without BASE_URL (invites) must point at the port actually served.
    host.settings.app_host, host.settings.app_port = bind, port

    app = create_app(host)
    click.echo(f"PATT site '{host.site.name}' on http://{bind}:{port}")
    uvicorn.run(app, host=bind, port=port, log_level="info", access_log=False, **server_options(host))


@cli.command()
@click.option("--host", "bind", default=None, help="Interface (default APP_HOST).")
@click.option("--port", default=None, type=int, help="Port (default APP_PORT, 8100).")
@pass_ctx
def serve(hctx: HostContext, bind: str | None, port: int | None) -> None:
    """Serve the site (and run the bot and scheduler in-process when configured)."""
    host = hctx.host()
    _ensure_migrated(host)
    _serve(host, bind or host.settings.app_host, port or host.settings.app_port)


@cli.command()
@click.option("--port", default=8100, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@pass_ctx
def demo(hctx: HostContext, port: int, no_serve: bool) -> None:
    """Start the site on the embedded database with demo data (prints an officer login)."""
    host = hctx.host()
    host.settings.database_url = None  # the demo always uses the embedded database
    _upgrade_with_progress(host)
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
    _ensure_migrated(host)
    from patt_host.jobs.arq_worker import run_worker

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
    _ensure_migrated(host)

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


# -- db ------------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(hctx: HostContext) -> None:
    """Apply every lineage's migrations (to `heads`)."""
    _upgrade_with_progress(hctx.host())
    click.echo("database is up to date")


@db.command("current")
@pass_ctx
def db_current(hctx: HostContext) -> None:
    """Show the revisions recorded in the database."""
    from patt_host import dbmigrate

    host = hctx.host()
    for rev in sorted(dbmigrate.recorded_revisions(_db_url(host))):
        click.echo(rev)


@db.command("check")
@pass_ctx
def db_check(hctx: HostContext) -> None:
    """Exit non-zero when the database is behind the enabled plugins' migrations."""
    from patt_host import dbmigrate

    state = dbmigrate.status(hctx.host(), _db_url(hctx.host()))
    if state["ok"]:
        click.echo("ok: " + ", ".join(state["expected"]))
    else:
        click.echo("behind; missing: " + ", ".join(state["missing"]), err=True)
        sys.exit(1)


@db.command("revision")
@click.option("--plugin", required=True, help="Lineage to add the revision to.")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Do not autogenerate from the models.")
@pass_ctx
def db_revision(hctx: HostContext, plugin: str, message: str, empty: bool) -> None:
    """Create a migration in a plugin's lineage (autogenerated from its models)."""
    from patt_host import dbmigrate

    host = hctx.host()
    try:
        path = dbmigrate.revision(host, _db_url(host), plugin, message, autogenerate=not empty)
    except dbmigrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {path}")


@db.command("purge")
@click.argument("plugin")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def db_purge(hctx: HostContext, plugin: str, yes: bool) -> None:
    """Drop a plugin's tables (downgrade its lineage to base). Its data is lost."""
    from patt_host import dbmigrate

    host = hctx.host()
    try:
        references = dbmigrate.references_into(host, _db_url(host), plugin)
    except dbmigrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in references:
        click.echo(f"warning: {line}; they block the drop or lose what they point at", err=True)
    if not yes:
        click.confirm(f"Drop every table of plugin {plugin!r}?", abort=True)
    try:
        dbmigrate.purge(host, _db_url(host), plugin)
    except dbmigrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"purged {plugin}")


# -- plugins and jobs ----------------------------------------------------------------------


@cli.group()
def plugins() -> None:
    """Installed and enabled plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def plugins_list(hctx: HostContext, as_json: bool) -> None:
    """List the enabled plugins of this site."""
    from patt_host.builtins.introspection import inventory

    host = hctx.host()
    data = inventory(host)  # the same document as /-/plugins.json
    rows, installed = data["plugins"], data["installed_not_enabled"]
    if as_json:
        click.echo(json.dumps(data))
        return
    click.echo(f"site: {host.site.name}")
    for row in rows:
        kind = "built-in" if row["internal"] else ("site" if row["site"] else "plugin")
        requires = f" requires {', '.join(row['requires'])}" if row["requires"] and not row["site"] else ""
        click.echo(f"  {row['name']:<16} {row['version'] or '-':<8} {kind:<8}{requires}")
    if installed:
        click.echo("installed, not enabled: " + ", ".join(installed))


@cli.group()
def jobs() -> None:
    """Background jobs."""


@jobs.command("list")
@pass_ctx
def jobs_list(hctx: HostContext) -> None:
    """List every job and its UTC schedule."""
    host = hctx.host()
    for name in sorted(host.jobs.jobs):
        schedules = ", ".join(s.cron.expression for s in host.jobs.schedules_for(name)) or "manual"
        click.echo(f"{name:<40} {schedules}")


class _ProgressBar:
    """A click progress bar on stderr, opened on the job's first ``ctx.progress`` report."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.done = 0

    def update(self, done: int, total: int) -> None:
        if self.bar is None or self.bar.length != total:
            self.close()
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
            self.done = 0
        if done > self.done:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@jobs.command("run")
@click.argument("name")
@click.option("--kwargs", "kwargs_json", default="{}", help="JSON object of keyword arguments.")
@pass_ctx
def jobs_run(hctx: HostContext, name: str, kwargs_json: str) -> None:
    """Run a job now, in this process, and print its record."""
    host = hctx.host()
    registered = host.jobs.get(name)
    if registered is None:
        raise click.ClickException(f"no job named {name!r}; see `patt jobs list`")
    try:
        kwargs = json.loads(kwargs_json)
    except ValueError as exc:
        raise click.ClickException(f"--kwargs is not valid JSON: {exc}") from exc
    if not isinstance(kwargs, dict):
        raise click.ClickException("--kwargs must be a JSON object")
    try:
        registered.check_kwargs(kwargs)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc

    bar = _ProgressBar(name)
    from patt_host.jobs.runner import run_job

    try:
        run = run_in_host(
            host,
            lambda: run_job(
                host, name, trigger="cli", triggered_by="cli", kwargs=kwargs, on_progress=bar.update
            ),
        )
    finally:
        bar.close()
    click.echo(f"{run.job_name}: {run.status} {json.dumps(run.counts or {}, sort_keys=True)}")
    if run.error:
        click.echo(run.error, err=True)
    sys.exit(0 if run.status in ("succeeded", "skipped") else 1)


def main() -> None:
    cli()
