"""The typed facade over ``pm.hook``: the only way host code calls plugin hooks.

Implementations are called one by one (in plugin order) rather than through pluggy's
multicall, so every result is attributed to its plugin (namespace checks, fault
isolation, tracing) and async results are awaited in one place.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from patt_host.host import Host
    from patt_host.plugins import LoadedPlugin, PluginManager

log = logging.getLogger("patt.hooks")


async def await_me_maybe(value: Any) -> Any:
    """Plugins may return a value or an awaitable; normalise both here."""
    if inspect.isawaitable(value):
        value = await value
    return value


def _flatten(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


class Hooks:
    def __init__(self, manager: PluginManager, host: Host, *, trace: bool = False):
        self._manager = manager
        self._host = host
        self._trace = trace

    # -- plumbing ---------------------------------------------------------------------

    def _impls(self, hook: str) -> Iterator[tuple[LoadedPlugin, Any]]:
        caller = getattr(self._manager.pm.hook, hook)
        # get_hookimpls() is in registration (= plugin) order; pluggy itself would call LIFO.
        for impl in caller.get_hookimpls():
            yield self._manager.by_name[impl.plugin_name], impl

    def call(self, hook: str, **kwargs: Any) -> list[tuple[LoadedPlugin, Any]]:
        """Call every implementation synchronously; results may still be awaitables."""
        kwargs.setdefault("host", self._host)
        out = []
        for plugin, impl in self._impls(hook):
            args = [kwargs[name] for name in impl.argnames]
            started = time.perf_counter()
            result = impl.function(*args)
            if self._trace:
                log.info("hook %s -> %s (%.2f ms)", hook, plugin.name, (time.perf_counter() - started) * 1e3)
            out.append((plugin, result))
        return out

    async def acall(self, hook: str, **kwargs: Any) -> list[tuple[LoadedPlugin, Any]]:
        """Call every implementation and await the awaitable results."""
        return [(plugin, await await_me_maybe(result)) for plugin, result in self.call(hook, **kwargs)]

    def collect(self, hook: str, **kwargs: Any) -> list[tuple[LoadedPlugin, Any]]:
        """Synchronous hooks returning items or lists of items, flattened per plugin."""
        out = []
        for plugin, result in self.call(hook, **kwargs):
            if inspect.isawaitable(result):
                result.close()
                raise TypeError(f"plugin {plugin.name}: hook {hook!r} must not be async")
            out.extend((plugin, item) for item in _flatten(result))
        return out

    async def acollect(self, hook: str, **kwargs: Any) -> list[tuple[LoadedPlugin, Any]]:
        out = []
        for plugin, result in await self.acall(hook, **kwargs):
            out.extend((plugin, item) for item in _flatten(result))
        return out

    # -- one typed method per hook ----------------------------------------------------

    async def startup(self, app: Any) -> None:
        await self.acall("startup", app=app)

    async def shutdown(self, app: Any) -> None:
        for plugin, result in self.call("shutdown", app=app):
            try:
                await await_me_maybe(result)
            except Exception:  # noqa: BLE001 - one plugin's cleanup must not stop the others'
                log.exception("plugin %s failed during shutdown", plugin.name)

    def register_routers(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("register_routers")

    def prepare_jinja2_environment(self, env: Any) -> None:
        self.collect("prepare_jinja2_environment", env=env)

    async def extra_template_vars(self, request: Any, template: str, context: dict) -> dict:
        merged: dict[str, Any] = {}
        for _plugin, result in await self.acall(
            "extra_template_vars", request=request, template=template, context=context
        ):
            if result:
                merged.update(result)
        return merged

    async def template_slot(self, slot: str, request: Any, context: dict) -> list[str]:
        results = await self.acall("template_slot", slot=slot, request=request, context=context)
        return [str(r) for _p, r in results if r]

    async def menu_links(self, request: Any, actor: Any) -> list[Any]:
        return [link for _p, link in await self.acollect("menu_links", request=request, actor=actor)]

    async def admin_menu_links(self, request: Any, actor: Any) -> list[Any]:
        return [link for _p, link in await self.acollect("admin_menu_links", request=request, actor=actor)]

    async def authenticate(self, request: Any) -> Any:
        # Not firstresult (async hooks can't be): try plugins in order, first actor wins.
        for _plugin, result in self.call("authenticate", request=request):
            actor = await await_me_maybe(result)
            if actor is not None:
                return actor
        return None

    def permissions(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("permissions")

    def health_checks(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("health_checks")

    async def handle_event(self, event: Any) -> list[tuple[LoadedPlugin, BaseException]]:
        """Deliver ``event`` to every plugin; failures are returned (and logged), never raised."""
        failures = []
        for plugin, result in self.call("handle_event", event=event):
            try:
                await await_me_maybe(result)
            except Exception as exc:  # noqa: BLE001
                log.exception("plugin %s failed handling event %s", plugin.name, event.name)
                failures.append((plugin, exc))
        return failures

    def register_jobs(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("register_jobs")

    def register_cron_jobs(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("register_cron_jobs")

    def discord_intents(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("discord_intents")

    def discord_cogs(self, bot: Any) -> Iterator[tuple[LoadedPlugin, Any]]:
        """Yields (plugin, cogs-or-exception) so one plugin's failure is isolated."""
        for plugin, impl in self._impls("discord_cogs"):
            try:
                kwargs = {"bot": bot, "host": self._host}
                result = impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:  # noqa: BLE001
                yield plugin, exc
                continue
            yield plugin, result

    def register_commands(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("register_commands")

    def data_quality_rules(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("data_quality_rules")

    def matching_rules(self) -> list[tuple[LoadedPlugin, Any]]:
        return self.collect("matching_rules")

    async def export_member_data(self, session: Any, player_id: int) -> dict[str, Any]:
        results = await self.acall("export_member_data", session=session, player_id=player_id)
        return {plugin.name: data for plugin, data in results if data is not None}

    async def delete_member_data(self, session: Any, player_id: int) -> dict[str, Any]:
        results = await self.acall("delete_member_data", session=session, player_id=player_id)
        return {plugin.name: count for plugin, count in results if count is not None}

    async def seed_demo_data(self, session: Any) -> dict[str, Any]:
        results = await self.acall("seed_demo_data", session=session)
        return {plugin.name: summary for plugin, summary in results if summary is not None}
