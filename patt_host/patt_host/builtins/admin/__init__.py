"""The officers' admin shell (sidebar, dashboard, site settings), the job runs page + API and the
guild's seasons (``seasons.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from patt_host import site_settings
from patt_host.hookspecs import hookimpl
from patt_host.jobs.dispatch import trigger_job
from patt_host.jobs.registry import JOB_NAME_MAX, JOB_NAME_PATTERN
from patt_host.jobs.runner import job_run, recent_runs
from patt_host.types import DashboardItem, MenuLink, Permission
from patt_host.web.auth import Officer, require_officer
from patt_host.web.envelope import ok
from patt_host.web.templates import render
from sv_common.errors import NotFound, ValidationFailed
from sv_common.validation import INT32_MAX


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


def _description(job) -> str:
    # A "module:function" job without a description is not imported to read its docstring:
    # listing the jobs must not load (or fail on) their code.
    if job.description or isinstance(job.func, str):
        return job.description
    return (job.func.__doc__ or "").strip()


def job_list(host) -> list[dict]:
    return [
        {
            "name": name,
            "plugin": registered.plugin,
            "description": _description(registered.job),
            "exclusive": registered.job.exclusive,
            "schedules": [s.cron.expression for s in host.jobs.schedules_for(name)],
        }
        for name, registered in sorted(host.jobs.jobs.items())
    ]


async def job_items(host) -> list[DashboardItem]:
    """Failed job runs among the recent ones, and when the last run ended."""
    runs = await recent_runs(host, limit=50)
    failed = [r for r in runs if r.status == "failed"]
    last = next((r for r in runs if r.finished_at is not None), None)
    detail = f"last: {last.job_name} ({last.status})" if last else "no job has run yet"
    return [
        DashboardItem(
            "Failed job runs (recent 50)",
            len(failed),
            "/admin/jobs",
            severity="danger" if failed else "ok",
            detail=detail,
            order=800,
        )
    ]


class AdminPlugin:
    name = "admin"

    @hookimpl
    def admin_menu_links(self, host):
        links = [MenuLink("Dashboard", "/admin", order=0), MenuLink("Jobs", "/admin/jobs", order=800)]
        if host.site.settings:
            links.append(MenuLink("Site settings", "/admin/settings", order=850))
        return links

    @hookimpl
    def permissions(self, host):
        return [Permission("admin.view", host.officer_level, "See the admin pages and trigger jobs")]

    @hookimpl
    async def admin_dashboard_items(self, host):
        return await job_items(host)

    @hookimpl
    def register_routers(self, host):
        pages = APIRouter(dependencies=[Depends(require_officer)], include_in_schema=False)
        api = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

        @pages.get("/admin", name="admin.dashboard")
        async def dashboard(request: Request, actor: Officer):
            items = await host.hooks.admin_dashboard_items(request, actor)
            return await render(
                request, "admin/dashboard.html", {"status": dict(host.status), "items": items}
            )

        @pages.get("/admin/jobs", name="admin.jobs")
        async def jobs_page(request: Request):
            runs = [run_dict(r) for r in await recent_runs(host, limit=100)]
            return await render(request, "admin/jobs.html", {"jobs": job_list(host), "runs": runs})

        async def settings_page(request: Request, *, values=None, error=None, saved=False, status_code=200):
            context = {
                "settings": host.site.settings,
                "values": values if values is not None else await host.site_settings(),
                "flash_error": error,
                "flash_success": "Settings saved." if saved else None,
            }
            return await render(request, "admin/settings.html", context, status_code=status_code)

        @pages.get("/admin/settings", name="admin.settings")
        async def settings_form(request: Request, saved: str | None = None):
            return await settings_page(request, saved=saved == "1")

        @pages.post("/admin/settings", name="admin.settings_save")
        async def settings_save(request: Request, actor: Officer):
            # Fields are declared by the site, so the form is read as a whole (bounded by the host's body limit).
            form = await request.form()
            submitted = {s.key: form.get(s.key, "") for s in host.site.settings}
            try:
                await site_settings.save(host, submitted, updated_by=actor.display_name)
            except ValidationFailed as exc:
                return await settings_page(request, values=submitted, error=exc.message, status_code=422)
            return RedirectResponse("/admin/settings?saved=1", status_code=303)

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

        @api.get("/runs/{run_id}", name="admin.job_run")
        async def get_run(actor: Officer, run_id: int = Path(ge=1, le=INT32_MAX)):
            """One run, by the id an action that started it answered with (pages follow it)."""
            run = await job_run(host, run_id)
            if run is None:
                raise NotFound(f"No job run #{run_id}.")
            return ok(run_dict(run))

        @api.post("/{name}/run", name="admin.run_job", status_code=202)
        async def run(
            actor: Officer,
            # "<plugin>.<name>": anything else is no job (422, and the 404 echoes only a short name).
            name: str = Path(max_length=JOB_NAME_MAX, pattern=JOB_NAME_PATTERN),
            body: RunRequest | None = None,
        ):
            if host.jobs.get(name) is None:
                raise NotFound(f"No job named {name!r}.")
            result = await trigger_job(
                host, name, triggered_by=actor.display_name, kwargs=(body.kwargs if body else None)
            )
            return ok(result, status_code=202)

        from patt_host.builtins.admin.seasons import build_routers as season_routers

        return [pages, api, *season_routers(host)]
