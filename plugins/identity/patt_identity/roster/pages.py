"""The public ``/roster`` page, and the identity plugin's sections of a site's home page
(``home_recruiting``, ``home_officers`` slots).

All read the cached roster snapshot, so the home page costs no roster query of its own.
"""

from typing import Any

from fastapi import APIRouter, Request, Response
from markupsafe import Markup

from patt_host import HostAPI
from patt_host.web import render, render_fragment
from patt_identity.deps import accepts_gzip
from patt_identity.roster.services.cache import RosterSnapshot
from patt_identity.roster.services.gzip_splice import Precompressed, gzip_join
from patt_identity.roster.services.recruiting import (
    officers,
    role_cards,
    role_counts,
    role_specs,
    role_targets,
    wowhead_comp_url,
)
from patt_identity.roster.services.snapshot import class_colours, roster_snapshot
from patt_identity.state import IdentityState, StateDep

HOME_SLOTS = {
    "home_recruiting": "identity/_home_recruiting.html",
    "home_officers": "identity/_home_officers.html",
}
# Where the cached roster body goes into the rendered page (see splice_page).
ROSTER_MARKER = "<!--identity:roster-body-->"


async def home_slot(slot: str, request: Any, host: HostAPI) -> Markup:
    state = host.plugin_state("identity")
    data = (await roster_snapshot(state)).data
    context: dict[str, Any] = {"roster": data}
    if slot == "home_recruiting":
        targets = role_targets(await host.site_settings())
        context["cards"] = role_cards(role_counts(data), targets)
        context["has_targets"] = targets is not None
    else:
        context["officers"] = officers(data, host.officer_level)
    return await render_fragment(request, HOME_SLOTS[slot], context)


async def snapshot_part(request: Request, snapshot: RosterSnapshot, state: IdentityState) -> Precompressed:
    """The roster's table and chart (no per-visitor content), rendered and compressed once per snapshot.

    The role targets are officer settings; saving them emits ``site.settings_changed``,
    which drops the snapshot (see ``events.ROSTER_EVENTS``).
    """
    if snapshot.html_part is None:
        data = snapshot.data
        context = {
            "roster": data,
            "class_colours": class_colours(data),
            "cards": role_cards(
                role_counts(data), role_targets(await state.host.site_settings()), role_specs(data)
            ),
            "wowhead_url": wowhead_comp_url(data),
        }
        html = await render_fragment(request, "identity/_roster_body.html", context)
        snapshot.html_part = Precompressed.of(html.encode())
    return snapshot.html_part


def splice_page(request: Request, response: Response, marker: str, part: Precompressed) -> Response:
    """Put the cached roster body where ``marker`` is in the rendered page; gzip when accepted.

    Only the small per-visitor shell is compressed per request (see ``gzip_splice``).
    """
    prefix, found, suffix = response.body.partition(marker.encode())
    if not found:
        raise RuntimeError(f"the roster page template lost its {marker!r} marker")
    if accepts_gzip(request):
        body = gzip_join(prefix, part, suffix)
        response.headers["content-encoding"] = "gzip"
    else:
        body = b"".join((prefix, part.data, suffix))
    response.body = body
    response.headers["content-length"] = str(len(body))
    response.headers["vary"] = "Accept-Encoding"
    return response


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/roster", name="roster")
    async def roster_page(request: Request, state: StateDep):
        snapshot = await roster_snapshot(state)
        part = await snapshot_part(request, snapshot, state)
        context = {"roster_html": Markup(ROSTER_MARKER), "generated_at": snapshot.data["generated_at"]}
        response = await render(request, "identity/roster.html", context)
        return splice_page(request, response, ROSTER_MARKER, part)

    return router
