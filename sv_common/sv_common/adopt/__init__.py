"""Adopting a database of the original PATT system (``patt db adopt``): the types a package's
adopt steps use and the one way they move rows.

The host moves the original's schemas aside into an archive (``original_common``,
``original_patt``, ``original_guild_identity``), creates the platform's tables with its own
migrations, and then runs every package's steps in order. A step reads the archive through
:class:`Original` (which knows the variant and which tables and columns exist) and writes the
platform's tables with :func:`carry`: one ``SELECT`` per table that yields the target columns
plus ``_key`` (the original row, for the report) and ``_reason`` (NULL when the row is carried,
otherwise why it cannot be). A dry run is the same run rolled back, so its report is exact.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

#: original schema -> the schema it is kept in once moved aside.
ARCHIVE = {"common": "original_common", "patt": "original_patt", "guild_identity": "original_guild_identity"}


@dataclass(frozen=True)
class Original:
    """What the original database holds: its variant, tables and their columns."""

    variant: str  # "context" (the seed's documented schema) | "live" (what its migrations built)
    revision: str | None  # its alembic_version
    columns: dict[str, frozenset[str]]  # "patt.votes" -> column names
    rows: dict[str, int] = field(default_factory=dict)  # "patt.votes" -> row count

    def has(self, table: str, column: str | None = None) -> bool:
        cols = self.columns.get(table)
        return cols is not None and (column is None or column in cols)

    def table(self, name: str) -> str:
        """The archived table's qualified name, for SQL."""
        schema, table = name.split(".")
        return f'{ARCHIVE[schema]}."{table}"'

    def col(self, table: str, column: str, default: str = "NULL", alias: str = "o") -> str:
        """``alias.column`` when the original has it, else the SQL ``default``."""
        return f'{alias}."{column}"' if self.has(table, column) else default


@dataclass(frozen=True)
class Skipped:
    table: str
    key: str
    reason: str


@dataclass
class StepReport:
    """What a step carried (rows per platform table), added, converted and could not carry."""

    carried: dict[str, int] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    converted: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, sentence: str) -> None:
        self.added.append(sentence)

    def convert(self, sentence: str, count: int | None = None) -> None:
        if count is None or count:
            self.converted.append(sentence if count is None else f"{sentence} ({count} row(s))")

    def to_dict(self) -> dict[str, Any]:
        return {
            "carried": self.carried,
            "added": self.added,
            "converted": self.converted,
            "skipped": [{"table": s.table, "key": s.key, "reason": s.reason} for s in self.skipped],
        }


@dataclass(frozen=True)
class AdoptStep:
    """One ordered, self-contained part of an adoption, run in its own transaction.

    ``reads`` names the original tables the step carries (the report lists the others as
    left in the archive); ``run`` does the work and fills the report. Core steps use orders
    below 100; a plugin's steps default to 100 and run after its requirements' steps.
    """

    name: str
    reads: tuple[str, ...]
    run: Callable[[AsyncConnection, Original, StepReport], Awaitable[None]]
    order: int = 100


async def carry(
    conn: AsyncConnection,
    report: StepReport,
    target: str,
    select: str,
    params: dict[str, Any] | None = None,
    *,
    sequence: str | None = "id",
) -> int:
    """Insert the rows of ``select`` whose ``_reason`` is NULL into ``target``; report the others.

    ``select`` names the target's columns and adds ``_key`` and ``_reason``. The target's
    serial sequence then continues after the highest carried id.
    """
    source = f"({select}) AS s"
    skipped = await conn.execute(
        text(f"SELECT s._key::text, s._reason FROM {source} WHERE s._reason IS NOT NULL ORDER BY 1"),
        params or {},
    )
    report.skipped.extend(Skipped(target, key, reason) for key, reason in skipped.all())
    names = (await conn.execute(text(f"SELECT * FROM {source} LIMIT 0"), params or {})).keys()
    columns = ", ".join(f's."{c}"' for c in names if not c.startswith("_"))
    plain = ", ".join(f'"{c}"' for c in names if not c.startswith("_"))
    result = await conn.execute(
        text(f"INSERT INTO {target} ({plain}) SELECT {columns} FROM {source} WHERE s._reason IS NULL"),
        params or {},
    )
    report.carried[target] = report.carried.get(target, 0) + result.rowcount
    if sequence:
        await advance_sequence(conn, target, sequence)
    return result.rowcount


async def advance_sequence(conn: AsyncConnection, target: str, column: str = "id") -> None:
    """New rows continue after the carried ids (kept as they were in the original)."""
    await conn.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE((SELECT MAX({column}) FROM {target}), 0) + 1,"
            " false)"
        ),
        {"t": target, "c": column},
    )


async def count(conn: AsyncConnection, sql: str, params: dict[str, Any] | None = None) -> int:
    return int(await conn.scalar(text(sql), params or {}) or 0)


def missing(table: str, alias_column: str) -> str:
    """SQL that is true when ``alias_column`` points at a row ``table`` (a platform table) lacks."""
    return (
        f"({alias_column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = {alias_column}))"
    )


__all__ = [
    "ARCHIVE",
    "AdoptStep",
    "Original",
    "Skipped",
    "StepReport",
    "advance_sequence",
    "carry",
    "count",
    "missing",
]
