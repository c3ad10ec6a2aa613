"""The officers' Data Quality page: ``/admin/data-quality``."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from patt_drift.schemas import FindingFilter
from patt_drift.services import findings as service
from patt_drift.services.charts import trend_line
from patt_drift.services.registry import fix_blocker
from patt_drift.state import StateDep
from patt_host.web import Officer, SessionDep, render, require_officer


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_officer)])

    @router.get("/admin/data-quality", name="page")
    async def page(
        request: Request,
        actor: Officer,
        session: SessionDep,
        state: StateDep,
        filters: Annotated[FindingFilter, Query()],
    ):
        registry = state.registry
        counts = await service.rule_counts(session, registry)
        history = await service.trend(session)
        rules = []
        for rule in registry:
            series = [point.get(rule.name, 0) for _at, point in history]
            rules.append(
                {
                    "rule": rule,
                    "owner": registry.owners.get(rule.name),
                    "counts": counts.get(rule.name, {"open": 0, "dismissed": 0, "fixable": 0}),
                    # Why "Fix all" has nothing to do although findings are open.
                    "fix_all_blocked": fix_blocker(rule, None),
                    "chart": trend_line(
                        series, title=f"{rule.title}: open findings", width=160, height=32, css="drift-spark"
                    ),
                }
            )
        total = trend_line([sum(point.values()) for _at, point in history], title="Open findings, all rules")
        listed = await service.findings_page(
            session,
            registry,
            rule=filters.rule,
            status=filters.status,
            severity=filters.severity,
            page=filters.page,
        )
        return await render(
            request,
            "drift/admin.html",
            {
                "rules": rules,
                "total_chart": total,
                "since": history[0][0] if history else None,
                "coverage": await service.coverage(session),
                "findings": listed["findings"],
                "paging": listed,
                "filters": filters,
                "log": await service.audit_log(session),
                "problems": registry.problems,
            },
        )

    return router
