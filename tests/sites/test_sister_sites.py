"""Sister sites: each boots on its own database with only its plugins' routes, tables, menu
links, cogs and jobs, and never imports a disabled plugin's modules (checked in a fresh
interpreter per site, so nothing this test process imported can hide an import)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from patt_host.plugins import plugin_entry_points
from patt_host.site import load_site

PROBE = Path(__file__).with_name("site_probe.py")
BUILTINS = {"core", "admin", "health", "introspection", "discord", "site"}
CORE_SCHEMAS_TABLES_OWNERS = ("sv_common", "patt_host")


def package_of(plugin: str) -> str:
    return plugin_entry_points()[plugin].value.split(":")[0].split(".")[0]


def owners_of_tables() -> dict[str, str]:
    """schema.table -> top-level package of the model that maps it (every installed plugin)."""
    for name in plugin_entry_points():
        __import__(f"{package_of(name)}.models")
    import patt_host.models  # noqa: F401 - registers the host's tables
    from sv_common.db import Base

    owners = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        owners[f"{table.schema}.{table.name}"] = mapper.class_.__module__.split(".")[0]
    return owners


def owner_of_route(name: str) -> str | None:
    """Plugin routes are named ``<plugin>.<name>``, static mounts ``static:<plugin>``; FastAPI's
    own docs routes (``openapi``, ``swagger_ui_html``) belong to nobody."""
    if name.startswith("static:"):
        return name.split(":", 1)[1]
    return name.split(".", 1)[0] if "." in name else None


async def tables_in(url: str) -> set[str]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await connection.fetch(
            "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
            "WHERE table_schema IN ('common', 'patt', 'guild_identity') AND table_type = 'BASE TABLE'"
        )
    finally:
        await connection.close()
    return {row["t"] for row in rows}


@pytest.mark.parametrize("site_name", ["salt", "shadowedvaca"])
async def test_a_sister_site_runs_only_its_own_plugins(site_name, patt_postgres):
    site = load_site(site_name)
    installed = set(plugin_entry_points())
    enabled = set(site.plugins)
    disabled = installed - enabled
    assert disabled, "the PATT-only plugins must be installed for this test to mean anything"

    database = f"patt_site_{site_name}_{os.getpid()}"
    url = await patt_postgres.create_database(database)
    try:
        probe = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, str(PROBE), site_name, url],
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k not in ("PATT_DISABLED_PLUGINS", "PATT_SAFE_MODE")},
        )
        assert probe.returncode == 0, probe.stderr[-3000:]
        seen = json.loads(probe.stdout.strip().splitlines()[-1])
        tables = await tables_in(url)
    finally:
        await patt_postgres.drop_database(database)

    assert set(seen["plugins"]) - BUILTINS == enabled
    allowed = enabled | BUILTINS
    assert {owner_of_route(name) for name in seen["routes"]} - {None} <= allowed, seen["routes"]
    assert {name.split(".", 1)[0] for name in seen["jobs"]} <= allowed, seen["jobs"]
    assert set(seen["cog_plugins"]) <= allowed
    # A disabled plugin's modules are never imported, not even to read its manifest.
    disabled_packages = {package_of(name) for name in disabled}
    assert not [m for m in seen["modules"] if m.split(".")[0] in disabled_packages], seen["modules"]
    # Only the enabled packages' tables exist, and all of them do.
    owners = owners_of_tables()
    wanted_packages = {package_of(name) for name in enabled} | set(CORE_SCHEMAS_TABLES_OWNERS)
    assert {t for t in tables if owners.get(t) not in wanted_packages and t in owners} == set()
    assert {t for t, owner in owners.items() if owner in wanted_packages} <= tables
    # No menu link leads to a disabled plugin's pages.
    pages_of = {"voting": {"/vote", "/admin/campaigns"}, "guild_sync": {"/admin/guild-sync"}}
    hidden = set().union(*(pages_of.get(name, set()) for name in disabled))
    assert hidden and not hidden & set(seen["links"]), seen["links"]


async def test_salt_polls_listeners_with_the_voting_plugin_under_its_own_name(make_client):
    client = await make_client(site="salt")
    home = (await client.get("/")).text
    assert "<title>Home · Salt All The Things</title>" in home
    assert {p.name for p in client.host.plugins} >= {"identity", "voting"}
    assert '<a href="/vote">Polls</a>' in home  # voting, under the podcast's name
