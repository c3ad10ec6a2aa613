"""The public ``/roster`` page, and the identity plugin's sections of a site's home page
(``home_recruiting``, ``home_officers`` slots).

All read the cached roster snapshot, so the home page costs no roster query of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from markupsafe import Markup

from patt_host.web import render
from patt_identity.roster.services.recruiting import officers, role_cards, role_counts, role_targets
from patt_identity.roster.services.snapshot import roster_snapshot, snapshot_part, splice_page
from patt_identity.state import RuntimeDep, runtime_for

if TYPE_CHECKING:
    from patt_host import HostAPI

HOME_SLOTS = {
    "home_recruiting": "identity/_home_recruiting.html",
    "home_officers": "identity/_home_officers.html",
}
# Where the cached roster body goes into the rendered page (see snapshot.splice_page).
ROSTER_MARKER = "<!--identity:roster-body-->"


async def home_slot(slot: str, request: Any, host: HostAPI) -> Markup:
    rt = runtime_for(host)
    data = (await roster_snapshot(rt)).data
    context: dict[str, Any] = {"roster": data}
    if slot == "home_recruiting":
        targets = role_targets(await host.site_settings())
        context["cards"] = role_cards(role_counts(data), targets)
        context["has_targets"] = targets is not None
    else:
        context["officers"] = officers(data, host.officer_level)
    html = await request.app.state.jinja.get_template(HOME_SLOTS[slot]).render_async(context)
    return Markup(html)


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/roster", name="roster")
    async def roster_page(request: Request, rt: RuntimeDep):
        snapshot = await roster_snapshot(rt)
        part = await snapshot_part(request, snapshot, rt)
        context = {"roster_html": Markup(ROSTER_MARKER), "generated_at": snapshot.data["generated_at"]}
        response = await render(request, "identity/roster.html", context)
        return splice_page(request, response, ROSTER_MARKER, part)

    return router
