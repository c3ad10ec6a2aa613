"""HTML pages: the Crafting Corner (public), the officers' admin page, the profile toggle."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from patt_crafting.services import catalogue
from patt_crafting.services import settings as crafting_config
from patt_host.web import HostDep, SessionDep, render, render_fragment, require_officer

router = APIRouter(include_in_schema=False)


@router.get("/crafting", name="corner")
async def corner(request: Request, session: SessionDep, host: HostDep):
    schedule = host.plugin_settings("crafting").schedule
    return await render(
        request,
        "crafting/corner.html",
        {
            "professions": await catalogue.professions(session),
            "status": await crafting_config.public_status(session, schedule),
        },
    )


@router.get("/crafting-corner", name="corner_legacy")
async def corner_legacy():
    """The original site's address."""
    return RedirectResponse("/crafting", status_code=301)


@router.get("/admin/crafting", name="admin_page", dependencies=[Depends(require_officer)])
async def admin_page(request: Request, session: SessionDep, host: HostDep):
    schedule = host.plugin_settings("crafting").schedule
    guild_sync = host.plugin_state("guild_sync")
    blizzard = guild_sync.blizzard_settings()
    return await render(
        request,
        "crafting/admin.html",
        {
            "status": await crafting_config.admin_status(session, schedule),
            "configured": blizzard.configured,
            "missing": blizzard.missing(),
            # `patt demo` serving: the syncs go to its in-process fake Battle.net (as guild sync says).
            "demo": guild_sync.battlenet_demo,
        },
    )


async def profile_section(request: Request, context: dict, host) -> str:
    """The "ping me for guild orders" toggle on identity's profile page."""
    actor = context.get("actor")
    player_id = getattr(actor, "player_id", None)
    if player_id is None:
        return ""
    from sv_common.identity.models import Player

    async with host.db.session() as session:
        player = await session.get(Player, player_id)
        enabled = bool(player and player.crafting_notifications_enabled)
        orders_open = bool((await crafting_config.load_config(session)).crafters_corner_channel_id)
    return await render_fragment(
        request,
        "crafting/_profile.html",
        {"ping_for_orders": enabled, "orders_open": orders_open, **context},
    )
