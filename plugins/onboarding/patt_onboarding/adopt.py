"""Adopting the original's onboarding sessions (same states, same columns) and the invite
codes' link to the session that issued them."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sv_common.adopt import AdoptStep, Original, StepReport, carry, count, missing

GI = "guild_identity"
STATES = (
    "awaiting_dm", "asked_in_guild", "asked_main", "asked_alts", "pending_verification", "verified",
    "provisioned", "declined", "manually_resolved",
)  # fmt: skip


async def sessions(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    t = f"{GI}.onboarding_sessions"
    if not o.has(t):
        return
    await carry(
        conn,
        report,
        t,
        f"""
        SELECT o.id, o.discord_member_id, o.discord_id, o.state, o.reported_main_name, o.reported_main_realm,
               o.reported_alt_names, o.is_in_guild, COALESCE(o.verification_attempts, 0) AS verification_attempts,
               o.last_verification_at, o.verified_at,
               CASE WHEN {missing(f"{GI}.players", "o.verified_player_id")} THEN NULL ELSE o.verified_player_id END
                 AS verified_player_id,
               COALESCE(o.website_invite_sent, false) AS website_invite_sent, o.website_invite_code,
               COALESCE(o.roster_entries_created, false) AS roster_entries_created,
               COALESCE(o.discord_role_assigned, false) AS discord_role_assigned,
               o.dm_sent_at, o.dm_completed_at, o.deadline_at, o.escalated_at, o.completed_at,
               COALESCE(o.created_at, now()) AS created_at, COALESCE(o.updated_at, now()) AS updated_at,
               o.id || ' ' || o.discord_id AS _key,
               CASE WHEN {missing(f"{GI}.discord_users", "o.discord_member_id")} THEN 'its Discord user was not carried'
                    WHEN NOT (o.state = ANY(:states)) THEN 'unknown state ' || o.state END AS _reason
        FROM {o.table(t)} o
        """,
        {"states": list(STATES)},
    )
    linked = await conn.execute(
        text(
            f"UPDATE common.invite_codes i SET onboarding_session_id = o.onboarding_session_id "
            f"FROM {o.table('common.invite_codes')} o WHERE o.id = i.id AND o.onboarding_session_id IS NOT NULL "
            f"AND EXISTS (SELECT 1 FROM {t} s WHERE s.id = o.onboarding_session_id)"
        )
    )
    report.convert("invite codes linked again to the onboarding session that issued them", linked.rowcount)
    lost = await count(
        conn,
        f"SELECT count(*) FROM {o.table('common.invite_codes')} o WHERE o.onboarding_session_id IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {t} s WHERE s.id = o.onboarding_session_id)",
    )
    report.convert("an invite code's session that was not carried is left empty", lost)
    report.add("onboarding_transitions: none (the original kept no history of states)")


def steps() -> list[AdoptStep]:
    return [AdoptStep("onboarding.sessions", (f"{GI}.onboarding_sessions",), sessions)]
