"""Drift's JSON routes (officers only): findings, fix / dismiss / resolve, Fix all, scan, and
the open backlog posted to the audit channel."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from patt_drift.schemas import FindingFilter, ReasonBody, ResolveBody
from patt_drift.services import findings as service
from patt_drift.services import report
from patt_drift.services.registry import fix_blocker
from patt_drift.state import StateDep
from patt_host.jobs import run_job
from patt_host.web import Officer, SessionDep, ok, require_officer
from sv_common.errors import Conflict, NotFound
from sv_common.validation import INT32_MAX

# The jobs by name: importing patt_drift.jobs here would load every rule with the routes, and
# the rules load when a job runs.
SCAN_JOB, MITIGATE_JOB = "drift.scan", "drift.mitigate"

FindingId = Annotated[int, Path(ge=1, le=INT32_MAX)]
RuleName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,48}$")]


def _officer(actor: Any) -> service.Officer:
    return service.Officer(name=actor.display_name or "officer", player_id=actor.player_id)


async def _fix(state, actor, *, finding_ids=None, rule=None) -> dict[str, Any]:
    """Run ``drift.mitigate`` as a recorded job now and return what each fix did."""
    run = await run_job(
        state.host,
        MITIGATE_JOB,
        triggered_by=_officer(actor).name,
        kwargs={"finding_ids": finding_ids, "rule": rule, "player_id": actor.player_id},
    )
    if run.status != "succeeded":
        raise Conflict(f"The fix did not run ({run.status}): {(run.error or '').strip().splitlines()[-1:]}")
    async with state.host.db.session() as session:
        events = await service.events_of_run(session, run.id)
    results = [
        {
            "id": e.issue_id,
            "status": "failed" if e.action == "mitigation_failed" else "done",
            "message": e.note,
        }
        for e in events
    ]
    return {"job_run_id": run.id, "counts": run.counts or {}, "results": results}


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/drift", tags=["drift"], dependencies=[Depends(require_officer)])

    @router.get("/rules", name="rules")
    async def rules(state: StateDep, session: SessionDep, actor: Officer):
        """Every rule (name, title, severity, fix policy) with its live counts."""
        counts = await service.rule_counts(session, state.registry)
        return ok(
            {
                "rules": [
                    {
                        "name": r.name,
                        "title": r.title,
                        "severity": r.severity,
                        "description": r.description,
                        "resolves_when": r.resolves_when,
                        "policy": r.policy,
                        "owner": state.registry.owners.get(r.name),
                        **counts.get(r.name, {"open": 0, "dismissed": 0, "fixable": 0}),
                    }
                    for r in state.registry
                ],
                "problems": state.registry.problems,
            }
        )

    @router.get("/findings", name="findings")
    async def findings(
        state: StateDep, session: SessionDep, actor: Officer, filters: Annotated[FindingFilter, Query()]
    ):
        """Findings, newest first, 200 a page (``page``, from 1)."""
        rows = await service.list_findings(
            session,
            rule=filters.rule,
            status=filters.status,
            severity=filters.severity,
            offset=(filters.page - 1) * service.PAGE_LIMIT,
        )
        return ok({"findings": [service.finding_dict(r, state.registry) for r in rows]})

    @router.post("/findings/{finding_id}/fix", name="fix")
    async def fix(finding_id: FindingId, state: StateDep, actor: Officer):
        """Apply (confirm) this finding's fix; 409 with the reason when it cannot be applied."""
        result = await _fix(state, actor, finding_ids=[finding_id])
        if not result["results"]:
            # Skipped (not logged): the finding is open, but its rule has nothing to apply.
            if result["counts"].get("skipped"):
                raise Conflict("This rule has no fix.")
            raise NotFound("No open finding with that id.")
        failed = [r for r in result["results"] if r["status"] == "failed"]
        if failed:
            raise Conflict(failed[0]["message"] or "The fix failed.", details=result)
        return ok(result)

    @router.post("/rules/{rule}/fix-all", name="fix_all")
    async def fix_all(rule: RuleName, state: StateDep, actor: Officer):
        """Apply the fix of every open finding of one rule; each outcome is reported in
        ``results``, the failures' reasons grouped in ``failures``; findings whose fix cannot
        run (no proposal to confirm) are left out: ``counts.skipped`` and ``skipped_reason``."""
        definition = state.registry.get(rule)
        if definition is None:
            raise NotFound("No such rule.")
        if definition.mitigate is None:
            raise Conflict("This rule has no fix.")
        result = await _fix(state, actor, rule=rule)
        skipped = int(result["counts"].get("skipped") or 0)
        # Findings whose fix is known not to run were left out; say why (the rule's one reason).
        result["skipped_reason"] = fix_blocker(definition, None) if skipped else None
        return ok({**result, **service.failure_reasons(result["results"])})

    @router.post("/findings/{finding_id}/dismiss", name="dismiss")
    async def dismiss(finding_id: FindingId, body: ReasonBody, session: SessionDep, actor: Officer):
        row = await service.dismiss(session, finding_id, _officer(actor), body.reason)
        return ok({"id": row.id, "status": row.status})

    @router.post("/findings/{finding_id}/resolve", name="resolve")
    async def resolve(finding_id: FindingId, body: ResolveBody, session: SessionDep, actor: Officer):
        row = await service.resolve(session, finding_id, _officer(actor), body.reason)
        return ok({"id": row.id, "status": row.status})

    @router.post("/report", name="report_backlog")
    async def report_backlog(state: StateDep, session: SessionDep, actor: Officer):
        """Post every rule's open findings to the audit channel in one message (409 without one)."""
        counts = await service.rule_counts(session, state.registry)
        return ok(await report.queue_backlog(session, state.registry, counts))

    @router.post("/scan", name="scan")
    async def scan(state: StateDep, actor: Officer):
        """Run a scan now (a recorded ``drift.scan`` job, under a second) and return its counts."""
        run = await run_job(
            state.host,
            SCAN_JOB,
            trigger="manual",
            triggered_by=_officer(actor).name,
            kwargs={"source": "manual"},
        )
        if run.status != "succeeded":
            raise Conflict(f"The scan did not finish ({run.status}).")
        return ok({"job_run_id": run.id, "counts": run.counts or {}})

    return router
