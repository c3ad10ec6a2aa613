"""The test harness's reset between tests: only what a test touched is emptied (and re-seeded),
sequences restart, and foreign keys never stand in the way. Checked on a scratch database with a
small schema of its own, through both paths (DELETE as a superuser, TRUNCATE ... CASCADE without)."""

from __future__ import annotations

import itertools
import os

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host.testing.reset import DatabaseReset

_counter = itertools.count()

SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop.ranks (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
INSERT INTO shop.ranks (name) VALUES ('Initiate'), ('Member'), ('Officer');
CREATE TABLE shop.members (
    id serial PRIMARY KEY, name text NOT NULL, rank_id int NOT NULL REFERENCES shop.ranks ON DELETE RESTRICT
);
CREATE TABLE shop.notes (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, member_id int NOT NULL REFERENCES shop.members, body text
);
CREATE TABLE shop.quiet (id serial PRIMARY KEY);
"""


@pytest.fixture
async def shop(patt_postgres):
    name = f"patt_reset_{os.getpid()}_{next(_counter)}"
    url = await patt_postgres.create_database(name)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute(SCHEMA)
    yield engine
    await engine.dispose()
    await patt_postgres.drop_database(name)


async def scalar(engine, sql):
    async with engine.begin() as conn:
        return await conn.scalar(text(sql))


@pytest.mark.parametrize("superuser", [True, False], ids=["delete", "truncate"])
async def test_only_touched_tables_are_reset_and_seeds_come_back(shop, superuser):
    reset = DatabaseReset()
    await reset.snapshot(shop)
    reset._superuser = reset._superuser and superuser
    quiet_file = await scalar(shop, "SELECT pg_relation_filenode('shop.quiet')")

    async with shop.begin() as conn:  # a test: members and notes, one rank renamed
        await conn.execute(text("INSERT INTO shop.members (name, rank_id) VALUES ('Rocket', 3), ('Sam', 2)"))
        await conn.execute(text("INSERT INTO shop.notes (member_id, body) VALUES (1, 'alt'), (2, 'main')"))
        await conn.execute(text("UPDATE shop.ranks SET name = 'Boss' WHERE id = 3"))
    await reset.reset(shop)

    assert await scalar(shop, "SELECT count(*) FROM shop.members") == 0
    assert await scalar(shop, "SELECT count(*) FROM shop.notes") == 0
    assert await scalar(shop, "SELECT string_agg(name, ',' ORDER BY id) FROM shop.ranks") == (
        "Initiate,Member,Officer"
    )
    # Sequences restart (and stay ahead of the seeds).
    assert await scalar(shop, "INSERT INTO shop.members (name, rank_id) VALUES ('New', 1) RETURNING id") == 1
    assert await scalar(shop, "INSERT INTO shop.ranks (name) VALUES ('Raider') RETURNING id") == 4
    # An untouched table is left alone (TRUNCATE would have given it a new file).
    assert await scalar(shop, "SELECT pg_relation_filenode('shop.quiet')") == quiet_file

    await reset.reset(shop)
    assert await scalar(shop, "SELECT count(*) FROM shop.ranks") == 3
    assert await scalar(shop, "SELECT count(*) FROM shop.members") == 0


async def test_a_reset_of_an_untouched_database_changes_nothing(shop):
    reset = DatabaseReset()
    await reset.snapshot(shop)
    files = await scalar(
        shop,
        "SELECT string_agg(pg_relation_filenode(c.oid)::text, ',' ORDER BY c.relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop' AND c.relkind = 'r'",
    )
    await reset.reset(shop)
    assert files == await scalar(
        shop,
        "SELECT string_agg(pg_relation_filenode(c.oid)::text, ',' ORDER BY c.relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop' AND c.relkind = 'r'",
    )
