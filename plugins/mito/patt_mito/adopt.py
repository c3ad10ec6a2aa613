"""Adopting Mito's quotes and titles (the platform keeps each saying once, ignoring case)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from sv_common.adopt import AdoptStep, Original, StepReport, carry, missing


async def sayings(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    for table, column in (("patt.mito_quotes", "quote"), ("patt.mito_titles", "title")):
        if not o.has(table):
            continue
        extra = (
            ", " + o.col(table, "context", "NULL::text") + " AS context" if table.endswith("quotes") else ""
        )
        by = o.col(table, "added_by_player_id", "NULL::int")
        await carry(
            conn,
            report,
            table,
            f"""
            SELECT o.id, o.{column}{extra},
                   CASE WHEN {missing("guild_identity.players", by)} THEN NULL ELSE {by} END AS added_by_player_id,
                   COALESCE(o.created_at, now()) AS created_at, o.id || ' ' || left(o.{column}, 60) AS _key,
                   CASE WHEN trim(COALESCE(o.{column}, '')) = '' THEN 'empty'
                        WHEN row_number() OVER (PARTITION BY lower(o.{column}) ORDER BY o.id) > 1
                          THEN 'the same saying as an earlier one (ignoring case)'
                   END AS _reason
            FROM {o.table(table)} o
            """,
        )


def steps() -> list[AdoptStep]:
    return [AdoptStep("mito.sayings", ("patt.mito_quotes", "patt.mito_titles"), sayings)]
