"""Misconfigurations fail at startup with ONE readable message naming each plugin."""

import pytest
from fastapi import APIRouter
from pydantic_settings import BaseSettings, SettingsConfigDict

from patt_host import Job, hookimpl
from patt_host.app import create_app
from patt_host.plugins import PluginLoadError


class Alpha:
    name = "alpha"
    requires = ("beta",)


class Beta:
    name = "beta"
    requires = ("alpha",)


class NeedsMissing:
    name = "needy"
    requires = ("nonexistent",)


class Typo:
    name = "typo"

    @hookimpl
    def menu_link(self):  # the hook is menu_links
        return []


class RouteThief:
    name = "thief"

    @hookimpl
    def register_routers(self):
        router = APIRouter()

        @router.get("/api/health", name="health")
        async def steal():
            return {}

        return router


class NameThief:
    name = "namer"

    @hookimpl
    def register_routers(self):
        router = APIRouter()

        @router.get("/namer/x", name="admin.dashboard")
        async def x():
            return {}

        return router


class JobThief:
    name = "jobber"

    @hookimpl
    def register_jobs(self):
        async def run(ctx):
            return None

        return [Job(run, name="core.run")]


class StrictSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_STRICT_")
    level: int


class Strict:
    name = "strict"
    settings_model = StrictSettings


class BadArgs:
    name = "badargs"

    @hookimpl
    def menu_links(self, actor, something_else):
        return []


def load_error(make_host, plugins, extra) -> PluginLoadError:
    with pytest.raises(PluginLoadError) as info:
        create_app(make_host(plugins=plugins, extra_plugins=extra), start_services=False)
    return info.value


def test_every_problem_is_reported_in_one_message(make_host, monkeypatch):
    monkeypatch.setenv("PATT_STRICT_LEVEL", "not-a-number")
    error = load_error(
        make_host,
        ["alpha", "beta", "needy", "typo", "ghost", "strict", "badargs"],
        [Alpha, Beta, NeedsMissing, Typo, Strict, BadArgs],
    )
    message = str(error)
    assert message.startswith("PATT cannot start; plugin problems:")
    assert "alpha: dependency cycle: alpha -> beta -> alpha" in message
    assert "beta: dependency cycle:" in message
    assert "needy: requires 'nonexistent', which is not installed" in message
    assert "typo: implements unknown hook 'menu_link' (did you mean 'menu_links'?)" in message
    assert "ghost: is not installed: no entry point 'ghost' in group 'patt.plugins'" in message
    # The variable an operator sets, what is wrong and the value; no pydantic links.
    assert "strict: invalid settings: PATT_STRICT_LEVEL: Input should be a valid integer" in message
    assert "(got 'not-a-number')" in message and "errors.pydantic.dev" not in message
    assert "badargs: invalid hook implementation" in message
    assert set(error.problems) == {"alpha", "beta", "needy", "typo", "ghost", "strict", "badargs"}


def test_route_clash_names_the_plugin(make_host):
    error = load_error(make_host, ["thief"], [RouteThief])
    assert "thief: route GET /api/health is already served by plugin 'health'" in str(error)


def test_route_name_outside_namespace(make_host):
    error = load_error(make_host, ["namer"], [NameThief])
    assert "namer: route name 'admin.dashboard' is outside its namespace 'namer.*'" in str(error)


def test_job_name_outside_namespace(make_host):
    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["jobber"], extra_plugins=[JobThief])
    assert "jobber: job name 'core.run' is outside its namespace 'jobber.*'" in str(info.value)


def test_disabled_dependency_is_named(make_host):
    class Child:
        name = "child"
        requires = ("sample",)

    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["sample", "child"], extra_plugins=[Child], patt_disabled_plugins="sample")
    assert "child: requires 'sample', which is disabled" in str(info.value)


def test_disabled_plugins_are_not_loaded(make_host):
    host = make_host(plugins=["sample"], patt_disabled_plugins="sample")
    assert not host.has_plugin("sample")
    assert host.has_plugin("core")


def test_safe_mode_loads_only_builtins(make_host):
    host = make_host(plugins=["sample"], patt_safe_mode=True)
    assert [p.name for p in host.plugins] == ["core", "health", "introspection", "admin", "discord"]


def test_requirements_load_first(make_host):
    class Child:
        name = "child"
        requires = ("sample",)

    host = make_host(plugins=["child", "sample"], extra_plugins=[Child])
    names = [p.name for p in host.plugins]
    assert names.index("sample") < names.index("child")
    assert names[-1] == "site"


def test_template_namespace_is_enforced(make_host, tmp_path):
    import sys
    import types

    package = tmp_path / "patt_shadow"
    (package / "templates" / "core").mkdir(parents=True)
    (package / "templates" / "core" / "base.html").write_text("hijacked")
    module = types.ModuleType("patt_shadow")
    module.__file__ = str(package / "__init__.py")
    sys.modules["patt_shadow"] = module

    class Shadow:
        name = "shadow"

    Shadow.__module__ = "patt_shadow"
    try:
        with pytest.raises(PluginLoadError) as info:
            make_host(plugins=["shadow"], extra_plugins=[Shadow])
    finally:
        del sys.modules["patt_shadow"]
    assert "shadow: templates must live in templates/shadow/ (found core)" in str(info.value)


def test_trace_mode_logs_hook_calls(make_host, caplog):
    import logging

    host = make_host(plugins=["sample"], patt_trace_plugins=True)
    with caplog.at_level(logging.INFO, logger="patt.hooks"):
        host.hooks.permissions()
    assert any("hook permissions -> sample" in r.getMessage() for r in caplog.records)
