"""Officer actions on findings (dismiss, resolve) and the read side of the Data Quality page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from patt_drift.models import DISMISSED, OFFICER, OPEN, RESOLVED, AuditIssue, AuditIssueEvent, AuditSnapshot
from patt_drift.services.registry import Registry, fix_blocker, needs_a_proposal
from patt_drift.services.scan import log_event
from sv_common.db import utcnow
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.validation import has_control_chars, is_blank

REASON_LIMIT = 500
PAGE_LIMIT = 200  # the API's page of findings
PAGE_SIZE = 25  # the Data Quality page's: a long list is paged, so the page stays short on a phone
LOG_LIMIT = 50
TREND_POINTS = 60

# Fix all answers with at most this many distinct failure reasons (the most frequent first).
FAILURE_REASONS = 5


def failure_reasons(results: list[dict[str, Any]], limit: int = FAILURE_REASONS) -> dict[str, Any]:
    """``{"failures": [{"reason", "count"}], "other_failures": n}``: why fixes failed, grouped by
    reason (the most frequent ``limit`` of them), and how many failures the list leaves out."""
    reasons = Counter(r["message"] or "The fix failed." for r in results if r["status"] == "failed")
    listed = reasons.most_common(limit)
    return {
        "failures": [{"reason": reason, "count": count} for reason, count in listed],
        "other_failures": sum(reasons.values()) - sum(count for _reason, count in listed),
    }


@dataclass(frozen=True)
class Officer:
    name: str
    player_id: int | None


def _reason(reason: str | None, *, required: bool) -> str | None:
    cleaned = (reason or "").strip()
    if has_control_chars(cleaned, multiline=True) or len(cleaned) > REASON_LIMIT:
        raise ValidationFailed(f"A reason is plain text of at most {REASON_LIMIT} characters.")
    if is_blank(cleaned):
        if required:
            raise ValidationFailed("Say why the finding is resolved.", code="reason_required")
        return None
    return cleaned


async def _live(session: AsyncSession, issue_id: int) -> AuditIssue:
    row = await session.get(AuditIssue, issue_id, with_for_update=True)
    if row is None:
        raise NotFound("That finding does not exist.")
    return row


async def dismiss(session: AsyncSession, issue_id: int, officer: Officer, reason: str | None) -> AuditIssue:
    """Hide an open finding until its facts change (their fingerprint is kept)."""
    row = await _live(session, issue_id)
    if row.status != OPEN:
        raise Conflict(f"Only an open finding can be dismissed; this one is {row.status}.")
    why = _reason(reason, required=False)
    row.status = DISMISSED
    row.dismissed_at = utcnow()
    row.dismissed_by = officer.name[:50]
    row.dismissed_by_player_id = officer.player_id
    row.dismissed_reason = why
    row.dismissed_fingerprint = row.fingerprint
    await _log(session, row, "dismissed", why, officer)
    return row


async def resolve(session: AsyncSession, issue_id: int, officer: Officer, reason: str | None) -> AuditIssue:
    """An officer closes a finding by hand; who and why are required and kept.

    If the detector still sees the problem, the next scan opens a new finding for it.
    """
    row = await _live(session, issue_id)
    if row.status == RESOLVED:
        raise Conflict("That finding is already resolved.")
    why = _reason(reason, required=True)
    row.status = RESOLVED
    row.resolved_at = utcnow()
    row.resolved_by = officer.name[:50]
    row.resolved_by_player_id = officer.player_id
    row.resolution = OFFICER
    row.resolution_note = why
    await _log(session, row, "resolved", why, officer)
    return row


async def _log(
    session: AsyncSession, row: AuditIssue, action: str, note: str | None, officer: Officer
) -> None:
    await log_event(session, row, action, note, actor=officer.name, actor_player_id=officer.player_id)


# --- read side ------------------------------------------------------------------------------


def finding_dict(row: AuditIssue, registry: Registry | None = None) -> dict[str, Any]:
    rule = registry.get(row.issue_type) if registry else None
    blocked = fix_blocker(rule, row.proposal)
    return {
        "id": row.id,
        "rule": row.issue_type,
        "rule_title": rule.title if rule else row.issue_type,
        "severity": row.severity,
        "status": row.status,
        "summary": row.summary,
        "details": row.details or {},
        "proposal": row.proposal,
        # The fix can run (as far as is known before trying); else ``fix_blocked`` says why.
        "fixable": bool(rule and rule.mitigate) and blocked is None,
        "fix_blocked": blocked,
        "fix_label": (rule.mitigation_label if rule else "Fix"),
        "wow_character_id": row.wow_character_id,
        "discord_member_id": row.discord_member_id,
        "player_id": row.player_id,
        "first_seen": row.created_at,
        "last_seen": row.last_seen_at,
        "resolved_at": row.resolved_at,
        "resolved_by": row.resolved_by,
        "resolution": row.resolution,
        "resolution_note": row.resolution_note,
        "dismissed_by": row.dismissed_by,
        "dismissed_reason": row.dismissed_reason,
    }


async def list_findings(
    session: AsyncSession,
    *,
    rule: str | None = None,
    status: str | None = OPEN,
    severity: str | None = None,
    limit: int = PAGE_LIMIT,
    offset: int = 0,
) -> list[AuditIssue]:
    query = _filtered(select(AuditIssue), rule, status, severity)
    query = query.order_by(AuditIssue.id.desc()).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())


async def findings_page(
    session: AsyncSession,
    registry: Registry,
    *,
    rule: str | None,
    status: str | None,
    severity: str | None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """One page of the Data Quality page's findings (a page past the end shows the last one):
    ``{findings, page, pages, total, first, last, query}`` (``query``: the filters, for links)."""
    where = {"rule": rule, "status": status, "severity": severity}
    total = await count_findings(session, **where)
    pages = max(1, -(-total // size))
    page = min(page, pages)
    rows = await list_findings(session, **where, limit=size, offset=(page - 1) * size)
    return {
        "findings": [finding_dict(r, registry) for r in rows],
        "page": page,
        "pages": pages,
        "total": total,
        "first": (page - 1) * size + 1 if rows else 0,
        "last": (page - 1) * size + len(rows),
        "query": {key: value for key, value in where.items() if value},
    }


async def count_findings(
    session: AsyncSession, *, rule: str | None = None, status: str | None = OPEN, severity: str | None = None
) -> int:
    """How many findings :func:`list_findings` pages through."""
    return await session.scalar(
        _filtered(select(func.count()).select_from(AuditIssue), rule, status, severity)
    )


def _filtered(query, rule: str | None, status: str | None, severity: str | None):
    if rule:
        query = query.where(AuditIssue.issue_type == rule)
    if status:
        query = query.where(AuditIssue.status == status)
    if severity:
        query = query.where(AuditIssue.severity == severity)
    return query


async def rule_counts(session: AsyncSession, registry: Registry | None = None) -> dict[str, dict[str, int]]:
    """{rule: {open, dismissed, fixable}} over the live findings (one grouped query).

    ``fixable``: the open findings "Fix all" would try; for a rule whose fix carries out a
    proposal (:func:`~patt_drift.services.registry.needs_proposal`), those with one. Without
    ``registry`` every open finding counts."""
    proposed = func.jsonb_typeof(AuditIssue.proposal) == "object"  # neither SQL NULL nor JSON null
    rows = await session.execute(
        select(
            AuditIssue.issue_type,
            AuditIssue.status,
            func.count(),
            func.count().filter(proposed),
        )
        .where(AuditIssue.resolved_at.is_(None))
        .group_by(AuditIssue.issue_type, AuditIssue.status)
    )
    out: dict[str, dict[str, int]] = {}
    for rule, status, count, with_proposal in rows:
        counts = out.setdefault(rule, {"open": 0, "dismissed": 0, "fixable": 0})
        counts[status] = count
        if status == OPEN:
            only_proposed = needs_a_proposal(registry.get(rule)) if registry else False
            counts["fixable"] = with_proposal if only_proposed else count
    return out


async def open_count(session: AsyncSession) -> tuple[int, int]:
    """(open findings, of which severity error or warning)."""
    row = (
        await session.execute(
            select(func.count(), func.count().filter(AuditIssue.severity.in_(("error", "warning")))).where(
                AuditIssue.status == OPEN
            )
        )
    ).one()
    return row[0], row[1]


async def trend(session: AsyncSession, limit: int = TREND_POINTS) -> list[tuple[datetime, dict[str, int]]]:
    rows = (
        await session.execute(
            select(AuditSnapshot.taken_at, AuditSnapshot.open_counts)
            .order_by(AuditSnapshot.id.desc())
            .limit(limit)
        )
    ).all()
    return [(taken_at, counts or {}) for taken_at, counts in reversed(rows)]


async def audit_log(session: AsyncSession, limit: int = LOG_LIMIT) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(AuditIssueEvent, AuditIssue.summary)
        .join(AuditIssue, AuditIssue.id == AuditIssueEvent.issue_id)
        .order_by(AuditIssueEvent.id.desc())
        .limit(limit)
    )
    return [
        {
            "at": event.at,
            "rule": event.issue_type,
            "issue_id": event.issue_id,
            "action": event.action,
            "actor": event.actor,
            "note": event.note,
            "summary": summary,
            "job_run_id": event.job_run_id,
        }
        for event, summary in rows
    ]


async def events_of_run(session: AsyncSession, job_run_id: int) -> list[AuditIssueEvent]:
    return list(
        (
            await session.scalars(
                select(AuditIssueEvent)
                .where(AuditIssueEvent.job_run_id == job_run_id)
                .order_by(AuditIssueEvent.id)
            )
        ).all()
    )


async def coverage(session: AsyncSession) -> dict[str, dict[str, int]]:
    """How much of the guild is linked: characters, Discord members (with a rank role), players."""
    row = (
        await session.execute(
            text(
                """
                SELECT
                  (SELECT count(*) FROM guild_identity.wow_characters WHERE removed_at IS NULL),
                  (SELECT count(*) FROM guild_identity.wow_characters c
                     JOIN guild_identity.player_characters pc ON pc.character_id = c.id
                    WHERE c.removed_at IS NULL),
                  (SELECT count(*) FROM guild_identity.discord_users WHERE is_present),
                  (SELECT count(*) FROM guild_identity.discord_users du
                     JOIN guild_identity.players p ON p.discord_user_id = du.id
                    WHERE du.is_present),
                  (SELECT count(*) FROM guild_identity.players WHERE is_active),
                  (SELECT count(*) FROM guild_identity.players p
                    WHERE p.is_active AND p.discord_user_id IS NOT NULL
                      AND EXISTS (SELECT 1 FROM guild_identity.player_characters pc WHERE pc.player_id = p.id))
                """
            )
        )
    ).one()
    return {
        "characters": {"linked": row[1], "total": row[0]},
        "discord": {"linked": row[3], "total": row[2]},
        "players": {"linked": row[5], "total": row[4]},
    }
