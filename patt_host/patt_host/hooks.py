"""The typed facade over ``pm.hook``: the only way host code calls plugin hooks.

Implementations run in **pluggy's call order** (``reversed(get_hookimpls())``: wrappers
outermost, then ``tryfirst``, then the others last-registered first, then ``trylast``),
with pluggy's semantics: ``None`` results are dropped, first-result hooks stop at the first
non-None result, ``wrapper=True`` generators see (and may replace) the result or the
exception. Unlike pluggy, each implementation is called (and, if async, awaited) one at
a time by this module, so every result stays attributed to its plugin (namespace
checks, fault isolation, tracing) and no coroutine is created before the previous one
finished. Options this facade does not honour are refused at load time
(:func:`hookimpl_problems`).
"""

from __future__ import annotations

import inspect
import logging
import time
from collections import deque
from collections.abc import Coroutine, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from patt_host.host import Host
    from patt_host.plugins import LoadedPlugin, PluginManager

log = logging.getLogger("patt.hooks")

# Hooks the host calls while it builds things synchronously (the app, the job registry,
# the CLI): their implementations must return plain values. Every other hook may be async.
SYNC_ONLY_HOOKS = frozenset(
    {
        "register_routers",
        "prepare_jinja2_environment",
        "permissions",
        "health_checks",
        "register_jobs",
        "register_cron_jobs",
        "discord_intents",
        "register_commands",
        "data_quality_rules",
        "matching_rules",
    }
)


def hookimpl_problems(hook: str, function: Any, opts: dict[str, Any]) -> list[str]:
    """Why an implementation cannot be honoured (empty when it can)."""
    problems = []
    if opts.get("hookwrapper"):
        problems.append(f"{hook}: old-style hookwrapper=True is not supported; use wrapper=True")
    if opts.get("optionalhook"):
        problems.append(f"{hook}: optionalhook=True is not supported (unknown hooks are refused)")
    if opts.get("wrapper") and not inspect.isgeneratorfunction(function):
        problems.append(f"{hook}: a wrapper=True implementation must be a plain generator function")
    is_async = inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)
    if hook in SYNC_ONLY_HOOKS and is_async:
        problems.append(f"{hook}: must not be async (the host calls it while building the app or CLI)")
    return problems


@dataclass(frozen=True)
class TraceEntry:
    """One traced implementation call (``PATT_TRACE_PLUGINS=1``)."""

    plugin: str
    hook: str
    duration_ms: float  # including the await of an async implementation
    result_size: int  # items in a list/dict result, 1 for any other value, 0 for None


async def await_me_maybe(value: Any) -> Any:
    """Callbacks plugins hand over (health checks) may return a value or an awaitable."""
    if inspect.isawaitable(value):
        value = await value
    return value


def _size(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value)
    return 1


def _flatten(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Finish a coroutine that never suspends (sync-only hooks awaited nothing)."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("a synchronous hook call suspended")  # pragma: no cover - refused at load


Pairs = list[tuple["LoadedPlugin", Any]]


class Hooks:
    def __init__(self, manager: PluginManager, host: Host, *, trace: bool = False):
        self._manager = manager
        self._host = host
        self._trace = trace
        #: The most recent traced calls, newest last.
        self.traces: deque[TraceEntry] = deque(maxlen=2000)

    # -- the engine -------------------------------------------------------------------

    def _ordered(self, hook: str, *, load_order: bool = False) -> list[tuple[LoadedPlugin, Any]]:
        impls = list(reversed(getattr(self._manager.pm.hook, hook).get_hookimpls()))
        if load_order:
            # Same groups as pluggy (wrappers, tryfirst, the rest, trylast), but first loaded
            # first inside each group, so a plugin's requirements are ready before it.
            def group(impl: Any) -> int:
                return 0 if impl.wrapper else 1 if impl.tryfirst else 3 if impl.trylast else 2

            impls = [i for g in range(4) for i in reversed([i for i in impls if group(i) == g])]
        return [(self._manager.by_name[impl.plugin_name], impl) for impl in impls]

    async def _invoke(self, plugin: LoadedPlugin, hook: str, impl: Any, kwargs: dict[str, Any]) -> Any:
        started = time.perf_counter()
        value = impl.function(*[kwargs[name] for name in impl.argnames])
        if inspect.isawaitable(value):
            if hook in SYNC_ONLY_HOOKS:
                if inspect.iscoroutine(value):
                    value.close()
                raise TypeError(f"plugin {plugin.name}: hook {hook!r} returned an awaitable")
            value = await value
        if self._trace:
            entry = TraceEntry(plugin.name, hook, (time.perf_counter() - started) * 1e3, _size(value))
            self.traces.append(entry)
            log.info(
                "hook %s -> %s (%.2f ms, %d result(s))",
                hook,
                plugin.name,
                entry.duration_ms,
                entry.result_size,
            )
        return value

    async def _call(
        self,
        hook: str,
        kwargs: dict[str, Any],
        *,
        firstresult: bool = False,
        isolate: bool = False,
        keep_none: bool = False,
        load_order: bool = False,
    ) -> Pairs:
        """Call ``hook`` the way pluggy would, one implementation (and await) at a time.

        ``isolate``: an implementation's exception is logged and returned as its result
        instead of stopping the others. ``keep_none``: None results stay in the list.
        ``load_order``: dependencies before dependants inside each pluggy group (see ``_ordered``).
        Returns ``(plugin, result)`` pairs in call order (at most one with ``firstresult``).
        """
        kwargs.setdefault("host", self._host)
        ordered = self._ordered(hook, load_order=load_order)
        teardowns: list[tuple[LoadedPlugin, Generator[None, Any, Any]]] = []
        pairs: Pairs = []
        error: BaseException | None = None
        try:
            for plugin, impl in ordered:
                if impl.wrapper:
                    gen = impl.function(*[kwargs[name] for name in impl.argnames])
                    next(gen)  # run up to its yield, like pluggy
                    teardowns.append((plugin, gen))
                    continue
                try:
                    value = await self._invoke(plugin, hook, impl, kwargs)
                except Exception as exc:
                    if not isolate:
                        raise
                    log.exception("plugin %s failed in hook %s", plugin.name, hook)
                    value = exc
                if value is not None or keep_none:
                    pairs.append((plugin, value))
                    if firstresult and value is not None:
                        break
        except BaseException as exc:  # noqa: BLE001 - handed to the wrappers, re-raised below
            error = exc
        # Unwind the wrappers innermost first; each sees the result (or exception) and may change it.
        for wrapper_plugin, gen in reversed(teardowns):
            outcome = (
                pairs[0][1] if firstresult and pairs else (None if firstresult else [v for _p, v in pairs])
            )
            try:
                if error is not None:
                    gen.throw(error)
                else:
                    gen.send(outcome)
                raise RuntimeError(
                    f"plugin {wrapper_plugin.name}: hook wrapper for {hook!r} has a second yield"
                )
            except StopIteration as stop:
                error = None
                pairs = self._reattribute(stop.value, pairs, wrapper_plugin, firstresult)
            except BaseException as exc:  # noqa: BLE001
                error = exc
        if error is not None:
            raise error
        return pairs

    @staticmethod
    def _reattribute(value: Any, pairs: Pairs, wrapper: LoadedPlugin, firstresult: bool) -> Pairs:
        """Results a wrapper returns keep their plugin; new ones belong to the wrapper."""
        owners = {id(v): p for p, v in pairs}
        if firstresult:
            return [] if value is None else [(owners.get(id(value), wrapper), value)]
        return [(owners.get(id(v), wrapper), v) for v in (value or [])]

    def call(self, hook: str, **kwargs: Any) -> Pairs:
        """Call a sync-only hook (see :data:`SYNC_ONLY_HOOKS`)."""
        assert hook in SYNC_ONLY_HOOKS, hook
        return _run_sync(self._call(hook, kwargs))

    def collect(self, hook: str, **kwargs: Any) -> Pairs:
        """Sync-only hooks returning items or lists of items, flattened per plugin."""
        return [(plugin, item) for plugin, result in self.call(hook, **kwargs) for item in _flatten(result)]

    async def acollect(self, hook: str, **kwargs: Any) -> Pairs:
        pairs = await self._call(hook, kwargs)
        return [(plugin, item) for plugin, result in pairs for item in _flatten(result)]

    # -- one typed method per hook ----------------------------------------------------

    async def startup(self, app: Any) -> None:
        # Requirements start first; shutdown (pluggy's order) is then the exact reverse.
        await self._call("startup", {"app": app}, load_order=True)

    async def shutdown(self, app: Any) -> None:
        # One plugin's failing cleanup must not stop the others'.
        await self._call("shutdown", {"app": app}, isolate=True)

    def register_routers(self) -> Pairs:
        return self.collect("register_routers")

    def prepare_jinja2_environment(self, env: Any) -> None:
        self.call("prepare_jinja2_environment", env=env)

    async def extra_template_vars(self, request: Any, template: str, context: dict) -> dict:
        merged: dict[str, Any] = {}
        pairs = await self._call(
            "extra_template_vars", {"request": request, "template": template, "context": context}
        )
        # Earlier in call order wins (tryfirst beats the default), so merge in reverse.
        for _plugin, result in reversed(pairs):
            if result:
                merged.update(result)
        return merged

    async def template_slot(self, slot: str, request: Any, context: dict) -> list[str]:
        pairs = await self._call("template_slot", {"slot": slot, "request": request, "context": context})
        return [str(r) for _p, r in pairs if r]

    async def menu_links(self, request: Any, actor: Any) -> list[Any]:
        return [link for _p, link in await self.acollect("menu_links", request=request, actor=actor)]

    async def admin_menu_links(self, request: Any, actor: Any) -> list[Any]:
        return [link for _p, link in await self.acollect("admin_menu_links", request=request, actor=actor)]

    async def admin_dashboard_items(self, request: Any, actor: Any) -> list[Any]:
        """Every plugin's dashboard counts; a failing plugin shows as one "unavailable" item."""
        from patt_host.types import DashboardItem

        items = []
        # isolate: one plugin's broken count is logged and shown, never hides the dashboard.
        pairs = await self._call("admin_dashboard_items", {"request": request, "actor": actor}, isolate=True)
        for plugin, result in pairs:
            if isinstance(result, Exception):
                items.append(DashboardItem(f"{plugin.name}: counts unavailable", "?", severity="warn"))
            else:
                items.extend(_flatten(result))
        return sorted(items, key=lambda item: (item.order, item.label))

    async def authenticate(self, request: Any) -> Any:
        """First non-None actor in call order; later implementations are not called at all."""
        pairs = await self._call("authenticate", {"request": request}, firstresult=True)
        return pairs[0][1] if pairs else None

    def permissions(self) -> Pairs:
        return self.collect("permissions")

    def health_checks(self) -> Pairs:
        return self.collect("health_checks")

    async def handle_event(self, event: Any) -> list[tuple[LoadedPlugin, BaseException]]:
        """Deliver ``event`` to every plugin; failures are returned (and logged), never raised."""
        pairs = await self._call("handle_event", {"event": event}, isolate=True)
        return [(plugin, r) for plugin, r in pairs if isinstance(r, Exception)]

    def register_jobs(self) -> Pairs:
        return self.collect("register_jobs")

    def register_cron_jobs(self) -> Pairs:
        return self.collect("register_cron_jobs")

    def discord_intents(self) -> Pairs:
        return self.collect("discord_intents")

    async def discord_cogs(self, bot: Any) -> Pairs:
        """(plugin, cogs-or-exception) for every implementation, so one plugin's failure is isolated."""
        return await self._call("discord_cogs", {"bot": bot}, isolate=True, keep_none=True)

    def register_commands(self) -> Pairs:
        return self.collect("register_commands")

    def data_quality_rules(self) -> Pairs:
        return self.collect("data_quality_rules")

    def matching_rules(self) -> Pairs:
        return self.collect("matching_rules")

    async def export_member_data(self, session: Any, player_id: int) -> dict[str, Any]:
        pairs = await self._call("export_member_data", {"session": session, "player_id": player_id})
        return {plugin.name: data for plugin, data in pairs}

    async def delete_member_data(self, session: Any, player_id: int) -> dict[str, Any]:
        pairs = await self._call("delete_member_data", {"session": session, "player_id": player_id})
        return {plugin.name: count for plugin, count in pairs}

    async def seed_demo_data(self, session: Any) -> dict[str, Any]:
        # A plugin's demo data may build on its requirements' (guild_sync links identity's players).
        pairs = await self._call("seed_demo_data", {"session": session}, load_order=True)
        return {plugin.name: summary for plugin, summary in pairs}
