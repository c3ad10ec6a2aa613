"""sv_common_0013: seasons whose names read the same (case, invisible characters, full-width
letters) no longer stop the unique constraint: later ones are renamed visibly, none is lost."""

import asyncio
import os

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host import dbmigrate

SEASONS = [
    # (id, expansion_name, season_number) as an older database (or the original's data) held them
    (1, "Midnight", 1),
    (2, "midnight", 1),
    (3, "MIDNIGHT\u200b", 1),
    (4, " \uff2didnight", 2),  # full-width M, a space before: tidied, no clash (season 2)
    (5, "Midnight (2)", 1),  # already taken by the rename of 2 (read the same): renamed in turn
    (6, "The War Within", 1),
]


async def test_duplicates_are_renamed_and_the_constraint_holds(patt_postgres):
    name = f"patt_test_{os.getpid()}_seasons"
    url = await patt_postgres.create_database(name)
    engine = create_async_engine(url)
    try:
        config = dbmigrate.make_config(url, dbmigrate.core_lineages())
        await asyncio.to_thread(command.upgrade, config, "sv_common_0012")
        async with engine.begin() as conn:
            for season_id, expansion, number in SEASONS:
                await conn.execute(
                    text(
                        "INSERT INTO patt.raid_seasons (id, expansion_name, season_number, start_date) "
                        "VALUES (:i, :n, :s, '2026-03-01')"
                    ),
                    {"i": season_id, "n": expansion, "s": number},
                )
        await asyncio.to_thread(command.upgrade, config, "sv_common_0013")
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT id, expansion_name, expansion_key FROM patt.raid_seasons ORDER BY id")
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, "Midnight", "midnight"),
            (2, "midnight (2)", "midnight (2)"),
            (3, "MIDNIGHT (3)", "midnight (3)"),
            (4, "Midnight", "midnight"),
            (5, "Midnight (2) (2)", "midnight (2) (2)"),
            (6, "The War Within", "the war within"),
        ]
        # The database itself now refuses another "Midnight" season 1, whatever its case.
        with pytest.raises(IntegrityError, match="uq_raid_seasons_expansion_key_season_number"):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO patt.raid_seasons (id, expansion_name, expansion_key, season_number, start_date)"
                        " VALUES (100, 'MidNight', 'midnight', 1, '2026-03-01')"
                    )
                )
        # And back down: the names differ as written, so the old constraint is restored.
        await asyncio.to_thread(command.downgrade, config, "sv_common_0012")
        async with engine.connect() as conn:
            constraints = (
                await conn.execute(
                    text(
                        "SELECT conname FROM pg_constraint WHERE conrelid = 'patt.raid_seasons'::regclass "
                        "AND contype = 'u'"
                    )
                )
            ).scalars()
            assert list(constraints) == ["uq_raid_seasons_expansion_name_season_number"]
    finally:
        await engine.dispose()
        await patt_postgres.drop_database(name)
