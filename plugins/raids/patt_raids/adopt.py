"""Adopting the original's raid scheduling: recurring events, raid events, attendance, and
each player's auto-invite choice (a column of the original's ``players``)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sv_common.adopt import AdoptStep, Original, StepReport, carry, count, missing

P = "guild_identity.players"


async def raids(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    r = "patt.recurring_events"
    if o.has(r):
        await carry(
            conn,
            report,
            r,
            f"""
            SELECT o.id, o.label, COALESCE(o.event_type, 'raid') AS event_type, o.day_of_week,
                   o.default_start_time, COALESCE(o.default_duration_minutes, 120) AS default_duration_minutes,
                   o.discord_channel_id, o.raid_helper_template_id,
                   COALESCE(o.is_active, true) AND row_number() OVER (
                       PARTITION BY o.day_of_week, COALESCE(o.is_active, true) ORDER BY o.id) = 1 AS is_active,
                   COALESCE(o.display_on_public, true) AS display_on_public,
                   COALESCE(o.created_at, now()) AS created_at, COALESCE(o.created_at, now()) AS updated_at,
                   o.id || ' ' || o.label AS _key,
                   CASE WHEN o.day_of_week NOT BETWEEN 0 AND 6 THEN 'day of week outside 0..6'
                        WHEN COALESCE(o.default_duration_minutes, 120) NOT BETWEEN 15 AND 720
                          THEN 'duration outside 15..720 minutes' END AS _reason
            FROM {o.table(r)} o
            """,
        )
        doubled = await count(
            conn,
            f"SELECT count(*) FROM (SELECT row_number() OVER (PARTITION BY day_of_week ORDER BY id) n "
            f"FROM {o.table(r)} WHERE COALESCE(is_active, true)) x WHERE n > 1",
        )
        report.convert("a second active recurring event on the same weekday is carried inactive", doubled)
    e = "patt.raid_events"
    if o.has(e):
        zone = "'UTC'"
        if o.has("common.discord_config", "raid_event_timezone"):
            zone = (
                f"COALESCE((SELECT raid_event_timezone FROM {o.table('common.discord_config')} "
                "ORDER BY id LIMIT 1), 'UTC')"
            )
        await carry(
            conn,
            report,
            e,
            f"""
            SELECT o.id, CASE WHEN {missing("patt.raid_seasons", "o.season_id")} THEN NULL ELSE o.season_id END
                     AS season_id,
                   o.title, o.event_date, o.start_time_utc, o.end_time_utc, o.raid_helper_event_id,
                   o.discord_channel_id, o.log_url, o.notes,
                   CASE WHEN {missing(P, "o.created_by_player_id")} THEN NULL ELSE o.created_by_player_id END
                     AS created_by_player_id,
                   COALESCE(o.created_at, now()) AS created_at, COALESCE(o.created_at, now()) AS updated_at,
                   CASE WHEN {missing(r, "o.recurring_event_id")} THEN NULL ELSE o.recurring_event_id END
                     AS recurring_event_id,
                   COALESCE(o.auto_booked, false) AS auto_booked, o.raid_helper_payload, {zone} AS timezone,
                   o.id || ' ' || o.title AS _key,
                   CASE WHEN o.end_time_utc <= o.start_time_utc THEN 'it ends before it starts'
                        WHEN o.recurring_event_id IS NOT NULL AND row_number() OVER (
                             PARTITION BY o.recurring_event_id, o.event_date ORDER BY o.id) > 1
                          THEN 'a second event of the same recurring event on the same day' END AS _reason
            FROM {o.table(e)} o
            """,
        )
        report.add("patt.raid_events.timezone: the original's raid time zone (its discord_config), else UTC")
    a = "patt.raid_attendance"
    if o.has(a):
        await carry(
            conn,
            report,
            a,
            f"""
            SELECT o.id, o.event_id, o.player_id, COALESCE(o.signed_up, false) AS signed_up,
                   COALESCE(o.attended, false) AS attended,
                   CASE WHEN {missing("guild_identity.wow_characters", "o.character_id")} THEN NULL
                        ELSE o.character_id END AS character_id,
                   COALESCE(o.noted_absence, false) AS noted_absence, COALESCE(o.source, 'manual') AS source,
                   COALESCE(o.created_at, now()) AS created_at, COALESCE(o.created_at, now()) AS updated_at,
                   CASE WHEN o.noted_absence THEN 'absent' WHEN o.signed_up THEN 'accepted' ELSE 'bench' END AS status,
                   'event ' || o.event_id || ' player ' || o.player_id AS _key,
                   CASE WHEN {missing(e, "o.event_id")} THEN 'its event was not carried'
                        WHEN {missing(P, "o.player_id")} THEN 'its player was not carried' END AS _reason
            FROM {o.table(a)} o
            """,
        )
        report.convert(
            "attendance status from the original's flags: absence noted -> absent, signed up -> accepted, else bench"
        )
    if o.has(P, "auto_invite_events"):
        await carry(
            conn,
            report,
            "patt.raid_player_settings",
            f"""
            SELECT o.id AS player_id, true AS auto_invite_events, o.id AS _key,
                   CASE WHEN {missing(P, "o.id")} THEN 'its player was not carried' END AS _reason
            FROM {o.table(P)} o WHERE o.auto_invite_events
            """,
            sequence=None,
        )
        report.convert("players.auto_invite_events became the player's raid setting")


#: The original's Raid-Helper columns of discord_config -> the operator setting that replaces each.
SETTINGS = {
    "raid_helper_server_id": "PATT_RAIDS_RAID_HELPER_SERVER_ID",
    "raid_creator_discord_id": "PATT_RAIDS_RAID_HELPER_LEADER_ID",
    "raid_channel_id": "PATT_RAIDS_RAID_HELPER_CHANNEL_ID",
    "raid_default_template_id": "PATT_RAIDS_RAID_HELPER_TEMPLATE_ID",
    "raid_event_timezone": "the site setting schedule_timezone (Admin > Settings)",
}


async def settings(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    """The original kept Raid-Helper's settings in the database; the platform reads them from
    the environment (the key is a secret), so the report says what to set, and to what."""
    config = "common.discord_config"
    present = [c for c in (*SETTINGS, "raid_helper_api_key") if o.has(config, c)]
    if not present:
        return
    row = (
        (await conn.execute(text(f"SELECT {', '.join(present)} FROM {o.table(config)} ORDER BY id LIMIT 1")))
        .mappings()
        .first()
    )
    if row is None:
        return
    for column, setting in SETTINGS.items():
        if row.get(column):
            report.convert(f"discord_config.{column} is not carried: set {setting} to {row[column]!r}")
    if row.get("raid_helper_api_key"):
        report.convert(
            "discord_config.raid_helper_api_key is not carried: set PATT_RAIDS_RAID_HELPER_API_KEY to the key kept "
            "in original_common.discord_config (not printed here)"
        )


def steps() -> list[AdoptStep]:
    return [
        AdoptStep(
            "raids.events", ("patt.recurring_events", "patt.raid_events", "patt.raid_attendance"), raids
        ),
        AdoptStep("raids.settings", (), settings),
    ]
