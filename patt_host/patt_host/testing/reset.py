"""Putting a migrated test database back to its just-migrated state between tests.

Seed rows written by migrations (ranks, classes, specs...) are copied aside once. Each reset
asks, in one query, which tables the test touched (an unseeded table that holds rows or whose
sequence was used; a seeded table whose rows or sequence differ from the seed), empties just
those, restarts their sequences and copies their seeds back, in one round trip. Tests therefore
commit for real (several sessions, advisory locks, concurrent requests all behave as in
production) and still start from a known state.

Why not TRUNCATE everything: it costs the server several milliseconds per table whether the
table held rows or not (≈ 0.3 s per test over the platform's tables). A test's few small tables
are emptied with DELETE, with foreign-key triggers off for the transaction
(``session_replication_role = replica``, which needs a superuser, as test servers are); without
that right, TRUNCATE ... CASCADE empties the touched tables and every table referencing them.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SEED_SCHEMA = "_patt_test_seed"
# Every schema the migrations created is reset (the platform's and plugins' own), not these.
SKIP_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", SEED_SCHEMA)
SKIP_TABLES = ("alembic_version",)

_SEQUENCES_SQL = """
SELECT format('%I.%I', n.nspname, t.relname), format('%I.%I', sn.nspname, s.relname)
FROM pg_class s
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE s.relkind = 'S'
"""
# (referencing table, referenced table) for every foreign key: TRUNCATE ... CASCADE empties the
# referencing tables too, so they must be reset (and re-seeded) with the referenced one.
_FOREIGN_KEYS_SQL = """
SELECT format('%I.%I', cn.nspname, c.relname), format('%I.%I', rn.nspname, r.relname)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE k.contype = 'f'
"""


def _quoted(schema: str, table: str) -> str:
    return f'"{schema}"."{table}"'


class DatabaseReset:
    def __init__(self) -> None:
        self.tables: list[str] = []
        self.restore_sql: dict[str, list[str]] = {}  # seeded table -> statements that re-seed it
        self._sequences: dict[str, list[str]] = {}
        self._referenced_by: dict[str, set[str]] = {}
        self._fingerprints: list[str] = []  # per table: a SQL expression of its state
        self._clean_state: list[object] = []  # the fingerprints' values just after a reset
        self._superuser = False

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
            names = [(s, t) for s, t in rows]
            self.tables = [_quoted(s, t) for s, t in names]
            sequences: dict[str, list[str]] = {}
            for table, sequence in await conn.execute(text(_SEQUENCES_SQL)):
                sequences.setdefault(_requote(table), []).append(sequence)
            self._sequences = sequences
            referenced_by: dict[str, set[str]] = {}
            for child, parent in await conn.execute(text(_FOREIGN_KEYS_SQL)):
                referenced_by.setdefault(_requote(parent), set()).add(_requote(child))
            self._referenced_by = referenced_by
            self._superuser = bool(
                await conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
            )

            await conn.execute(text(f"DROP SCHEMA IF EXISTS {SEED_SCHEMA} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {SEED_SCHEMA}"))
            self.restore_sql = {}
            for schema, table in names:
                qualified = _quoted(schema, table)
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
                statements = [
                    f"INSERT INTO {qualified} ({col_list}) OVERRIDING SYSTEM VALUE SELECT {col_list} FROM {copy}"
                ]
                # Keep sequences ahead of the restored ids.
                for (seq_col,) in await conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = :s "
                        "AND table_name = :t AND column_default LIKE 'nextval%'"
                    ),
                    {"s": schema, "t": table},
                ):
                    statements.append(
                        f"SELECT setval(pg_get_serial_sequence('{qualified}', '{seq_col}'), "
                        f'(SELECT COALESCE(MAX("{seq_col}"), 1) FROM {qualified}))'
                    )
                self.restore_sql[qualified] = statements

            self._fingerprints = [self._fingerprint(t) for t in self.tables]
        await self._reset(engine, set(self.tables))  # the state every later reset compares with

    def _fingerprint(self, table: str) -> str:
        last_values = [f"pg_sequence_last_value('{s}'::regclass)" for s in self._sequences.get(table, [])]
        if table not in self.restore_sql:  # touched if it holds rows or used its sequence
            used = " OR ".join(f"{v} IS NOT NULL" for v in last_values)
            return f"(EXISTS (SELECT 1 FROM {table}){' OR ' + used if used else ''})::text"
        # A seeded table (small): its rows and its sequences, compared with the clean state.
        rows = f"(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {table} x)"
        return "concat_ws(',', " + ", ".join([rows, *(f"{v}::text" for v in last_values)]) + ")"

    async def reset(self, engine: AsyncEngine) -> None:
        if not self.tables:
            return
        async with engine.connect() as conn:
            state = (await conn.execute(text(f"SELECT ARRAY[{', '.join(self._fingerprints)}]"))).scalar_one()
        touched = {
            t for t, now, clean in zip(self.tables, state, self._clean_state, strict=True) if now != clean
        }
        if touched:
            await self._reset(engine, touched)

    async def _reset(self, engine: AsyncEngine, touched: set[str]) -> None:
        if self._superuser and touched != set(self.tables):
            emptied = touched
            script = ["SET LOCAL session_replication_role = replica"]
            for table in (t for t in self.tables if t in emptied):
                script.append(f"DELETE FROM {table}")
                script += [f"ALTER SEQUENCE {seq} RESTART" for seq in self._sequences.get(table, ())]
        else:
            # CASCADE empties every table whose foreign keys reach an emptied one: reset those too.
            emptied, todo = set(), list(touched)
            while todo:
                table = todo.pop()
                if table not in emptied:
                    emptied.add(table)
                    todo.extend(self._referenced_by.get(table, ()))
            script = [
                f"TRUNCATE {', '.join(t for t in self.tables if t in emptied)} RESTART IDENTITY CASCADE"
            ]
        for table in (t for t in self.tables if t in emptied):
            script += self.restore_sql.get(table, ())
        async with engine.begin() as conn:
            raw = await conn.get_raw_connection()
            await raw.driver_connection.execute(";\n".join(script))  # one round trip
        if emptied == set(self.tables):
            async with engine.connect() as conn:
                query = f"SELECT ARRAY[{', '.join(self._fingerprints)}]"
                self._clean_state = list((await conn.execute(text(query))).scalar_one())


def _requote(name: str) -> str:
    """``schema.table`` as format('%I.%I') wrote it -> the double-quoted form used in ``tables``."""
    schema, _, table = name.partition(".")
    return _quoted(schema.strip('"'), table.strip('"'))
