"""The ``patt`` group itself: the host context, running work inside the host, plugin groups."""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import logging
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
    if ctx.invoked_subcommand not in {"serve", "demo"}:
        gc.enable()  # off during start-up (patt_host.console); serve and demo turn it on themselves
    _configure_logging(verbose)
    ctx.obj = HostContext(patt_site=site)
