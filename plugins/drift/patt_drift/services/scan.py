"""One scan: run every rule's detector, then bring the stored findings in line.

Per rule, in the caller's transaction:

- a finding seen for the first time is inserted (``opened``);
- one already stored is updated in place when its facts, summary or proposal changed
  (``updated``); a *dismissed* one whose facts changed since the dismissal is opened again
  (``reopened``), an unchanged dismissed one stays dismissed;
- a stored open or dismissed finding the detector no longer reports is resolved
  (``resolution='auto'``, ``resolved_by='auto'``), with the rule's resolution condition as
  the note.

Writes are batched (one INSERT or UPDATE per kind and rule), and a scan that finds exactly
what is stored writes nothing: ``last_seen_at`` is refreshed at most hourly. A detector that
raises is reported in ``errors``; its findings are left as they are and the other rules run.
Concurrent scans queue on a transaction-level advisory lock, so each sees the previous one's
result.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_drift.models import AUTO, DISMISSED, OPEN, RESOLVED, AuditIssue, AuditIssueEvent, AuditSnapshot
from patt_drift.services.registry import Registry
from sv_common.quality import KEY_LIMIT, SUMMARY_LIMIT, DataQualityRule, Finding, RuleContext

log = logging.getLogger("patt.drift")

SCAN_LOCK = 0x64726966745F7363  # "drift_sc": one scan at a time, across processes
LAST_SEEN_REFRESH = timedelta(hours=1)
ERROR_LIMIT = 500


@dataclass
class RuleCounts:
    open: int = 0
    new: int = 0
    resolved: int = 0
    dismissed: int = 0
    updated: int = 0
    reopened: int = 0


@dataclass
class ScanReport:
    source: str
    rules: dict[str, RuleCounts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    rows_written: int = 0
    new_ids: list[int] = field(default_factory=list)
    snapshot_id: int | None = None

    def total(self, what: str) -> int:
        return sum(getattr(c, what) for c in self.rules.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rules": {
                name: {"open": c.open, "new": c.new, "resolved": c.resolved, "dismissed": c.dismissed}
                for name, c in self.rules.items()
            },
            "errors": dict(self.errors),
            "rows_written": self.rows_written,
        }


def issue_hash(dedupe_key: str) -> str:
    return hashlib.sha256(dedupe_key.encode()).hexdigest()


_LIVE_COLUMNS = (
    AuditIssue.id,
    AuditIssue.issue_type,
    AuditIssue.dedupe_key,
    AuditIssue.status,
    AuditIssue.summary,
    AuditIssue.fingerprint,
    AuditIssue.proposal,
    AuditIssue.severity,
    AuditIssue.last_seen_at,
    AuditIssue.dismissed_fingerprint,
    AuditIssue.wow_character_id,
    AuditIssue.discord_member_id,
    AuditIssue.player_id,
)


def _checked(rule: DataQualityRule, findings: Any) -> dict[str, Finding]:
    """The detector's findings by key; a malformed result fails the rule (not the scan)."""
    out: dict[str, Finding] = {}
    for finding in findings or []:
        if not isinstance(finding, Finding):
            raise TypeError(f"detector returned {type(finding).__name__}, not a Finding")
        if not isinstance(finding.key, str) or not 0 < len(finding.key) <= KEY_LIMIT:
            raise ValueError(f"finding key must be text of 1-{KEY_LIMIT} characters: {finding.key!r}")
        if finding.key in out:
            raise ValueError(f"finding key {finding.key!r} reported twice")
        out[finding.key] = finding
    return out


def _values(rule: DataQualityRule, finding: Finding, fingerprint: str) -> dict[str, Any]:
    return {
        "summary": finding.summary[:SUMMARY_LIMIT],
        "details": finding.details or {},
        "fingerprint": fingerprint,
        "proposal": finding.proposal,
        "severity": rule.severity,
        "wow_character_id": finding.wow_character_id,
        "discord_member_id": finding.discord_member_id,
        "player_id": finding.player_id,
    }


def _changed(row: Any, values: dict[str, Any]) -> bool:
    return (
        row.fingerprint != values["fingerprint"]
        or row.summary != values["summary"]
        or row.proposal != values["proposal"]
        or row.severity != values["severity"]
        or (row.wow_character_id, row.discord_member_id, row.player_id)
        != (values["wow_character_id"], values["discord_member_id"], values["player_id"])
    )


async def scan(
    session: AsyncSession, registry: Registry, ctx: RuleContext, *, source: str = "manual"
) -> ScanReport:
    """Run every rule in ``registry`` and store the outcome (see the module docstring)."""
    report = ScanReport(source=source)
    now = ctx.now
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCAN_LOCK})
    live: dict[str, dict[str, Any]] = {}
    for row in await session.execute(select(*_LIVE_COLUMNS).where(AuditIssue.resolved_at.is_(None))):
        live.setdefault(row.issue_type, {})[row.dedupe_key] = row
    events: list[dict[str, Any]] = []
    for rule in registry:
        counts = report.rules[rule.name] = RuleCounts()
        stored = live.get(rule.name, {})
        try:
            async with session.begin_nested():  # a failing statement must not poison the scan
                found = _checked(rule, await rule.detect(session, ctx))
        except Exception as exc:  # noqa: BLE001 - reported; the other rules still run
            log.exception("data-quality rule %s failed", rule.name)
            report.errors[rule.name] = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
            counts.open = sum(1 for r in stored.values() if r.status == OPEN)
            counts.dismissed = sum(1 for r in stored.values() if r.status == DISMISSED)
            continue
        inserts, updates, resolves = [], [], []
        for key, finding in found.items():
            dedupe_key = f"{rule.name}:{key}"
            values = _values(rule, finding, finding.fingerprint())
            row = stored.get(dedupe_key)
            if row is None:
                inserts.append(
                    {
                        **values,
                        "issue_type": rule.name,
                        "dedupe_key": dedupe_key,
                        "issue_hash": issue_hash(dedupe_key),
                        "status": OPEN,
                        "created_at": now,
                        "last_seen_at": now,
                    }
                )
                counts.new += 1
                counts.open += 1
                continue
            if row.status == DISMISSED and row.dismissed_fingerprint != values["fingerprint"]:
                updates.append(
                    {
                        "id": row.id,
                        **values,
                        "status": OPEN,
                        "last_seen_at": now,
                        "dismissed_at": None,
                        "dismissed_fingerprint": None,
                    }
                )
                events.append(
                    _event(row.id, rule.name, "reopened", "the facts changed since it was dismissed")
                )
                counts.reopened += 1
                counts.open += 1
                continue
            if _changed(row, values):
                updates.append({"id": row.id, **values, "last_seen_at": now})
                if row.fingerprint != values["fingerprint"]:
                    events.append(_event(row.id, rule.name, "updated", values["summary"]))
                counts.updated += 1
            elif now - row.last_seen_at >= LAST_SEEN_REFRESH:
                updates.append({"id": row.id, "last_seen_at": now})
            if row.status == DISMISSED:
                counts.dismissed += 1
            else:
                counts.open += 1
        for dedupe_key, row in stored.items():
            if dedupe_key[len(rule.name) + 1 :] not in found:
                resolves.append(row.id)
                events.append(
                    _event(row.id, rule.name, "resolved", f"no longer detected: {rule.resolves_when}")
                )
        counts.resolved = len(resolves)
        if inserts:
            ids = (
                await session.execute(
                    insert(AuditIssue).returning(AuditIssue.id, sort_by_parameter_order=True), inserts
                )
            ).scalars()
            for issue_id, values in zip(ids, inserts, strict=True):
                report.new_ids.append(issue_id)
                events.append(_event(issue_id, rule.name, "opened", values["summary"]))
        for group in _by_columns(updates):
            await session.execute(update(AuditIssue), group)
        if resolves:
            await session.execute(
                update(AuditIssue)
                # An officer may have closed one meanwhile: theirs is the resolution that stays.
                .where(AuditIssue.id.in_(resolves), AuditIssue.resolved_at.is_(None))
                .values(
                    status=RESOLVED,
                    resolved_at=now,
                    resolved_by=AUTO,
                    resolution=AUTO,
                    resolution_note=rule.resolves_when[:500],
                ),
                execution_options={"synchronize_session": False},
            )
        report.rows_written += len(inserts) + len(updates) + len(resolves)
    if events:
        await session.execute(insert(AuditIssueEvent), [{**e, "at": now} for e in events])
        report.rows_written += len(events)
    await _snapshot(session, report, now)
    return report


def _event(issue_id: int, rule: str, action: str, note: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "issue_id": issue_id,
        "issue_type": rule,
        "action": action,
        "actor": extra.pop("actor", "scan"),
        "actor_player_id": extra.pop("actor_player_id", None),
        "job_run_id": extra.pop("job_run_id", None),
        "note": (note or "")[:1000] or None,
        "changes": extra.pop("changes", None),
    }


def _by_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Bulk UPDATE by primary key needs the same columns in every row of a batch."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


async def _snapshot(session: AsyncSession, report: ScanReport, now: datetime) -> None:
    """A trend point when the open counts moved (or something opened or resolved)."""
    open_counts = {name: c.open for name, c in report.rules.items()}
    previous = await session.scalar(
        select(AuditSnapshot.open_counts).order_by(AuditSnapshot.id.desc()).limit(1)
    )
    moved = report.total("new") or report.total("resolved") or report.total("reopened")
    if previous == open_counts and not moved:
        return
    report.snapshot_id = (
        await session.execute(
            insert(AuditSnapshot)
            .values(
                taken_at=now,
                source=report.source[:30],
                open_counts=open_counts,
                new_counts={n: c.new for n, c in report.rules.items() if c.new},
                resolved_counts={n: c.resolved for n, c in report.rules.items() if c.resolved},
                errors=report.errors or None,
            )
            .returning(AuditSnapshot.id)
        )
    ).scalar_one()
    report.rows_written += 1


async def log_event(
    session: AsyncSession,
    row: Any,
    action: str,
    note: str | None,
    *,
    actor: str,
    actor_player_id: int | None = None,
    job_run_id: int | None = None,
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """One audit-log row for an officer action or a fix (same shape as the scan's)."""
    values = _event(
        row.id,
        row.issue_type,
        action,
        note,
        actor=actor[:50],
        actor_player_id=actor_player_id,
        job_run_id=job_run_id,
        changes=changes,
    )
    if at is not None:
        values["at"] = at
    await session.execute(insert(AuditIssueEvent).values(**values))
