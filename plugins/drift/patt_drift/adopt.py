"""Adopting the original's audit issues.

The original keyed an issue by its own hash; the platform keys findings by rule and subject
(``dedupe_key``). A carried issue keeps its hash under ``<type>:original:<hash>``, so the
next scan of its rule, which no longer finds that key, resolves the open ones it does not
find again and opens its own findings.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from sv_common.adopt import AdoptStep, Original, StepReport, carry

GI = "guild_identity"


async def issues(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    t = f"{GI}.audit_issues"
    if not o.has(t):
        return
    await carry(
        conn,
        report,
        t,
        f"""
        SELECT o.id, o.issue_type,
               CASE WHEN o.severity IN ('info', 'warning', 'error') THEN o.severity
                    WHEN o.severity = 'critical' THEN 'error' ELSE 'info' END AS severity,
               CASE WHEN EXISTS (SELECT 1 FROM {GI}.wow_characters c WHERE c.id = o.wow_character_id)
                    THEN o.wow_character_id END AS wow_character_id,
               CASE WHEN EXISTS (SELECT 1 FROM {GI}.discord_users d WHERE d.id = o.discord_member_id)
                    THEN o.discord_member_id END AS discord_member_id,
               o.summary, o.details, o.issue_hash, COALESCE(o.created_at, now()) AS created_at,
               o.resolved_at, o.resolved_by, o.notified_at,
               left(o.issue_type || ':original:' || o.issue_hash, 200) AS dedupe_key,
               CASE WHEN o.resolved_at IS NULL THEN 'open' ELSE 'resolved' END AS status,
               encode(sha256(convert_to(COALESCE(o.details::text, o.summary), 'UTF8')), 'hex') AS fingerprint,
               COALESCE(o.resolved_at, o.created_at, now()) AS last_seen_at,
               CASE WHEN o.resolved_at IS NOT NULL THEN 'officer' END AS resolution,
               o.id || ' ' || o.issue_type AS _key,
               CASE WHEN o.resolved_at IS NULL AND row_number() OVER (
                         PARTITION BY o.issue_hash, (o.resolved_at IS NULL) ORDER BY o.id) > 1
                    THEN 'a second open issue with the same hash' END AS _reason
        FROM {o.table(t)} o
        """,
    )
    report.add(
        "audit_issues: status from resolved_at, dedupe_key '<type>:original:<hash>', fingerprint of the details; "
        "the next scan resolves carried open issues its rules no longer find"
    )


def steps() -> list[AdoptStep]:
    return [AdoptStep("drift.issues", (f"{GI}.audit_issues",), issues)]
