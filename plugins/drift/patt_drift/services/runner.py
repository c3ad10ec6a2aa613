"""A whole drift run, as the ``drift.scan`` job, the CLI and the page's scan button do it:
scan (one transaction), automatic mitigations (their own transaction, so a failure there
keeps the scan), a rescan when they fixed something, then the audit-channel report."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from patt_drift.services.mitigate import MitigationReport, mitigate
from patt_drift.services.report import queue_report
from patt_drift.services.scan import ScanReport, scan
from patt_identity.services.events import emit_rank_changes
from sv_common.identity.ranks import drain_rank_changes

if TYPE_CHECKING:
    from patt_drift.state import DriftState

log = logging.getLogger("patt.drift")


@dataclass
class RunReport:
    scan: ScanReport
    mitigation: MitigationReport | None = None
    report: dict[str, int] = field(default_factory=dict)
    report_error: str | None = None

    def counts(self) -> dict[str, int]:
        out = {
            "open": self.scan.total("open"),
            "new": self.scan.total("new"),
            "resolved": self.scan.total("resolved"),
            "rule_errors": len(self.scan.errors),
            **{k: v for k, v in self.report.items()},
        }
        if self.mitigation is not None:
            out.update({f"auto_{k}": v for k, v in self.mitigation.counts().items()})
        return out

    def as_dict(self) -> dict[str, Any]:
        out = self.scan.as_dict()
        if self.mitigation is not None:
            out["mitigations"] = {**self.mitigation.counts(), "results": self.mitigation.results}
        out["report"] = dict(self.report)
        if self.report_error:
            out["report_error"] = self.report_error
        return out


async def run_mitigations(
    state: DriftState,
    *,
    finding_ids: list[int] | None = None,
    rule: str | None = None,
    auto: bool = False,
    actor: str | None = None,
    actor_player_id: int | None = None,
    job_run_id: int | None = None,
) -> MitigationReport:
    host = state.host
    ctx = state.context(actor=actor, actor_player_id=actor_player_id)
    async with host.db.session() as session:
        result = await mitigate(
            session, state.registry, ctx, finding_ids=finding_ids, rule=rule, auto=auto, job_run_id=job_run_id
        )
        changes = drain_rank_changes(session)
    await emit_rank_changes(host, changes)
    return result


async def run_scan(
    state: DriftState,
    *,
    source: str = "manual",
    summary: dict[str, Any] | None = None,
    sync_id: int | None = None,
    job_run_id: int | None = None,
) -> RunReport:
    host = state.host
    async with host.db.session() as session:
        scanned = await scan(session, state.registry, state.context(), source=source)
    run = RunReport(scanned)
    if any(r.policy == "auto" for r in state.registry) and scanned.total("open"):
        try:
            run.mitigation = await run_mitigations(state, auto=True, job_run_id=job_run_id)
        except Exception:  # noqa: BLE001 - the scan is stored; mitigations are retried next scan
            log.exception("automatic mitigations failed")
        if run.mitigation is not None and run.mitigation.fixed:
            # What they fixed may have cleared (or raised) other rules' findings.
            async with host.db.session() as session:
                rescanned = await scan(session, state.registry, state.context(), source=source)
            rescanned.new_ids = scanned.new_ids + rescanned.new_ids
            run.scan = rescanned
    try:
        async with host.db.session() as session:
            run.report = await queue_report(
                session,
                state.registry,
                source=source,
                summary=summary,
                sync_id=sync_id,
                max_findings=state.settings.report_max_findings,
            )
    except Exception as exc:  # noqa: BLE001 - the findings stay unreported and go out next time
        log.exception("audit channel report failed")
        run.report_error = f"{type(exc).__name__}: {exc}"[:500]
    return run
