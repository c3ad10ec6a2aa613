"""The officers' admin shell (sidebar, dashboard) and the job runs page + API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from patt_host.hookspecs import hookimpl
from patt_host.jobs.dispatch import trigger_job
from patt_host.jobs.runner import recent_runs
from patt_host.types import MenuLink, Permission
from patt_host.web.auth import Officer, require_officer
from patt_host.web.envelope import ok
from patt_host.web.templates import render
from sv_common.errors import NotFound


class RunRequest(BaseModel):
    kwargs: dict = Field(default_factory=dict)


def run_dict(run) -> dict:
    return {
        "id": run.id,
        "job": run.job_name,
        "trigger": run.trigger,
        "triggered_by": run.triggered_by,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": run.counts or {},
        "error": run.error,
    }


def job_list(host) -> list[dict]:
    return [
        {
            "name": name,
            "plugin": registered.plugin,
            "description": registered.job.description or (registered.job.func.__doc__ or "").strip(),
            "exclusive": registered.job.exclusive,
            "schedules": [s.cron.expression for s in host.jobs.schedules_for(name)],
        }
        for name, registered in sorted(host.jobs.jobs.items())
    ]


class AdminPlugin:
    name = "admin"

    @hookimpl
    def admin_menu_links(self):
        return [MenuLink("Dashboard", "/admin", order=0), MenuLink("Jobs", "/admin/jobs", order=800)]

    @hookimpl
    def permissions(self, host):
        return [Permission("admin.view", host.officer_level, "See the admin pages and trigger jobs")]

    @hookimpl
    def register_routers(self, host):
        pages = APIRouter(dependencies=[Depends(require_officer)], include_in_schema=False)
        api = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

        @pages.get("/admin", name="admin.dashboard")
        async def dashboard(request: Request):
            return await render(request, "admin/dashboard.html", {"status": dict(host.status)})

        @pages.get("/admin/jobs", name="admin.jobs")
        async def jobs_page(request: Request):
            runs = [run_dict(r) for r in await recent_runs(host, limit=100)]
            return await render(request, "admin/jobs.html", {"jobs": job_list(host), "runs": runs})

        @api.get("", name="admin.jobs_api")
        async def list_jobs(actor: Officer):
            return ok({"jobs": job_list(host), "runner": host.status.get("scheduler")})

        @api.get("/runs", name="admin.job_runs")
        async def list_runs(
            actor: Officer,
            job: str | None = Query(None, max_length=100),
            limit: int = Query(50, ge=1, le=500),
        ):
            return ok([run_dict(r) for r in await recent_runs(host, job_name=job, limit=limit)])

        @api.post("/{name}/run", name="admin.run_job", status_code=202)
        async def run(name: str, actor: Officer, body: RunRequest | None = None):
            if host.jobs.get(name) is None:
                raise NotFound(f"No job named {name!r}.")
            result = await trigger_job(
                host, name, triggered_by=actor.display_name, kwargs=(body.kwargs if body else None)
            )
            return ok(result, status_code=202)

        return [pages, api]
