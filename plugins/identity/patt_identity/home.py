"""The identity plugin's sections of a site's home page (``home_recruiting``, ``home_officers`` slots).

Both read the cached roster snapshot, so the home page costs no roster query of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from patt_identity.recruiting import officers, role_cards, role_counts, role_targets
from patt_identity.roster_service import roster_snapshot
from patt_identity.runtime import runtime_for

if TYPE_CHECKING:
    from patt_host import HostAPI

HOME_SLOTS = {
    "home_recruiting": "identity/_home_recruiting.html",
    "home_officers": "identity/_home_officers.html",
}


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
