"""The hook facade calls implementations exactly as pluggy orders them, for every kind of hook it offers.

Kinds: sync collect (``permissions``), async collect (``menu_links``), first-result
(``authenticate``, ``schedule_summary``), notify with isolated failures (``handle_event``), per-plugin results
(``export_member_data``) and dict merge (``extra_template_vars``). Each is compared with
pluggy's own multicall: a plain ``pluggy.PluginManager`` holding the same plugin objects,
registered in the host's load order, called with ``pm.hook.<name>(...)``.
"""

import asyncio
import gc
import warnings

import pluggy
import pytest

from patt_host import MenuLink, Permission, hookimpl, hookspecs
from patt_host.plugins import PluginLoadError

LOG: list[str] = []


def recorder(plugin: str, **opts):
    """Implementations of the sync-comparable hooks that record their call and return a tagged value."""

    class Impl:
        name = plugin

        @hookimpl(**opts)
        def permissions(self):
            LOG.append(f"permissions:{plugin}")
            return [Permission(f"{plugin}.p", 1)]

        @hookimpl(**opts)
        def menu_links(self):
            LOG.append(f"menu_links:{plugin}")
            return [MenuLink(plugin, f"/{plugin}")]

        @hookimpl(**opts)
        def authenticate(self, request):
            LOG.append(f"authenticate:{plugin}")
            return plugin if request == plugin else None

        @hookimpl(**opts)
        def schedule_summary(self, session):
            LOG.append(f"schedule_summary:{plugin}")
            return f"{plugin} nights" if session == plugin else None

        @hookimpl(**opts)
        def handle_event(self, event):
            LOG.append(f"handle_event:{plugin}")
            if event == f"fail:{plugin}":
                raise RuntimeError(f"{plugin} failed")

        @hookimpl(**opts)
        def export_member_data(self, player_id):
            LOG.append(f"export_member_data:{plugin}")
            return {"by": plugin}

        @hookimpl(**opts)
        def extra_template_vars(self):
            LOG.append(f"extra_template_vars:{plugin}")
            return {"winner": plugin, plugin: True}

    return Impl


def wrapping(plugin: str, **opts):
    """wrapper=True implementations (sync hooks only): record around the inner call and add an item."""

    class Wrapper:
        name = plugin

        @hookimpl(wrapper=True, **opts)
        def permissions(self):
            LOG.append(f"enter:{plugin}")
            result = yield
            LOG.append(f"exit:{plugin}")
            return [*result, [Permission(f"{plugin}.wrapped", 1)]]

    return Wrapper


PLUGINS = [
    recorder("first", tryfirst=True),
    recorder("plain_a"),
    recorder("last", trylast=True),
    recorder("plain_b"),
    wrapping("outer", tryfirst=True),
    wrapping("inner"),
]
NAMES = ["first", "plain_a", "last", "plain_b", "outer", "inner"]


@pytest.fixture
def host(make_host):
    LOG.clear()
    return make_host(plugins=NAMES, extra_plugins=PLUGINS)


def pluggy_order(host, hook: str, **kwargs) -> list[str]:
    """The order in which pluggy itself calls this test's implementations (plain pluggy,
    the same plugin objects registered in the host's load order, no host adapters)."""
    pm = pluggy.PluginManager("patt")
    pm.add_hookspecs(hookspecs)
    for plugin in host.plugins:
        if plugin.name in NAMES:
            pm.register(plugin.obj, name=plugin.name)
    LOG.clear()
    getattr(pm.hook, hook)(host=host, **kwargs)
    order = [entry for entry in LOG if entry.startswith(("enter:", "exit:", f"{hook}:"))]
    LOG.clear()
    return order


def test_sync_collect_matches_pluggy(host):
    expected = pluggy_order(host, "permissions")
    assert expected[:3] == ["enter:outer", "enter:inner", "permissions:first"]  # wrappers outermost, tryfirst
    assert expected[-3:] == ["permissions:last", "exit:inner", "exit:outer"]
    items = host.hooks.permissions()
    assert LOG == expected
    names = [p.name for _plugin, p in items]
    # pluggy's result order (after the built-ins' own items), and each wrapper's item attributed to it.
    assert [n for n in names if n.split(".")[0] in NAMES] == [
        "first.p",
        "plain_b.p",
        "plain_a.p",
        "last.p",
        "inner.wrapped",
        "outer.wrapped",
    ]
    owners = {p.name: plugin.name for plugin, p in items}
    assert owners["inner.wrapped"] == "inner" and owners["plain_b.p"] == "plain_b"


async def test_async_collect_matches_pluggy(host):
    expected = pluggy_order(host, "menu_links", request=None, actor=None)
    links = await host.hooks.menu_links(request=None, actor=None)
    assert LOG == expected
    assert [link.label for link in links if link.label in NAMES] == ["first", "plain_b", "plain_a", "last"]


async def test_first_result_stops_where_pluggy_order_says(host):
    expected = pluggy_order(host, "authenticate", request="plain_a")
    assert await host.hooks.authenticate(request="plain_a") == "plain_a"
    cut = expected.index("authenticate:plain_a") + 1
    # Called in pluggy's order up to the first non-None answer; "last" is never called.
    assert LOG == expected[:cut]
    assert "authenticate:last" not in LOG


async def test_schedule_summary_is_the_first_answer_in_pluggy_order(host):
    expected = pluggy_order(host, "schedule_summary", session="nobody")
    assert await host.hooks.schedule_summary(session="plain_a") == "plain_a nights"
    cut = expected.index("schedule_summary:plain_a") + 1
    assert LOG == expected[:cut] and "schedule_summary:last" not in LOG
    LOG.clear()
    assert await host.hooks.schedule_summary(session="nobody") is None
    assert LOG == expected  # nobody answered: every implementation was asked, in pluggy's order


async def test_notify_hook_matches_pluggy_and_isolates_failures(host):
    expected = pluggy_order(host, "handle_event", event="nothing")
    failures = await host.hooks.handle_event(event="fail:first")
    assert LOG == expected
    assert [(plugin.name, str(exc)) for plugin, exc in failures] == [("first", "first failed")]


async def test_per_plugin_results_and_merge_follow_pluggy(host, db):
    async with db.session() as session:
        expected = pluggy_order(host, "export_member_data", session=session, player_id=1)
        exported = await host.hooks.export_member_data(session=session, player_id=1)
    assert LOG == expected
    assert [name for name in exported if name in NAMES] == ["first", "plain_b", "plain_a", "last"]
    merged = await host.hooks.extra_template_vars(request=None, template="x.html", context={})
    # Earlier in call order wins a key clash: tryfirst beats everyone.
    assert merged["winner"] == "first"
    assert all(merged[name] for name in ("first", "plain_a", "plain_b", "last"))


def test_wrapper_sees_an_exception_and_may_replace_it(make_host):
    class Boom:
        name = "boom"

        @hookimpl
        def permissions(self):
            raise ValueError("boom")

    class Rescue:
        name = "rescue"

        @hookimpl(wrapper=True)
        def permissions(self):
            try:
                return (yield)
            except ValueError as exc:
                return [[Permission(f"rescued {exc}", 1)]]

    host = make_host(plugins=["boom", "rescue"], extra_plugins=[Boom, Rescue])
    assert [(plugin.name, p.name) for plugin, p in host.hooks.permissions()] == [("rescue", "rescued boom")]


def test_a_wrapper_on_a_hook_that_may_be_async_is_refused_at_load(make_host):
    class Around:
        name = "around"

        @hookimpl(wrapper=True)
        def template_slot(self, slot):
            return (yield)

    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["around"], extra_plugins=[Around])
    assert "around: template_slot: wrapper=True is supported only on the hooks the host calls" in str(
        info.value
    )


def test_equal_results_of_two_plugins_keep_their_owners(make_host):
    """Attribution is by position, not by value: two plugins returning the same int stay apart."""

    def counting(plugin: str):
        class Counter:
            name = plugin

            @hookimpl
            def permissions(self):
                return 0

        return Counter

    host = make_host(plugins=["count_a", "count_b"], extra_plugins=[counting("count_a"), counting("count_b")])
    assert [(plugin.name, n) for plugin, n in host.hooks.permissions() if n == 0] == [
        ("count_b", 0),
        ("count_a", 0),
    ]


async def test_a_sync_failure_in_an_isolated_hook_does_not_stop_the_others(make_host):
    calls: list[str] = []

    class Fails:
        name = "fails"

        @hookimpl
        def shutdown(self):
            raise RuntimeError("cannot stop")

    class Stops:
        name = "stops"

        @hookimpl
        def shutdown(self):
            calls.append("stops")

    host = make_host(plugins=["stops", "fails"], extra_plugins=[Fails, Stops])
    await host.hooks.shutdown(None)  # "fails" is called first (last loaded) and raises
    assert calls == ["stops"]


async def test_two_async_authenticate_implementations_are_awaited_one_at_a_time(make_host):
    events: list[str] = []

    def async_auth(plugin: str, answer):
        class Auth:
            name = plugin

            @hookimpl
            async def authenticate(self, request):
                events.append(f"start:{plugin}")
                await asyncio.sleep(0)
                events.append(f"end:{plugin}")
                return answer

        return Auth

    host = make_host(
        plugins=["auth_a", "auth_b", "auth_c"],
        extra_plugins=[
            async_auth("auth_a", "actor-a"),
            async_auth("auth_b", None),
            async_auth("auth_c", None),
        ],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert await host.hooks.authenticate(request=object()) == "actor-a"
        gc.collect()
    # LIFO: auth_c, then auth_b (both None, each finished before the next starts), then auth_a wins.
    assert events == [
        "start:auth_c",
        "end:auth_c",
        "start:auth_b",
        "end:auth_b",
        "start:auth_a",
        "end:auth_a",
    ]
    assert [w for w in caught if "never awaited" in str(w.message)] == []


async def test_tracer_measures_the_awaited_call_and_result_size(make_host):
    class Slow:
        name = "slow"

        @hookimpl
        async def menu_links(self):
            await asyncio.sleep(0.03)
            return [MenuLink("a", "/a"), MenuLink("b", "/b")]

    host = make_host(plugins=["slow"], extra_plugins=[Slow], patt_trace_plugins=True)
    await host.hooks.menu_links(request=None, actor=None)
    entry = [t for t in host.hooks.traces if t.plugin == "slow"][-1]
    assert (entry.hook, entry.result_size) == ("menu_links", 2)
    assert entry.duration_ms >= 30  # the await is inside the measurement, not just creating the coroutine


@pytest.mark.parametrize(
    ("opts", "hook_body", "message"),
    [
        (
            {"hookwrapper": True},
            "gen",
            "menu_links: old-style hookwrapper=True is not supported; use wrapper=True",
        ),
        ({"optionalhook": True}, "plain", "menu_links: optionalhook=True is not supported"),
    ],
)
def test_unsupported_hookimpl_options_are_refused_at_load(make_host, opts, hook_body, message):
    if hook_body == "gen":

        def menu_links(self):
            yield

    else:

        def menu_links(self):
            return []

    plugin = type("Odd", (), {"name": "odd", "menu_links": hookimpl(**opts)(menu_links)})
    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["odd"], extra_plugins=[plugin])
    assert f"odd: {message}" in str(info.value)


def test_async_implementation_of_a_sync_only_hook_is_refused_at_load(make_host):
    class AsyncRouters:
        name = "async_routers"

        @hookimpl
        async def register_routers(self):
            return []

    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["async_routers"], extra_plugins=[AsyncRouters])
    assert "async_routers: register_routers: must not be async" in str(info.value)


def test_docs_name_exactly_the_sync_only_hooks():
    import re
    from pathlib import Path

    from patt_host.hooks import SYNC_ONLY_HOOKS
    from patt_host.plugins import HOOK_NAMES

    text = (Path(__file__).parents[2] / "docs" / "plugins" / "hooks.md").read_text()
    may_async, sync_only = re.search(r"\*\*Async\.\*\*(.*?)These must be(.*?)\n\n", text, re.S).groups()
    assert set(re.findall(r"`(\w+)`", sync_only)) == SYNC_ONLY_HOOKS
    assert set(re.findall(r"`(\w+)`", may_async)) == HOOK_NAMES - SYNC_ONLY_HOOKS


class BasePlugin:
    name = "base_plugin"

    @hookimpl
    def startup(self):
        LOG.append("startup:base")

    @hookimpl
    def shutdown(self):
        LOG.append("shutdown:base")

    @hookimpl
    def seed_demo_data(self):
        LOG.append("seed:base")


class Dependant:
    name = "dependant"
    requires = ("base_plugin",)

    @hookimpl
    def startup(self):
        LOG.append("startup:dependant")

    @hookimpl
    def shutdown(self):
        LOG.append("shutdown:dependant")

    @hookimpl
    def seed_demo_data(self):
        LOG.append("seed:dependant")


class Eager:
    name = "eager"

    @hookimpl(tryfirst=True)
    def seed_demo_data(self):
        LOG.append("seed:eager")


async def test_startup_and_demo_seed_run_requirements_first_and_shutdown_in_reverse(make_host):
    host = make_host(
        plugins=["base_plugin", "dependant", "eager"], extra_plugins=[BasePlugin, Dependant, Eager]
    )
    LOG.clear()
    async with host.running():
        async with host.db.session() as session:
            await host.hooks.seed_demo_data(session)
    assert LOG == [
        "startup:base",
        "startup:dependant",
        "seed:eager",  # tryfirst still comes first
        "seed:base",
        "seed:dependant",
        "shutdown:dependant",
        "shutdown:base",
    ]
