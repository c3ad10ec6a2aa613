"""Adopting the original's sync log (the history of roster, addon and Discord syncs)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from sv_common.adopt import AdoptStep, Original, StepReport, carry


async def sync_log(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    if not o.has("guild_identity.sync_log"):
        return
    await carry(
        conn,
        report,
        "guild_identity.sync_log",
        f"""
        SELECT o.id, o.source, o.status, o.characters_found, o.characters_updated, o.characters_new,
               o.characters_removed, o.error_message, o.duration_seconds,
               COALESCE(o.started_at, now()) AS started_at, o.completed_at, o.id AS _key, NULL::text AS _reason
        FROM {o.table("guild_identity.sync_log")} o
        """,
    )
    report.add(
        "guild_identity.sync_log: trigger, request counts and details = NULL (the original did not record them)"
    )


def steps() -> list[AdoptStep]:
    return [AdoptStep("guild_sync.sync_log", ("guild_identity.sync_log",), sync_log)]
