"""crafting_0002 on a database that already holds crafting_0001's rows: the recipe links keep
every pair without the surrogate id, the search index loses only the first-letter trigrams,
and the downgrade puts both back."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_crafting.services.folding import trigrams
from patt_host import dbmigrate
from patt_host.testing.pytest_plugin import superset_host

GI = "guild_identity"


async def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return [tuple(row) for row in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


async def test_0002_keeps_every_link_and_reindexes_without_first_letters(patt_postgres):
    name = f"patt_test_{os.getpid()}_crafting_0002"
    url = await patt_postgres.create_database(name)
    try:
        host = superset_host(url, [])
        await asyncio.to_thread(dbmigrate.upgrade, host, url, "crafting_0001")
        old_grams = [
            "  a",
            " al",
            "alg",
            "lga",
            "gar",
            "ari",
            "ri ",
            "  p",
            " po",
            "pot",
            "oti",
            "tio",
            "ion",
            "on ",
        ]
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    f"INSERT INTO {GI}.wow_characters (id, character_name, realm_slug, realm_name) "
                    "VALUES (1, 'Thrall', 'senjin', 'Sen''jin'), (2, 'Jaina', 'senjin', 'Sen''jin')"
                )
            )
            await conn.execute(
                text(f"INSERT INTO {GI}.professions (id, blizzard_id, name) VALUES (1, 171, 'Alchemy')")
            )
            await conn.execute(
                text(
                    f"INSERT INTO {GI}.profession_tiers (id, profession_id, blizzard_tier_id, name, expansion_name, "
                    "sort_order) VALUES (1, 1, 2871, 'Khaz Algar Alchemy', 'Khaz Algar', 1000)"
                )
            )
            await conn.execute(
                text(
                    f"INSERT INTO {GI}.recipes (id, blizzard_recipe_id, name, profession_id, tier_id, search_name, "
                    "trigram_count) VALUES (1, 430, 'Algari Potion', 1, 1, 'algari potion', :n)"
                ),
                {"n": len(old_grams)},
            )
            await conn.execute(
                text(
                    f"INSERT INTO {GI}.recipe_trigrams (trigram, recipe_id) SELECT unnest(CAST(:g AS text[])), 1"
                ),
                {"g": old_grams},
            )
            await conn.execute(
                text(f"INSERT INTO {GI}.character_recipes (character_id, recipe_id) VALUES (1, 1), (2, 1)")
            )
        await engine.dispose()

        await asyncio.to_thread(dbmigrate.upgrade, host, url)
        assert await _rows(url, f"SELECT character_id, recipe_id FROM {GI}.character_recipes ORDER BY 1") == [
            (1, 1),
            (2, 1),
        ]
        grams = {g for (g,) in await _rows(url, f"SELECT trigram FROM {GI}.recipe_trigrams")}
        assert grams == set(trigrams("algari potion"))  # what the sync writes for a new recipe
        assert await _rows(url, f"SELECT trigram_count FROM {GI}.recipes") == [(len(grams),)]
        columns = await _rows(
            url,
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = '{GI}' AND table_name = 'character_recipes' ORDER BY 1",
        )
        assert columns == [("character_id",), ("first_seen",), ("recipe_id",)]

        await asyncio.to_thread(dbmigrate.downgrade, host, url, "crafting_0001")
        back = {g for (g,) in await _rows(url, f"SELECT trigram FROM {GI}.recipe_trigrams")}
        assert back == set(old_grams)
        assert await _rows(url, f"SELECT trigram_count FROM {GI}.recipes") == [(len(old_grams),)]
        assert await _rows(
            url, f"SELECT id IS NOT NULL, character_id FROM {GI}.character_recipes ORDER BY 2"
        ) == [
            (True, 1),
            (True, 2),
        ]
    finally:
        await patt_postgres.drop_database(name)
