"""Guild orders: a member asks the guild's crafters for a recipe; open -> claimed -> done.

- The post goes to the officers' chosen crafters' channel through the notification outbox
  (retries, one message per order: the dedupe key is the order id).
- Only crafters who opted in ("ping me for guild orders") are mentioned, each player once
  however many alts know the recipe; the others are listed by name without a ping. The
  original mentioned every linked crafter once per alt and ignored the opt-in (§23.2).
- One order per member and recipe per cooldown (429 with the wait).
- Claim and completion DM the requester through the outbox (DM switch ``crafting``).
- User text in the post cannot ping: ``@`` gets a zero-width space after it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_crafting.models import CANCELLED, CLAIMED, DONE, OPEN, CraftingOrder, Recipe
from patt_crafting.services import catalogue
from patt_crafting.services.settings import load_config
from sv_common import notify
from sv_common.errors import Conflict, Forbidden, NotFound, RateLimited
from sv_common.identity.models import DiscordUser, Player

GOLD = "#d4a84b"
FEATURE = "crafting"
CONTENT_BUDGET = 1900


def _quiet(text: str) -> str:
    """User or game text placed in a Discord message: no mention can fire from it."""
    return text.replace("@", "@\u200b")


async def _discord_ids(session: AsyncSession, player_ids: list[int]) -> dict[int, str]:
    if not player_ids:
        return {}
    rows = await session.execute(
        select(Player.id, DiscordUser.discord_id)
        .join(DiscordUser, DiscordUser.id == Player.discord_user_id)
        .where(Player.id.in_(player_ids), DiscordUser.is_present.is_(True))
    )
    return dict(rows.all())


async def compose_post(
    session: AsyncSession, order: CraftingOrder, recipe: Recipe
) -> tuple[str, dict[str, Any]]:
    """The channel message: who asks, what, the opted-in crafters' mentions (one per player),
    and the other crafters by name."""
    requester = await session.get(Player, order.requester_player_id) if order.requester_player_id else None
    ids = await _discord_ids(session, [requester.id] if requester else [])
    who = (
        f"<@{ids[requester.id]}>"
        if requester and requester.id in ids
        else _quiet(requester.display_name if requester else "A member")
    )
    groups = await catalogue.crafters(session, recipe.id)
    pinged_ids = await _discord_ids(session, [g["player_id"] for g in groups if g["ping"] and g["player_id"]])
    mentions = [f"<@{pinged_ids[g['player_id']]}>" for g in groups if g["player_id"] in pinged_ids]
    others = [_quiet(g["name"]) for g in groups if g["player_id"] not in pinged_ids]
    lines = [f"{who} needs **{order.quantity}× {_quiet(recipe.name)}** — who can make it?"]
    if order.note:
        lines.append("> " + _quiet(order.note).replace("\n", "\n> "))
    if mentions:
        lines.append(" ".join(dict.fromkeys(mentions)))
    if others:
        lines.append(f"*Also known by: {', '.join(others)}*")
    if not groups:
        lines.append("*Nobody in the guild knows this recipe yet (it may need a sync).*")
    content = "\n".join(lines)
    if len(content) > CONTENT_BUDGET:
        content = content[: CONTENT_BUDGET - 1] + "…"
    embed = {
        "title": recipe.name[:256],
        "url": catalogue.wowhead_url(recipe.name),
        "colour": GOLD,
        "fields": [
            {"name": "Quantity", "value": str(order.quantity), "inline": True},
            {"name": "Status", "value": order.status, "inline": True},
        ],
        "footer": {"text": f"Crafting Corner · guild order #{order.id}"},
    }
    return content, embed


async def place_order(
    session: AsyncSession,
    *,
    player_id: int,
    recipe_id: int,
    quantity: int,
    note: str | None,
    cooldown_seconds: int,
    source: str = "web",
    now: datetime | None = None,
) -> CraftingOrder:
    now = now or datetime.now(UTC)
    recipe = await session.get(Recipe, recipe_id)
    if recipe is None:
        raise NotFound("That recipe does not exist.")
    config = await load_config(session)
    if not config.crafters_corner_channel_id:
        raise Conflict(
            "Guild orders are off: no crafters' channel is set (officers: Crafting admin).",
            code="not_configured",
        )
    # Serialise a member's orders so two quick clicks cannot both pass the cooldown.
    await session.get(Player, player_id, with_for_update=True)
    last = await session.scalar(
        select(CraftingOrder.created_at)
        .where(
            CraftingOrder.requester_player_id == player_id,
            CraftingOrder.recipe_id == recipe_id,
            CraftingOrder.status != CANCELLED,
        )
        .order_by(CraftingOrder.created_at.desc())
        .limit(1)
    )
    if last is not None and cooldown_seconds and now - last < timedelta(seconds=cooldown_seconds):
        wait = cooldown_seconds - (now - last).total_seconds()
        raise RateLimited(
            f"You ordered this recipe recently; you can ask again in {max(1, round(wait / 60))} minutes.",
            retry_after=wait,
        )
    note = (note or "").strip() or None
    order = CraftingOrder(
        recipe_id=recipe_id,
        requester_player_id=player_id,
        quantity=quantity,
        note=note,
        status=OPEN,
        channel_id=config.crafters_corner_channel_id,
        source=source,
        created_at=now,
    )
    session.add(order)
    await session.flush()
    content, embed = await compose_post(session, order, recipe)
    await notify.post_channel(
        session,
        channel_id=config.crafters_corner_channel_id,
        content=content,
        embed=embed,
        feature=FEATURE,
        dedupe_key=f"crafting-order:{order.id}",
    )
    return order


async def _order(session: AsyncSession, order_id: int) -> CraftingOrder:
    order = await session.get(CraftingOrder, order_id, with_for_update=True)
    if order is None:
        raise NotFound("That order does not exist.")
    return order


async def _tell_requester(session: AsyncSession, order: CraftingOrder, text: str, step: str) -> None:
    if order.requester_player_id is None:
        return
    await notify.dm_player(
        session,
        player_id=order.requester_player_id,
        content=text,
        feature=FEATURE,
        dedupe_key=f"crafting-order:{order.id}:{step}",
    )


async def claim(session: AsyncSession, order_id: int, player_id: int) -> CraftingOrder:
    order = await _order(session, order_id)
    if order.status != OPEN:
        raise Conflict(f"This order is {order.status} already.", code="order_not_open")
    if order.requester_player_id == player_id:
        raise Conflict("You cannot claim your own order.", code="own_order")
    crafter = await session.get(Player, player_id)
    recipe = await session.get(Recipe, order.recipe_id)
    order.status, order.claimed_by_player_id, order.claimed_at = CLAIMED, player_id, datetime.now(UTC)
    await _tell_requester(
        session,
        order,
        f"{_quiet(crafter.display_name)} is making your {order.quantity}× {_quiet(recipe.name)}.",
        "claimed",
    )
    return order


async def complete(session: AsyncSession, order_id: int, player_id: int) -> CraftingOrder:
    order = await _order(session, order_id)
    if order.status != CLAIMED:
        raise Conflict(
            f"Only a claimed order can be done (this one is {order.status}).", code="order_not_claimed"
        )
    if order.claimed_by_player_id != player_id:
        raise Forbidden("Only the crafter who claimed the order can mark it done.")
    crafter = await session.get(Player, player_id)
    recipe = await session.get(Recipe, order.recipe_id)
    order.status, order.completed_at = DONE, datetime.now(UTC)
    await _tell_requester(
        session,
        order,
        f"Your {order.quantity}× {_quiet(recipe.name)} is ready: ask {_quiet(crafter.display_name)}.",
        "done",
    )
    return order


async def cancel(session: AsyncSession, order_id: int, player_id: int) -> CraftingOrder:
    order = await _order(session, order_id)
    if order.requester_player_id != player_id:
        raise Forbidden("Only the member who placed the order can cancel it.")
    if order.status not in (OPEN, CLAIMED):
        raise Conflict(f"This order is {order.status} already.", code="order_closed")
    order.status = CANCELLED
    return order


def actions_for(order: CraftingOrder, player_id: int | None) -> list[str]:
    if player_id is None:
        return []
    if order.requester_player_id == player_id:
        return ["cancel"] if order.status in (OPEN, CLAIMED) else []
    if order.status == OPEN:
        return ["claim"]
    if order.status == CLAIMED and order.claimed_by_player_id == player_id:
        return ["done"]
    return []


async def list_orders(
    session: AsyncSession, viewer_id: int | None, *, limit: int = 50
) -> list[dict[str, Any]]:
    """Open and claimed orders, and those finished in the last week; newest first."""
    since = datetime.now(UTC) - timedelta(days=7)
    requester = Player.__table__.alias("requester")
    crafter = Player.__table__.alias("crafter")
    rows = await session.execute(
        select(CraftingOrder, Recipe.name, requester.c.display_name, crafter.c.display_name)
        .join(Recipe, Recipe.id == CraftingOrder.recipe_id)
        .outerjoin(requester, requester.c.id == CraftingOrder.requester_player_id)
        .outerjoin(crafter, crafter.c.id == CraftingOrder.claimed_by_player_id)
        .where((CraftingOrder.status.in_((OPEN, CLAIMED))) | (CraftingOrder.created_at >= since))
        .order_by(CraftingOrder.id.desc())
        .limit(limit)
    )
    return [order_dict(order, name, who, by, viewer_id) for order, name, who, by in rows]


def order_dict(
    order: CraftingOrder, recipe: str, requester: str | None, crafter: str | None, viewer_id: int | None
) -> dict[str, Any]:
    return {
        "id": order.id,
        "recipe_id": order.recipe_id,
        "recipe": recipe,
        "quantity": order.quantity,
        "note": order.note,
        "status": order.status,
        "requester": requester,
        "claimed_by": crafter,
        "created_at": order.created_at,
        "actions": actions_for(order, viewer_id),
    }
