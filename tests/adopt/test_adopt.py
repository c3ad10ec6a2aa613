"""`patt db adopt` on a database of the original PATT system, both variants, end to end.

Each test builds the original's schema from its DDL in a scratch database, fills every table
(tests/adopt/original.py), and drives the real CLI; the adopted site is then checked through
its real routes (login, roster, results, BLT) and the migration checks.
"""

from __future__ import annotations

import asyncio
import json

import adopt_original as original
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host import dbmigrate
from patt_host.cli import base as cli_module


@pytest.fixture
def run(monkeypatch):
    """``await run(host, *args)`` -> click result of ``patt <args>`` against ``host``."""

    async def invoke(host, *args):
        monkeypatch.setattr(cli_module.HostContext, "host", lambda self: host)
        return await asyncio.to_thread(CliRunner().invoke, cli_module.cli, list(args))

    return invoke


async def shape(url: str) -> list[tuple]:
    """Every schema, table and row count: what "left untouched" compares."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            tables = (
                await conn.execute(
                    text(
                        "SELECT table_schema, table_name FROM information_schema.tables "
                        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
                    )
                )
            ).all()
            out = []
            for schema, table in tables:
                rows = await conn.scalar(text(f'SELECT count(*) FROM "{schema}"."{table}"'))
                out.append((schema, table, rows))
            return out
    finally:
        await engine.dispose()


async def scalar(url: str, sql: str):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text(sql))
    finally:
        await engine.dispose()


EXPECTED_BLT = """4 1
1 1 2 3 0
1 1 3 2 0
1 2 1 4 0
0
"Gold dragon"
"Tavern at dusk"
"Ñandú's hunt"
"Moonkin dance"
"Guild art vote — ñ edition"
"""


@pytest.mark.parametrize("variant", ["context", "live"])
async def test_adopting_the_original(variant, scratch_database, make_host, make_client, run):
    await original.create(scratch_database, variant)
    await original.fill(scratch_database, variant)
    host = make_host(database_url=scratch_database)
    before = await shape(scratch_database)

    # Dry run: the report says what would happen, row for row, and nothing changes.
    dry = await run(host, "db", "adopt", "--json")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)
    assert (report["variant"], report["applied"], report["nothing_to_do"]) == (variant, False, False)
    steps = {s["name"]: s for s in report["steps"]}
    assert [s["name"] for s in report["steps"] if s["error"]] == []
    assert steps["core.users"]["carried"] == {"common.users": 3}
    assert steps["core.characters"]["carried"] == {"guild_identity.wow_characters": 8}
    assert steps["core.characters"]["skipped"] == [
        {
            "table": "guild_identity.wow_characters",
            "key": "trogmoon-senjin #8",
            "reason": "same name and realm as another character (differs only in case); that one is kept",
        }
    ]
    assert steps["core.players"]["carried"]["guild_identity.players"] == 5
    assert {s["key"] for s in steps["core.invites"]["skipped"]} == {"NANDU1"}
    assert steps["voting.ballots"]["carried"] == {"patt.votes": 4}
    assert steps["voting.results"]["carried"] == {"patt.campaign_results": 1}
    assert not any("differs" in c for c in steps["voting.results"]["converted"])
    assert {s["key"] for s in steps["mito.sayings"]["skipped"]} == {"3 PULL ALL THE THINGS!"}
    assert steps["crafting.recipes"]["carried"]["guild_identity.recipes"] == 3
    assert steps["onboarding.sessions"]["carried"] == {"guild_identity.onboarding_sessions": 2}
    if variant == "context":
        assert any("weekday names" in c for c in steps["identity.availability"]["converted"])
        assert {s["key"] for s in steps["identity.availability"]["skipped"]} == {"player 4 Caturday"}
        assert any("season became a raid season" in c for c in steps["core.seasons"]["converted"])
    else:
        assert steps["identity.availability"]["carried"] == {"patt.player_availability": 6}
        assert steps["core.players"]["carried"]["guild_identity.player_note_aliases"] == 2
        assert steps["raids.events"]["carried"] == {
            "patt.recurring_events": 1,
            "patt.raid_events": 2,
            "patt.raid_attendance": 4,
            "patt.raid_player_settings": 1,
        }
        # Seasons the original held as separate rows, their names differing in case or by an
        # invisible character: all carried, the later ones renamed so they read differently.
        assert steps["core.seasons"]["carried"] == {"patt.raid_seasons": 3}
        assert steps["core.seasons"]["skipped"] == []
        assert any(c.endswith("added (2 row(s))") for c in steps["core.seasons"]["converted"])
        raid_settings = " ".join(steps["raids.settings"]["converted"])
        assert "PATT_RAIDS_RAID_HELPER_SERVER_ID to '555000000000000001'" in raid_settings
        assert "PATT_RAIDS_RAID_HELPER_API_KEY" in raid_settings and "rh-secret-key" not in dry.output
    assert report["left_in_archive"] == {}
    assert any("alembic_version" in r for r in report["renamed"])
    assert await shape(scratch_database) == before

    text_report = await run(host, "db", "adopt")
    assert "dry run: nothing was changed" in text_report.output
    assert "not carried: common.invite_codes NANDU1" in text_report.output

    # Apply, then the migration checks are clean and a second run has nothing to do.
    applied = await run(host, "db", "adopt", "--apply")
    assert applied.exit_code == 0, applied.output
    assert "adopted:" in applied.output and "FAILED" not in applied.output
    check = await run(host, "db", "check")
    assert check.exit_code == 0 and check.output.startswith("ok:"), check.output
    lineages = dbmigrate.enabled_lineages(host)
    assert await asyncio.to_thread(dbmigrate.compare, scratch_database, lineages) == []
    again = await run(host, "db", "adopt", "--apply")
    assert again.exit_code == 0 and "nothing to do" in again.output, again.output
    upgrade = await run(host, "db", "upgrade")
    assert upgrade.exit_code == 0, upgrade.output
    assert (
        await scalar(scratch_database, "SELECT count(*) FROM original_patt.campaigns") == 3
    )  # the archive stays

    client = await make_client(host=host)
    # Old users log in with their old passwords (login names are kept).
    for username, password in original.PASSWORDS.items():
        response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, (username, response.text)
    wrong = await client.post("/api/v1/auth/login", json={"username": "trog", "password": "not-the-password"})
    assert wrong.status_code == 401

    # The roster lists the same players with the same characters.
    roster = (await client.get("/api/v1/guild/roster")).json()["data"]
    players = {p["display_name"]: p for p in roster["players"]}
    assert set(players) == {"Trog", "Zoë", "Rocket", "Ñandú"}
    assert {name: p["main"]["name"] for name, p in players.items()} == {
        "Trog": "Trogmoon",
        "Zoë": "Zoëlynn",
        "Rocket": "Rocketpants",
        "Ñandú": "Ñandúshot",
    }
    assert players["Rocket"]["offspec"]["name"] == "Rocketchill"
    assert (players["Trog"]["rank_name"], players["Rocket"]["rank_name"]) == ("Guild Leader", "Veteran")
    ranks = (await client.get("/api/v1/guild/ranks")).json()["data"]
    assert [r["name"] for r in ranks] == ["Initiate", "Member", "Veteran", "Officer", "Guild Leader"]
    assert await scalar(
        scratch_database, "SELECT discord_role_id FROM common.guild_ranks WHERE level = 4"
    ) == ("900000000000000004")
    if variant == "live":
        assert await scalar(
            scratch_database, "SELECT string_agg(status, ',' ORDER BY id) FROM patt.raid_attendance"
        ) == ("accepted,absent,accepted,accepted")
        assert (
            await scalar(scratch_database, "SELECT timezone FROM guild_identity.players WHERE id = 2")
            == "Europe/Berlin"
        )
        assert await scalar(
            scratch_database,
            "SELECT string_agg(id || ' ' || expansion_name || ' / ' || expansion_key, ', ' ORDER BY id)"
            " FROM patt.raid_seasons",
        ) == (
            "1 The War Within / the war within, 2 the war within (2) / the war within (2),"
            " 3 The War Within (3) / the war within (3)"
        )
        assert (
            await scalar(
                scratch_database, "SELECT string_agg(season_id::text, ',' ORDER BY id) FROM patt.raid_events"
            )
            == "1,2"
        )  # the renamed season keeps its event
    names = await scalar(
        scratch_database,
        "SELECT string_agg(character_name, ',' ORDER BY id) FROM guild_identity.wow_characters",
    )
    assert names == "Trogmoon,Trogbank,Zoëlynn,Rocketpants,Rocketchill,Ñandúshot,Loneblade,Oldtimer"

    # The closed campaign shows the same result, and its ballots export to the same BLT.
    results = (await client.get("/api/v1/campaigns/1/results")).json()["data"]
    assert results["final"] is True and results["total_ballots"] == 3
    standings = [(s["entry_id"], s["score"], s["rank"]) for s in results["standings"]]
    assert standings == [(e, w, r) for e, _f, _s, _t, w, r in original.CLOSED_RESULT]
    blt = await client.get("/api/v1/campaigns/1/ballots.blt")
    assert blt.status_code == 200 and blt.text == EXPECTED_BLT


async def test_a_database_that_is_not_the_original_is_refused_and_left_untouched(
    scratch_database, make_host, run
):
    host = make_host(database_url=scratch_database)
    engine = create_async_engine(scratch_database)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE SCHEMA shop"))
        await conn.execute(text("CREATE TABLE shop.orders (id serial PRIMARY KEY, item text)"))
        await conn.execute(text("INSERT INTO shop.orders (item) VALUES ('pretzels')"))
    before = await shape(scratch_database)
    refused = await run(host, "db", "adopt", "--apply")
    assert refused.exit_code != 0
    assert "no alembic_version table" in refused.output and "nothing was changed" in refused.output

    # An alembic-managed database with some of the original's tables, but not all of them.
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE public.alembic_version (version_num varchar(32) PRIMARY KEY)"))
        await conn.execute(text("INSERT INTO public.alembic_version VALUES ('0026')"))
        await conn.execute(text("CREATE SCHEMA common"))
        await conn.execute(text("CREATE TABLE common.users (id serial PRIMARY KEY, email text)"))
    await engine.dispose()
    before = await shape(scratch_database)
    refused = await run(host, "db", "adopt", "--apply", "--json")
    assert refused.exit_code == 2
    message = json.loads(refused.output)["refused"]
    assert "does not recognise" in message and "table patt.campaigns is missing" in message
    assert "common.users lacks column(s) is_active, password_hash" in message
    assert await shape(scratch_database) == before


async def test_a_half_finished_adoption_continues_where_it_stopped(scratch_database, make_host, run):
    """A step that fails stops --apply; the steps before it stay done and the next run finishes."""
    await original.create(scratch_database, "live")
    await original.fill(scratch_database, "live")
    host = make_host(database_url=scratch_database)
    engine = create_async_engine(scratch_database)
    async with engine.begin() as conn:  # a campaign title longer than the platform allows
        await conn.execute(text("ALTER TABLE patt.campaigns ALTER COLUMN title TYPE text"))
        await conn.execute(text("UPDATE patt.campaigns SET title = repeat('x', 300) WHERE id = 3"))
    stopped = await run(host, "db", "adopt", "--apply")
    assert stopped.exit_code == 1 and "step voting.campaigns: FAILED" in stopped.output
    assert (
        await scalar(scratch_database, "SELECT count(*) FROM guild_identity.players") == 5
    )  # earlier steps kept
    async with engine.begin() as conn:  # the operator fixes the row in the archive
        await conn.execute(
            text("UPDATE original_patt.campaigns SET title = 'Next book club pick' WHERE id = 3")
        )
    await engine.dispose()
    finished = await run(host, "db", "adopt", "--apply", "--allow-drop")
    assert finished.exit_code == 0, finished.output
    assert "step core.users" not in finished.output and "step voting.campaigns: carries" in finished.output
    assert "dropped: original_patt" in finished.output
    assert await scalar(scratch_database, "SELECT count(*) FROM patt.campaigns") == 3
    assert await scalar(scratch_database, "SELECT to_regnamespace('original_patt') IS NULL") is True
    after = await run(host, "db", "adopt", "--apply")
    assert after.exit_code == 0 and "nothing to do" in after.output, after.output
