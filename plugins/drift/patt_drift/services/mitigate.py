"""Running mitigations: per finding in its own savepoint, each outcome in the audit log.

``auto=True`` runs only rules whose policy is ``auto`` (after a scan); otherwise the
findings an officer picked (one, or every open one of a rule: "Fix all") run whatever
their rule's policy, which is the officer's confirmation. A mitigation that raises is
recorded as ``mitigation_failed`` with its message and the others still run.

"Fix all" (and the automatic pass) leave out the findings whose fix is known not to run
(:func:`~patt_drift.services.registry.fix_blocker`: a fix that carries out a proposal, on a
finding without one): they are reported as ``skipped`` with the reason, and nothing is
written for them. A finding named by id is always tried, so its refusal is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_drift.models import MITIGATED, OPEN, RESOLVED, AuditIssue
from patt_drift.services.registry import Registry, fix_blocker
from patt_drift.services.scan import log_event
from sv_common.errors import DomainError
from sv_common.quality import RuleContext, StoredFinding

log = logging.getLogger("patt.drift")
FIX_ALL_LIMIT = 500


@dataclass
class MitigationReport:
    fixed: int = 0
    pending: int = 0  # the mitigation ran but the finding is not resolved yet (e.g. role sync queued)
    failed: int = 0
    skipped: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"fixed": self.fixed, "pending": self.pending, "failed": self.failed, "skipped": self.skipped}


def stored(row: AuditIssue) -> StoredFinding:
    return StoredFinding(
        id=row.id,
        rule=row.issue_type,
        key=row.dedupe_key.split(":", 1)[1],
        summary=row.summary,
        details=dict(row.details or {}),
        proposal=dict(row.proposal) if row.proposal else None,
        wow_character_id=row.wow_character_id,
        discord_member_id=row.discord_member_id,
        player_id=row.player_id,
    )


async def mitigate(
    session: AsyncSession,
    registry: Registry,
    ctx: RuleContext,
    *,
    finding_ids: list[int] | None = None,
    rule: str | None = None,
    auto: bool = False,
    job_run_id: int | None = None,
) -> MitigationReport:
    report = MitigationReport()
    query = select(AuditIssue).where(AuditIssue.status == OPEN).order_by(AuditIssue.id).limit(FIX_ALL_LIMIT)
    if finding_ids is not None:
        query = query.where(AuditIssue.id.in_(finding_ids))
    if rule is not None:
        query = query.where(AuditIssue.issue_type == rule)
    if auto:
        names = [r.name for r in registry if r.policy == "auto"]
        query = query.where(AuditIssue.issue_type.in_(names))
    rows = (await session.scalars(query.with_for_update(skip_locked=True))).all()
    actor = ctx.actor or "auto"
    for row in rows:
        definition = registry.get(row.issue_type)
        if definition is None or definition.mitigate is None:
            report.skipped += 1
            report.results.append({"id": row.id, "status": "skipped", "message": "This rule has no fix."})
            continue
        blocked = fix_blocker(definition, row.proposal) if finding_ids is None else None
        if blocked:
            report.skipped += 1
            report.results.append({"id": row.id, "status": "skipped", "message": blocked})
            continue
        try:
            async with session.begin_nested():
                result = await definition.mitigate(session, stored(row), ctx)
        except Exception as exc:  # noqa: BLE001 - recorded; the other findings still run
            message = str(exc) if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, DomainError):
                log.exception("mitigation of %s #%s failed", row.issue_type, row.id)
            report.failed += 1
            report.results.append({"id": row.id, "status": "failed", "message": message[:500]})
            await log_event(
                session,
                row,
                "mitigation_failed",
                message,
                actor=actor,
                actor_player_id=ctx.actor_player_id,
                job_run_id=job_run_id,
                at=ctx.now,
            )
            continue
        if result.resolved:
            await session.execute(
                update(AuditIssue)
                .where(AuditIssue.id == row.id)
                .values(
                    status=RESOLVED,
                    resolved_at=ctx.now,
                    resolved_by=actor[:50],
                    resolved_by_player_id=ctx.actor_player_id,
                    resolution=MITIGATED,
                    resolution_note=result.message[:1000],
                ),
                execution_options={"synchronize_session": False},
            )
            report.fixed += 1
        else:
            report.pending += 1
        report.results.append(
            {"id": row.id, "status": "fixed" if result.resolved else "pending", "message": result.message}
        )
        await log_event(
            session,
            row,
            "mitigated",
            result.message,
            actor=actor,
            actor_player_id=ctx.actor_player_id,
            job_run_id=job_run_id,
            changes=result.changes or None,
            at=ctx.now,
        )
    return report
