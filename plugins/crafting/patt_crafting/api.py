"""JSON routes: public reads of the Corner, members' orders and preferences, officers' admin."""

from fastapi import APIRouter

from patt_crafting import schemas
from patt_crafting.services import catalogue, orders, preferences, search
from patt_crafting.services import settings as crafting_config
from patt_host.web import HostDep, Member, Officer, SessionDep, ok

router = APIRouter(tags=["crafting"])
admin_router = APIRouter(tags=["crafting admin"])


@router.get("/api/v1/crafting/professions", name="api_professions")
async def list_professions(session: SessionDep):
    """Professions with their expansions (newest first) and how many recipes the guild knows."""
    return ok(await catalogue.professions(session))


@router.get("/api/v1/crafting/recipes", name="api_recipes")
async def list_recipes(
    session: SessionDep,
    host: HostDep,
    q: schemas.SearchText = None,
    profession: schemas.NameFilter = None,
    expansion: schemas.NameFilter = None,
):
    """``q``: search (2+ characters; case, accents and typos tolerated), best match first.
    Without ``q``: the recipes of ``profession`` + ``expansion``, by name."""
    if q is not None:
        limit = host.plugin_settings("crafting").search_limit
        return ok(await search.search_recipes(session, q, limit=limit))
    if profession and expansion:
        return ok(await catalogue.recipes_in(session, profession, expansion))
    return ok([])


@router.get("/api/v1/crafting/recipes/{recipe_id}", name="api_recipe")
async def get_recipe(recipe_id: schemas.RecipeId, session: SessionDep):
    """A recipe with its crafters, one entry per player (their alts that know it under them)."""
    return ok(await catalogue.recipe_detail(session, recipe_id))


@router.get("/api/v1/crafting/sync-status", name="api_sync_status")
async def sync_status(session: SessionDep, host: HostDep):
    """Season, last sync, the cadence in use and days of daily syncs left."""
    return ok(await crafting_config.public_status(session, host.plugin_settings("crafting").schedule))


@router.get("/api/v1/crafting/preferences", name="api_preferences")
async def get_preferences(actor: Member, session: SessionDep):
    """The member's "ping me for guild orders" switch."""
    return ok({"ping_for_orders": await preferences.ping_enabled(session, actor.player_id)})


@router.put("/api/v1/crafting/preferences", name="api_preferences_set")
async def set_preferences(body: schemas.Preferences, actor: Member, session: SessionDep):
    await preferences.set_ping(session, actor.player_id, body.ping_for_orders)
    return ok({"ping_for_orders": body.ping_for_orders})


@router.post("/api/v1/crafting/orders", name="api_order_place", status_code=201)
async def place_order(body: schemas.NewOrder, actor: Member, session: SessionDep, host: HostDep):
    """Ask the guild's crafters (posted to the crafters' channel; 429 inside the cooldown)."""
    order = await orders.place_order(
        session,
        player_id=actor.player_id,
        recipe_id=body.recipe_id,
        quantity=body.quantity,
        note=body.note,
        cooldown_seconds=host.plugin_settings("crafting").order_cooldown_seconds,
    )
    return ok({"id": order.id, "status": order.status}, status_code=201)


@router.get("/api/v1/crafting/orders", name="api_orders")
async def list_orders(actor: Member, session: SessionDep, host: HostDep):
    """Open and claimed orders (and last week's), with what the member may do to each."""
    is_officer = actor.rank_level >= host.officer_level
    return ok(await orders.list_orders(session, actor.player_id, is_officer=is_officer))


@router.post("/api/v1/crafting/orders/{order_id}/{action}", name="api_order_action")
async def order_action(
    order_id: schemas.OrderId, action: schemas.OrderAction, actor: Member, session: SessionDep, host: HostDep
):
    """``claim`` (a crafter who knows the recipe, or an officer), ``done`` (the crafter who
    claimed it, or an officer), ``cancel`` (the requester)."""
    step = {"claim": orders.claim, "done": orders.complete, "cancel": orders.cancel}[action]
    order = await step(session, order_id, actor.player_id, is_officer=actor.rank_level >= host.officer_level)
    return ok({"id": order.id, "status": order.status})


# --- officers ---------------------------------------------------------------------------------


@admin_router.get("/api/v1/crafting/admin/status", name="api_admin_status")
async def admin_status(actor: Officer, session: SessionDep, host: HostDep):
    """Everything the admin page shows: config, cadence, season, channels, recent runs."""
    return ok(await crafting_config.admin_status(session, host.plugin_settings("crafting").schedule))


@admin_router.patch("/api/v1/crafting/admin/config", name="api_admin_config")
async def change_config(body: schemas.ConfigChange, actor: Officer, session: SessionDep, host: HostDep):
    """The crafters' channel (a synced channel) and the daily-cadence override."""
    fields = body.model_fields_set
    if "crafters_corner_channel_id" in fields:
        await crafting_config.set_channel(session, body.crafters_corner_channel_id)
    if "cadence_override_until" in fields:
        await crafting_config.set_override(session, body.cadence_override_until)
    return ok(await crafting_config.admin_status(session, host.plugin_settings("crafting").schedule))


@admin_router.post("/api/v1/crafting/admin/sync", name="api_admin_sync", status_code=202)
async def force_refresh(actor: Officer, host: HostDep):
    """Force refresh: sync now, whatever the cadence says (409 without Blizzard credentials)."""
    return ok(await crafting_config.trigger_sync(host, triggered_by=actor.display_name), status_code=202)
