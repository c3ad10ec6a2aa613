"""Adopting the original's availability: ``patt.player_availability`` as its migrations left
it, or the documented ``common.member_availability`` (weekday names, a yes/no per day)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from sv_common.adopt import AdoptStep, Original, StepReport, carry, missing

DAYS = "ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday']"


async def availability(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    player_missing = missing("guild_identity.players", "o.player_id")
    if o.has("patt.player_availability"):
        t = "patt.player_availability"
        await carry(
            conn,
            report,
            t,
            f"""
            SELECT o.id, o.player_id, o.day_of_week, COALESCE({o.col(t, "available")}, true) AS available,
                   o.earliest_start, o.available_hours, 'player ' || o.player_id || ' day ' || o.day_of_week AS _key,
                   CASE WHEN {player_missing} THEN 'its player was not carried'
                        WHEN o.day_of_week NOT BETWEEN 0 AND 6 THEN 'day of week outside 0..6'
                        WHEN o.available_hours IS NOT NULL AND NOT (o.available_hours > 0 AND o.available_hours <= 16)
                          THEN 'available hours outside (0, 16]'
                   END AS _reason
            FROM {o.table(t)} o
            """,
        )
    if o.has("common.member_availability"):
        t = "common.member_availability"
        await carry(
            conn,
            report,
            "patt.player_availability",
            f"""
            SELECT o.player_id, array_position({DAYS}, lower(trim(o.day_of_week))) - 1 AS day_of_week,
                   COALESCE(o.available, true) AS available,
                   'player ' || o.player_id || ' ' || o.day_of_week AS _key,
                   CASE WHEN {player_missing} THEN 'its player was not carried'
                        WHEN array_position({DAYS}, lower(trim(o.day_of_week))) IS NULL
                          THEN 'not a weekday name: ' || o.day_of_week
                   END AS _reason
            FROM {o.table(t)} o
            """,
        )
        report.convert("weekday names became day numbers (Monday = 0)")
        report.add("patt.player_availability.earliest_start, available_hours = NULL (members set them)")
        report.convert("member_availability's notes, auto_signup and wants_reminders stay in the archive")


def steps() -> list[AdoptStep]:
    return [
        AdoptStep(
            "identity.availability", ("patt.player_availability", "common.member_availability"), availability
        )
    ]
