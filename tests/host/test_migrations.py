"""Migrations: per-site model/migration agreement, per-plugin downgrade and re-upgrade, purge, check."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host import dbmigrate
from patt_host.site import available_sites


async def tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                    "WHERE table_schema IN ('common', 'guild_identity', 'patt', 'sample')"
                )
            )
            return {r[0] for r in rows}
    finally:
        await engine.dispose()


async def schemas(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                r[0] for r in await conn.execute(text("SELECT schema_name FROM information_schema.schemata"))
            }
    finally:
        await engine.dispose()


def host_for(make_host, url, **kw):
    return make_host(database_url=url, **kw)


@pytest.mark.parametrize("site", sorted(available_sites()))
async def test_models_and_migrations_agree_for_every_site(make_host, scratch_database, site):
    host = host_for(make_host, scratch_database, site=site)
    await asyncio.to_thread(dbmigrate.upgrade, host, scratch_database)
    lineages = dbmigrate.enabled_lineages(host)
    diffs = await asyncio.to_thread(dbmigrate.compare, scratch_database, lineages)
    assert diffs == []
    assert (await asyncio.to_thread(dbmigrate.status, host, scratch_database))["ok"] is True


async def test_sample_plugin_models_and_migrations_agree(make_host, scratch_database):
    host = host_for(make_host, scratch_database, plugins=["sample"])
    await asyncio.to_thread(dbmigrate.upgrade, host, scratch_database)
    diffs = await asyncio.to_thread(dbmigrate.compare, scratch_database, dbmigrate.enabled_lineages(host))
    assert diffs == []


async def test_each_plugin_downgrades_to_base_and_back(make_host, scratch_database, patt_test_plugins):
    from patt_host.plugins import plugin_entry_points

    every = sorted(set(plugin_entry_points()) | {p.name for p in patt_test_plugins})
    host = host_for(make_host, scratch_database, plugins=every)
    await asyncio.to_thread(dbmigrate.upgrade, host, scratch_database)
    full = await tables(scratch_database)
    plugin_lineages = [
        lin for lin in dbmigrate.enabled_lineages(host) if lin.name not in ("sv_common", "patt_host")
    ]
    assert "sample" in {lin.name for lin in plugin_lineages}
    for lineage in plugin_lineages:
        await asyncio.to_thread(dbmigrate.downgrade, host, scratch_database, f"{lineage.name}@base")
        remaining = await tables(scratch_database)
        assert remaining < full, f"{lineage.name} dropped nothing"
        recorded = await asyncio.to_thread(dbmigrate.recorded_revisions, scratch_database)
        assert not any(lineage.name == dbmigrate.lineage_of(r) for r in recorded)
        await asyncio.to_thread(dbmigrate.upgrade, host, scratch_database)
        assert await tables(scratch_database) == full


async def test_db_check_reports_missing_revisions(make_host, scratch_database):
    host = host_for(make_host, scratch_database, plugins=["sample"])
    state = await asyncio.to_thread(dbmigrate.status, host, scratch_database)
    assert state["ok"] is False
    assert "sample_0001" in state["missing"] and "patt_host_0002" in state["missing"]


async def test_disabled_plugin_with_recorded_migrations_can_be_purged(make_host, scratch_database):
    with_sample = host_for(make_host, scratch_database, plugins=["sample"])
    await asyncio.to_thread(dbmigrate.upgrade, with_sample, scratch_database)
    assert "sample.sample_items" in await tables(scratch_database)
    without = host_for(make_host, scratch_database, plugins=[])
    # Recorded lineages stay in version_locations, so upgrading without the plugin still works...
    assert "sample" in {
        lin.name for lin in await asyncio.to_thread(dbmigrate.all_lineages, without, scratch_database)
    }
    await asyncio.to_thread(dbmigrate.upgrade, without, scratch_database)
    # ...and purge drops exactly its tables.
    await asyncio.to_thread(dbmigrate.purge, without, scratch_database, "sample")
    assert "sample.sample_items" not in await tables(scratch_database)
    assert "sample" not in await schemas(scratch_database)  # the plugin's own schema is gone too
    assert "common.job_runs" in await tables(scratch_database)
    recorded = await asyncio.to_thread(dbmigrate.recorded_revisions, scratch_database)
    assert recorded and not [r for r in recorded if r.startswith("sample_")]
    with pytest.raises(dbmigrate.MigrationError):
        await asyncio.to_thread(dbmigrate.purge, without, scratch_database, "sv_common")


async def test_unknown_recorded_plugin_is_a_clear_error(make_host, scratch_database):
    host = host_for(make_host, scratch_database, plugins=[])
    await asyncio.to_thread(dbmigrate.upgrade, host, scratch_database)
    engine = create_async_engine(scratch_database)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO alembic_version VALUES ('ghost_0001')"))
    await engine.dispose()
    with pytest.raises(dbmigrate.MigrationError, match="plugin 'ghost', which is not installed"):
        await asyncio.to_thread(dbmigrate.all_lineages, host, scratch_database)


def test_db_upgrade_names_an_uninstalled_recorded_plugin_without_a_traceback(
    make_host, scratch_database, monkeypatch
):
    from click.testing import CliRunner

    from patt_host import cli as cli_module

    host = host_for(make_host, scratch_database, plugins=[])
    dbmigrate.upgrade(host, scratch_database)

    async def plant():
        engine = create_async_engine(scratch_database)
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO alembic_version VALUES ('ghost_0001')"))
        await engine.dispose()

    asyncio.run(plant())
    monkeypatch.setattr(cli_module.HostContext, "host", lambda self: host)
    result = CliRunner().invoke(cli_module.cli, ["db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.startswith("Error: the database holds migrations of plugin 'ghost'")
    assert "Traceback" not in result.output


async def test_sample_rows_reset_between_tests_in_its_own_schema(db):
    """The test harness empties plugin-owned schemas too (first half: write a row)."""
    from patt_sample.models import SampleItem

    async with db.session() as session:
        session.add(SampleItem(label="left behind?"))


async def test_sample_rows_reset_between_tests_in_its_own_schema_2(db):
    """Second half: the row written by the previous test is gone."""
    from sqlalchemy import func, select

    from patt_sample.models import SampleItem

    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(SampleItem)) == 0


async def test_purge_warns_about_rows_that_reference_the_plugins_tables(make_host, scratch_database):
    host = host_for(make_host, scratch_database, plugins=["sample"])
    await asyncio.to_thread(dbmigrate.upgrade, host, scratch_database)
    assert await asyncio.to_thread(dbmigrate.references_into, host, scratch_database, "sample") == []
    engine = create_async_engine(scratch_database)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO sample.sample_items (id, label) VALUES (1, 'kept')"))
        await conn.execute(
            text(
                "CREATE TABLE patt.sample_refs (id int PRIMARY KEY, item_id int REFERENCES sample.sample_items(id))"
            )
        )
        await conn.execute(text("INSERT INTO patt.sample_refs VALUES (1, 1), (2, NULL)"))
    await engine.dispose()
    warnings = await asyncio.to_thread(dbmigrate.references_into, host, scratch_database, "sample")
    assert warnings == ["1 row(s) of patt.sample_refs.item_id reference sample.sample_items"]
