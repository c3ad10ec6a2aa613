"""The audit channel: a "sync complete" summary after each sync that changed something, and
the findings opened since the last report, through the notification outbox (a sync that
changed nothing and found nothing new posts nothing).

A finding is reported once: ``notified_at`` is set in the same transaction that queues its
message, and every message carries a de-duplication key, so a restart (or a scan that runs
twice) never posts it again. At most 10 embeds go in one message (Discord's limit); more
new findings than ``report_max_findings`` are counted in a closing line instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_drift.models import OPEN, AuditIssue
from patt_drift.services.registry import Registry
from sv_common import notify
from sv_common.db import utcnow
from sv_common.discord.config import load_discord_config

FEATURE = "drift"
EMBEDS_PER_MESSAGE = 10
COLOURS = {"error": 0xE74C3C, "warning": 0xF1C40F, "info": 0x3498DB}
SUMMARY_COLOUR = 0x2ECC71
SOURCE_TITLES = {
    "roster": "Roster sync complete",
    "addon": "Addon upload processed",
    "discord": "Discord member sync complete",
}
CHANGE_LABELS = {
    "joined": "Joined",
    "left": "Left",
    "renamed": "Renamed",
    "rank_changed": "Rank changes",
    "note_changed": "Notes changed",
    "roles_changed": "Role changes",
}


def summary_embed(source: str, summary: dict[str, Any]) -> dict[str, Any] | None:
    counts = summary.get("counts") or {}
    names = summary.get("names") or {}
    fields = []
    for kind, label in CHANGE_LABELS.items():
        count = counts.get(kind, 0)
        if not count:
            continue
        shown = ", ".join(names.get(kind, []))
        more = count - len(names.get(kind, []))
        value = (shown + (f" and {more} more" if more > 0 else "")) or str(count)
        fields.append({"name": f"{label} ({count})", "value": value[:1000], "inline": False})
    if not fields:
        # A sync that changed nothing says nothing: the Discord member sync alone runs every
        # 15 minutes, and empty summaries would bury the findings officers need to see.
        return None
    return {"title": SOURCE_TITLES.get(source, "Sync complete"), "fields": fields, "colour": SUMMARY_COLOUR}


def finding_embed(row: AuditIssue, registry: Registry) -> dict[str, Any]:
    rule = registry.get(row.issue_type)
    embed: dict[str, Any] = {
        "title": (rule.title if rule else row.issue_type)[:250],
        "description": row.summary[:1000],
        "colour": COLOURS.get(row.severity, COLOURS["info"]),
        "footer": f"{row.issue_type} · #{row.id}",
    }
    if row.proposal and row.proposal.get("text"):
        embed["fields"] = [{"name": "Proposed fix", "value": str(row.proposal["text"])[:1000]}]
    return embed


async def queue_report(
    session: AsyncSession,
    registry: Registry,
    *,
    source: str,
    summary: dict[str, Any] | None,
    sync_id: int | None,
    max_findings: int,
) -> dict[str, int]:
    """Queue the summary (if any) and the unreported open findings. Needs an audit channel."""
    config = await load_discord_config(session)
    channel = config.audit_channel_id
    if not channel:
        return {"report_messages": 0}
    embeds: list[dict[str, Any]] = []
    if summary is not None:
        embed = summary_embed(source, summary)
        if embed:
            embeds.append(embed)
    rows = (
        await session.scalars(
            select(AuditIssue)
            .where(AuditIssue.status == OPEN, AuditIssue.notified_at.is_(None))
            .order_by(AuditIssue.id)
            .with_for_update(skip_locked=True)
        )
    ).all()
    shown, rest = rows[:max_findings], rows[max_findings:]
    embeds.extend(finding_embed(row, registry) for row in shown)
    if rest:
        embeds.append(
            {
                "description": f"…and {len(rest)} more new findings on the Data Quality page.",
                "colour": COLOURS["info"],
            }
        )
    # The sync (when known) and the findings name the report: running it twice queues nothing new.
    span = f"{rows[0].id}-{rows[-1].id}" if rows else "0"
    origin = sync_id if sync_id is not None else int(utcnow().timestamp() * 1000)
    messages = 0
    for start in range(0, len(embeds), EMBEDS_PER_MESSAGE):
        await notify.post_channel(
            session,
            channel_id=channel,
            embeds=embeds[start : start + EMBEDS_PER_MESSAGE],
            feature=FEATURE,
            dedupe_key=f"drift:{source}:{origin}:{span}:{start // EMBEDS_PER_MESSAGE}"[:200],
        )
        messages += 1
    if rows:
        await session.execute(
            update(AuditIssue)
            .where(AuditIssue.id.in_([r.id for r in rows]))
            .values(notified_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return {"report_messages": messages, "reported_findings": len(rows)}


async def queue_backlog(
    session: AsyncSession, registry: Registry, counts: dict[str, dict[str, int]]
) -> dict[str, Any]:
    """One message to the audit channel with every rule's open findings (an officer's "post the
    backlog", after changing the channel, say); the findings themselves stay on the page, so a
    backlog of hundreds is one message, not hundreds. 409 without an audit channel; nothing
    open posts nothing. A second click within the minute queues nothing new (its key)."""
    from sv_common.errors import Conflict

    channel = (await load_discord_config(session)).audit_channel_id
    if not channel:
        raise Conflict(
            "No audit channel is set: choose one on the Discord settings page first.", code="no_audit_channel"
        )
    open_by_rule = {rule: c["open"] for rule, c in counts.items() if c.get("open")}
    total = sum(open_by_rule.values())
    if not total:
        return {"queued": False, "open": 0}
    fields = []
    for rule, count in sorted(open_by_rule.items(), key=lambda item: (-item[1], item[0]))[:25]:
        definition = registry.get(rule)
        fields.append(
            {"name": (definition.title if definition else rule)[:250], "value": str(count), "inline": True}
        )
    embed = {
        "title": f"Open findings: {total}",
        "description": "Every open finding by rule; each one is on the site's Data Quality page.",
        "fields": fields,
        "colour": COLOURS["warning"],
    }
    row = await notify.post_channel(
        session,
        channel_id=channel,
        embeds=[embed],
        feature=FEATURE,
        dedupe_key=f"drift:backlog:{utcnow():%Y%m%d%H%M}:{total}",
    )
    return {"queued": True, "open": total, "rules": len(open_by_rule), "notification_id": row.id}
