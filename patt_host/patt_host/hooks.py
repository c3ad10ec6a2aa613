"""The typed facade over ``pm.hook``: the only way host code calls plugin hooks.

Every hook is called with ``pm.hook.<name>(...)``: pluggy alone decides who is called and
in which order (wrappers, ``tryfirst``, the others last-registered first, ``trylast``).
The host registers each plugin through an adapter (:func:`adapt`) that adds what pluggy
cannot know:

- **Attribution.** Each result stays tied to the plugin that returned it (route and job
  namespaces, fault isolation, per-plugin exports, tracing).
- **Awaiting.** Pluggy's call loop is synchronous, so an ``async def`` implementation would
  hand it a coroutine: ``None`` results could not be dropped, first-result hooks would stop
  at the first coroutine and wrappers would see coroutines. Implementations of the hooks
  that may be async are therefore handed to pluggy as :class:`Deferred` calls: pluggy
  returns them in its call order and the facade runs them one at a time, awaiting each, so
  no implementation starts before the previous one finished and a first-result hook
  (``authenticate``, ``schedule_summary``) never runs the implementations after the winner.
- **Dependency order.** ``startup`` and ``seed_demo_data`` run a plugin's requirements
  first. Pluggy calls the last registered first, so these two go through a second
  pluggy manager that holds the same adapters registered dependants-first.

``wrapper=True`` is honoured by pluggy itself on the hooks the host calls synchronously
(:data:`SYNC_ONLY_HOOKS`); on the others a wrapper would see deferred calls, not results,
so it is refused at load (:func:`hookimpl_problems`), as are options the facade cannot honour.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pluggy

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
        "adopt_steps",
    }
)

#: Hooks whose implementations run requirements first (see the module docstring).
DEPENDENCY_ORDER_HOOKS = frozenset({"startup", "seed_demo_data"})


def hookimpl_problems(hook: str, function: Any, opts: dict[str, Any]) -> list[str]:
    """Why an implementation cannot be honoured (empty when it can)."""
    problems = []
    if opts.get("hookwrapper"):
        problems.append(f"{hook}: old-style hookwrapper=True is not supported; use wrapper=True")
    if opts.get("optionalhook"):
        problems.append(f"{hook}: optionalhook=True is not supported (unknown hooks are refused)")
    if opts.get("wrapper") and hook not in SYNC_ONLY_HOOKS:
        problems.append(
            f"{hook}: wrapper=True is supported only on the hooks the host calls synchronously "
            "(docs/plugins/hooks.md); this one may be async, so a wrapper would see unawaited calls"
        )
    elif opts.get("wrapper") and not inspect.isgeneratorfunction(function):
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


@dataclass(frozen=True)
class Deferred:
    """What pluggy gets from an implementation of a hook that may be async: the call itself,
    made (and awaited) by the facade when its turn in pluggy's order comes."""

    plugin: str
    call: Callable[[], Any]


@dataclass(frozen=True)
class _Record:
    plugin: str
    value: Any
    duration_ms: float
    wrapper: bool = False


# The results of the synchronous hook call in progress (a hook may call another hook).
_RECORDS: ContextVar[list[_Record] | None] = ContextVar("patt_hook_records", default=None)


def _sync_adapter(plugin: str, hook: str, function: Any) -> Any:
    @functools.wraps(function)
    def call(*args: Any) -> Any:
        started = time.perf_counter()
        value = function(*args)
        if inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()
            raise TypeError(f"plugin {plugin}: hook {hook!r} returned an awaitable")
        records = _RECORDS.get()
        if records is not None and value is not None:
            records.append(_Record(plugin, value, (time.perf_counter() - started) * 1e3))
        return value

    return call


def _wrapper_adapter(plugin: str, function: Any) -> Any:
    @functools.wraps(function)
    def call(*args: Any) -> Iterator[Any]:
        # ``yield from`` hands pluggy's send/throw to the plugin's generator unchanged.
        result = yield from function(*args)
        records = _RECORDS.get()
        if records is not None:
            records.append(_Record(plugin, result, 0.0, wrapper=True))
        return result

    return call


def _deferred_adapter(plugin: str, function: Any) -> Any:
    @functools.wraps(function)
    def call(*args: Any) -> Deferred:
        return Deferred(plugin, functools.partial(function, *args))

    return call


class HookAdapter:
    """The object pluggy registers for one plugin: its hook implementations, adapted."""

    def __init__(self, plugin: str, impls: dict[str, Any]):
        self.plugin = plugin
        for hook, function in impls.items():
            if hook in SYNC_ONLY_HOOKS:
                opts = getattr(function, "patt_impl", {})
                adapted = (
                    _wrapper_adapter(plugin, function)
                    if opts.get("wrapper")
                    else _sync_adapter(plugin, hook, function)
                )
            else:
                adapted = _deferred_adapter(plugin, function)
            setattr(self, hook, adapted)

    def __repr__(self) -> str:
        return f"<hooks of plugin {self.plugin!r}>"


def adapt(plugin: str, impls: dict[str, Any]) -> HookAdapter:
    """The object to register with pluggy for ``plugin`` (``impls``: hook name -> implementation)."""
    return HookAdapter(plugin, impls)


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


def _owners(records: list[_Record]) -> dict[int, deque[str]]:
    """Who returned each result object: implementations in call order, then what each
    wrapper added (wrappers finish innermost first)."""
    owners: dict[int, deque[str]] = {}
    for record in records:
        if record.wrapper:
            for item in record.value or ():
                owners.setdefault(id(item), deque([record.plugin]))
        else:
            owners.setdefault(id(record.value), deque()).append(record.plugin)
    return owners


Pairs = list[tuple["LoadedPlugin", Any]]


class Hooks:
    def __init__(self, manager: PluginManager, host: Host, *, trace: bool = False):
        self._manager = manager
        self._host = host
        self._trace = trace
        self._dependency_pm: pluggy.PluginManager | None = None
        #: The most recent traced calls, newest last.
        self.traces: deque[TraceEntry] = deque(maxlen=2000)

    # -- the engine -------------------------------------------------------------------

    def _traced(self, plugin: str, hook: str, duration_ms: float, value: Any) -> None:
        entry = TraceEntry(plugin, hook, duration_ms, _size(value))
        self.traces.append(entry)
        log.info("hook %s -> %s (%.2f ms, %d result(s))", hook, plugin, duration_ms, entry.result_size)

    def _dependency_order(self) -> pluggy.PluginManager:
        """A pluggy manager holding the same adapters registered dependants first, so that
        pluggy's last-registered-first order runs requirements first (built on first use, with
        only the hooks it is asked for: `patt serve` builds it before its first answer)."""
        if self._dependency_pm is None:
            self._dependency_pm = self._manager.new_pluggy_manager(
                reversed(self._manager.plugins), hooks=DEPENDENCY_ORDER_HOOKS
            )
        return self._dependency_pm

    def call(self, hook: str, **kwargs: Any) -> Pairs:
        """Call a sync-only hook (see :data:`SYNC_ONLY_HOOKS`): ``(plugin, result)`` pairs in
        pluggy's result order, after its wrappers; items a wrapper added belong to it."""
        assert hook in SYNC_ONLY_HOOKS, hook
        token = _RECORDS.set([])
        try:
            results = getattr(self._manager.pm.hook, hook)(host=self._host, **kwargs)
            records = _RECORDS.get() or []
        finally:
            _RECORDS.reset(token)
        if self._trace:
            for record in records:
                if not record.wrapper:
                    self._traced(record.plugin, hook, record.duration_ms, record.value)
        owners = _owners(records)
        by_name = self._manager.by_name
        pairs: Pairs = []
        for value in results:
            queue = owners[id(value)]
            pairs.append((by_name[queue.popleft() if len(queue) > 1 else queue[0]], value))
        return pairs

    async def _acall(
        self,
        hook: str,
        kwargs: dict[str, Any],
        *,
        first: bool = False,
        isolate: bool = False,
        keep_none: bool = False,
        skip: frozenset[str] | set[str] = frozenset(),
    ) -> Pairs:
        """Call a hook that may be async: pluggy returns the deferred calls in its order, and
        each is made (and awaited) here, one at a time.

        ``first``: stop at the first non-None result (the later implementations never run).
        ``isolate``: an implementation's exception is logged and returned as its result
        instead of stopping the others. ``keep_none``: None results stay in the list.
        ``skip``: plugins whose implementation is not called this time.
        """
        manager = self._dependency_order() if hook in DEPENDENCY_ORDER_HOOKS else self._manager.pm
        deferred: list[Deferred] = getattr(manager.hook, hook)(host=self._host, **kwargs)
        by_name = self._manager.by_name
        pairs: Pairs = []
        for item in deferred:
            if item.plugin in skip:
                continue
            started = time.perf_counter()
            try:
                value = await await_me_maybe(item.call())
            except Exception as exc:
                if not isolate:
                    raise
                log.exception("plugin %s failed in hook %s", item.plugin, hook)
                value = exc
            if self._trace:
                self._traced(item.plugin, hook, (time.perf_counter() - started) * 1e3, value)
            if value is not None or keep_none:
                pairs.append((by_name[item.plugin], value))
                if first and value is not None:
                    break
        return pairs

    def collect(self, hook: str, **kwargs: Any) -> Pairs:
        """Sync-only hooks returning items or lists of items, flattened per plugin."""
        return [(plugin, item) for plugin, result in self.call(hook, **kwargs) for item in _flatten(result)]

    async def acollect(self, hook: str, **kwargs: Any) -> Pairs:
        pairs = await self._acall(hook, kwargs)
        return [(plugin, item) for plugin, result in pairs for item in _flatten(result)]

    # -- one typed method per hook ----------------------------------------------------

    async def startup(self, app: Any) -> None:
        # Requirements start first; shutdown (pluggy's order) is then the reverse.
        await self._acall("startup", {"app": app})

    async def shutdown(self, app: Any) -> None:
        # One plugin's failing cleanup must not stop the others'.
        await self._acall("shutdown", {"app": app}, isolate=True)

    def register_routers(self) -> Pairs:
        return self.collect("register_routers")

    def prepare_jinja2_environment(self, env: Any) -> None:
        self.call("prepare_jinja2_environment", env=env)

    async def extra_template_vars(self, request: Any, template: str, context: dict) -> dict:
        merged: dict[str, Any] = {}
        pairs = await self._acall(
            "extra_template_vars", {"request": request, "template": template, "context": context}
        )
        # Earlier in call order wins (tryfirst beats the default), so merge in reverse.
        for _plugin, result in reversed(pairs):
            if result:
                merged.update(result)
        return merged

    async def template_slot(
        self, slot: str, request: Any, context: dict, *, skip: frozenset[str] | set[str] = frozenset()
    ) -> list[tuple[str, str]]:
        """``(plugin name, HTML)`` for every plugin that fills ``slot``; the plugins in ``skip``
        are not called (they already filled this slot, or a slot falling back to it, on the page)."""
        pairs = await self._acall(
            "template_slot", {"slot": slot, "request": request, "context": context}, skip=skip
        )
        return [(plugin.name, str(html)) for plugin, html in pairs if html]

    async def menu_links(self, request: Any, actor: Any) -> list[Any]:
        return [link for _p, link in await self.acollect("menu_links", request=request, actor=actor)]

    async def admin_menu_links(self, request: Any, actor: Any) -> list[Any]:
        return [link for _p, link in await self.acollect("admin_menu_links", request=request, actor=actor)]

    async def admin_dashboard_items(self, request: Any, actor: Any) -> list[Any]:
        """Every plugin's dashboard counts; a failing plugin shows as one "unavailable" item."""
        from patt_host.types import DashboardItem

        items = []
        # isolate: one plugin's broken count is logged and shown, never hides the dashboard.
        pairs = await self._acall("admin_dashboard_items", {"request": request, "actor": actor}, isolate=True)
        for plugin, result in pairs:
            if isinstance(result, Exception):
                items.append(DashboardItem(f"{plugin.name}: counts unavailable", "?", severity="warn"))
            else:
                items.extend(_flatten(result))
        return sorted(items, key=lambda item: (item.order, item.label))

    async def authenticate(self, request: Any) -> Any:
        """First non-None actor in call order; later implementations are not called at all."""
        pairs = await self._acall("authenticate", {"request": request}, first=True)
        return pairs[0][1] if pairs else None

    def permissions(self) -> Pairs:
        return self.collect("permissions")

    def health_checks(self) -> Pairs:
        return self.collect("health_checks")

    async def handle_event(self, event: Any) -> list[tuple[LoadedPlugin, BaseException]]:
        """Deliver ``event`` to every plugin; failures are returned (and logged), never raised."""
        pairs = await self._acall("handle_event", {"event": event}, isolate=True)
        return [(plugin, r) for plugin, r in pairs if isinstance(r, Exception)]

    def register_jobs(self) -> Pairs:
        return self.collect("register_jobs")

    def register_cron_jobs(self) -> Pairs:
        return self.collect("register_cron_jobs")

    def discord_intents(self) -> Pairs:
        return self.collect("discord_intents")

    async def discord_cogs(self, bot: Any) -> Pairs:
        """(plugin, cogs-or-exception) for every implementation, so one plugin's failure is isolated."""
        return await self._acall("discord_cogs", {"bot": bot}, isolate=True, keep_none=True)

    def register_commands(self) -> Pairs:
        return self.collect("register_commands")

    def data_quality_rules(self) -> Pairs:
        return self.collect("data_quality_rules")

    def matching_rules(self) -> Pairs:
        return self.collect("matching_rules")

    def adopt_steps(self) -> Pairs:
        # Load order (requirements first): a plugin's rows may point at its requirements'.
        position = {plugin.name: i for i, plugin in enumerate(self._manager.plugins)}
        return sorted(self.collect("adopt_steps"), key=lambda pair: position[pair[0].name])

    async def schedule_summary(self, session: Any) -> str | None:
        """The first non-None summary in call order; later implementations are not called."""
        pairs = await self._acall("schedule_summary", {"session": session}, first=True)
        return str(pairs[0][1]) if pairs else None

    async def export_member_data(self, session: Any, player_id: int) -> dict[str, Any]:
        pairs = await self._acall("export_member_data", {"session": session, "player_id": player_id})
        return {plugin.name: data for plugin, data in pairs}

    async def delete_member_data(self, session: Any, player_id: int) -> dict[str, Any]:
        pairs = await self._acall("delete_member_data", {"session": session, "player_id": player_id})
        return {plugin.name: count for plugin, count in pairs}

    async def seed_demo_data(self, session: Any) -> dict[str, Any]:
        # A plugin's demo data may build on its requirements' (guild_sync links identity's players).
        pairs = await self._acall("seed_demo_data", {"session": session})
        return {plugin.name: summary for plugin, summary in pairs}
