"""Putting a migrated test database back to its just-migrated state between tests.

Seed rows written by migrations (ranks, classes, specs...) are copied aside once;
each reset empties every platform table in one statement and copies the seeds back.
Tests therefore commit for real (several sessions, advisory locks, concurrent
requests all behave as in production) and still start from a known state.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SEED_SCHEMA = "_patt_test_seed"
# Every schema the migrations created is reset (the platform's and plugins' own), not these.
SKIP_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", SEED_SCHEMA)
SKIP_TABLES = ("alembic_version",)


class DatabaseReset:
    def __init__(self) -> None:
        self.tables: list[str] = []
        self.restore_sql: list[str] = []

    async def snapshot(self, engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            rows = await conn.execute(
                text(
                    "SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_type = 'BASE TABLE' AND NOT (table_schema = ANY(:skip)) "
                    "AND NOT (table_name = ANY(:tables)) ORDER BY 1, 2"
                ),
                {"skip": list(SKIP_SCHEMAS), "tables": list(SKIP_TABLES)},
            )
            self.tables = [f'"{s}"."{t}"' for s, t in rows]
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {SEED_SCHEMA} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {SEED_SCHEMA}"))
            self.restore_sql = []
            for qualified in self.tables:
                schema, table = (p.strip('"') for p in qualified.split("."))
                count = await conn.scalar(text(f"SELECT count(*) FROM {qualified}"))
                if not count:
                    continue
                cols = [
                    r[0]
                    for r in await conn.execute(
                        text(
                            "SELECT column_name FROM information_schema.columns WHERE table_schema = :s "
                            "AND table_name = :t AND is_generated = 'NEVER' ORDER BY ordinal_position"
                        ),
                        {"s": schema, "t": table},
                    )
                ]
                col_list = ", ".join(f'"{c}"' for c in cols)
                copy = f'"{SEED_SCHEMA}"."{schema}__{table}"'
                await conn.execute(text(f"CREATE TABLE {copy} AS SELECT {col_list} FROM {qualified}"))
                self.restore_sql.append(
                    f"INSERT INTO {qualified} ({col_list}) OVERRIDING SYSTEM VALUE SELECT {col_list} FROM {copy}"
                )
                # Keep sequences ahead of the restored ids.
                for (seq_col,) in await conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = :s "
                        "AND table_name = :t AND column_default LIKE 'nextval%'"
                    ),
                    {"s": schema, "t": table},
                ):
                    self.restore_sql.append(
                        f"SELECT setval(pg_get_serial_sequence('{qualified}', '{seq_col}'), "
                        f'(SELECT COALESCE(MAX("{seq_col}"), 1) FROM {qualified}))'
                    )

    async def reset(self, engine: AsyncEngine) -> None:
        if not self.tables:
            return
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY CASCADE"))
            for sql in self.restore_sql:
                await conn.execute(text(sql))
