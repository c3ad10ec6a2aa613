"""The officers' onboarding page (``/admin/onboarding``) and the queue counts shown on the
Discord settings page (its ``admin_discord`` slot)."""

from fastapi import APIRouter, Depends, Request

from patt_host import DashboardItem
from patt_host.web import Officer, SessionDep, render, render_fragment, require_officer
from patt_onboarding.services import queue

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_officer)])


@router.get("/admin/onboarding", name="admin")
async def admin_page(request: Request, actor: Officer, session: SessionDep):
    return await render(
        request,
        "onboarding/admin.html",
        {
            "counts": await queue.counts(session),
            "open_sessions": await queue.open_queue(session),
            "closed_sessions": await queue.recently_closed(session),
        },
    )


async def discord_counts(request: Request, host) -> str:
    async with host.db.session() as session:
        counts = await queue.counts(session)
    return await render_fragment(request, "onboarding/_discord_counts.html", {"counts": counts})


async def dashboard_items(host) -> list[DashboardItem]:
    async with host.db.session() as session:
        counts = await queue.counts(session)
    severity = "danger" if counts["overdue"] else ("info" if counts["open"] else "ok")
    detail = f"{counts['overdue']} overdue" if counts["overdue"] else ""
    return [
        DashboardItem("Onboarding open", counts["open"], "/admin/onboarding", severity, detail, order=160)
    ]
