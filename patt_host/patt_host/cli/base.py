"""The ``patt`` group itself: the host context, running work inside the host, plugin groups."""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from patt_host.plugins import PluginLoadError
from patt_host.site import SiteNotFound
from sv_common.errors import DomainError

if TYPE_CHECKING:
    from patt_host.host import Host

T = TypeVar("T")


class _NoVoiceWarnings(logging.Filter):
    """Drops discord.py's two start-up warnings that voice needs PyNaCl and davey: the bot
    never joins a voice channel, so they are not worth an operator's attention. Any other
    warning of ``discord.client`` passes."""

    MESSAGES = frozenset(
        {
            "PyNaCl is not installed, voice will NOT be supported",
            "davey is not installed, voice will NOT be supported",
        }
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.msg in self.MESSAGES)


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
        # Alembic says "Running upgrade a -> b" per revision (some 50 lines for a new database);
        # `patt db upgrade` and `patt demo` print one summary line instead. Warnings still show.
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
        # Comparing the models (`db revision`, `db check --models`) notes "assuming SERIAL" for
        # the id column of every table: about 40 lines before the answer, none of them a finding.
        logging.getLogger("alembic.ddl.postgresql").setLevel(logging.WARNING)
    voice = logging.getLogger("discord.client")
    if not any(isinstance(f, _NoVoiceWarnings) for f in voice.filters):
        voice.addFilter(_NoVoiceWarnings())


class HostContext:
    def __init__(self, **overrides: Any):
        self.overrides = overrides
        self._host = None

    def host(self):
        if self._host is None:
            from pydantic import ValidationError

            from patt_host.config import HostSettings, describe_settings_error
            from patt_host.host import Host

            try:
                settings = HostSettings(**{k: v for k, v in self.overrides.items() if v is not None})
            except ValidationError as exc:
                raise click.ClickException(
                    "invalid settings: " + describe_settings_error(HostSettings, exc)
                ) from exc
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


def _raised_by(exc: BaseException, package: str) -> bool:
    """Whether ``exc`` was raised inside ``package`` (a frame of its traceback is there)."""
    marker = f"{os.sep}{package}{os.sep}"
    tb = exc.__traceback__
    while tb is not None:
        if marker in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


def database_unreachable(exc: BaseException) -> str | None:
    """Why PostgreSQL could not be reached, when that is what ``exc`` is (the server down, a
    wrong host, port, database, user or password, a malformed URL), else None."""
    import asyncpg

    from patt_host.web.failures import exception_chain
    from sv_common.db.engine import DatabaseUrlError

    refused = (
        asyncpg.InvalidCatalogNameError,  # no such database
        asyncpg.InvalidAuthorizationSpecificationError,  # no such role, wrong password, pg_hba
        asyncpg.CannotConnectNowError,  # starting up or shutting down
        asyncpg.TooManyConnectionsError,
    )
    for item in exception_chain(exc):
        if isinstance(item, (DatabaseUrlError, *refused)):
            return str(item)
        # Only a socket error of asyncpg's connect: a plugin command's own OSError is its own.
        if isinstance(item, OSError) and _raised_by(item, "asyncpg"):
            return str(item) or ("timed out" if isinstance(item, TimeoutError) else type(item).__name__)
    return None


def _database_named(ctx: click.Context) -> str:
    hctx = ctx.find_object(HostContext)
    try:
        url = hctx.host().settings.database_url if hctx is not None else None
    except click.ClickException:
        url = None
    if not url:
        return "the embedded database (DATABASE_URL is not set)"
    try:
        from sqlalchemy.engine import make_url

        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL: name the setting, not its secret
        shown = "(unparsable)"
    return f"DATABASE_URL={shown}"


class PattGroup(click.Group):
    """Adds plugin command groups lazily so `patt --help` works even with a broken plugin."""

    def invoke(self, ctx: click.Context) -> Any:
        # A wrong DATABASE_URL or a server that is down is the commonest first-run mistake:
        # one line naming the setting, not a driver traceback, whichever command met it.
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if isinstance(exc, click.ClickException | click.exceptions.Exit | click.Abort):
                raise
            reason = database_unreachable(exc)
            if reason is None:
                raise
            raise click.ClickException(
                f"cannot connect to the database ({_database_named(ctx)}): {reason}"
            ) from exc

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
    if ctx.invoked_subcommand not in {"serve", "demo"}:
        gc.enable()  # off during start-up (patt_host.console); serve and demo turn it on themselves
    _configure_logging(verbose)
    ctx.obj = HostContext(patt_site=site)
