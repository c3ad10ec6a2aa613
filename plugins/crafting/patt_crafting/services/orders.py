"""Guild orders: a member asks the guild's crafters for a recipe; open -> claimed -> done.

- The post goes to the officers' chosen crafters' channel through the notification outbox
  (retries, one message per order: the dedupe key is the order id).
- Only crafters who opted in ("ping me for guild orders") are mentioned, each player once
  however many alts know the recipe; the others are listed by name without a ping. The
  original mentioned every linked crafter once per alt and ignored the opt-in (§23.2).
- One order per member and recipe per cooldown (429 with the wait), from the page or
  ``/crafting order``.
- The post carries a Claim button while open and a Done button while claimed; their
  ``custom_id`` (:func:`button_id`) names the order, and the bot answers them through a
  persistent item (so a post made before a bot restart still works). Any status change,
  from the site or from Discord, queues an edit of the post (the outbox retries it).
- Only a crafter (a current character of theirs knows the recipe) or an officer may claim;
  the crafter who claimed it or an officer marks it done.
- Claim and completion DM the requester through the outbox (DM switch ``crafting``).
- User text in the post cannot ping: ``@`` gets a zero-width space after it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_crafting.models import CANCELLED, CLAIMED, DONE, OPEN, CharacterRecipe, CraftingOrder, Recipe
from patt_crafting.services import catalogue
from patt_crafting.services.settings import load_config
from sv_common import notify
from sv_common.errors import Conflict, Forbidden, NotFound, RateLimited
from sv_common.identity.models import DiscordUser, GuildRank, Player, PlayerCharacter, WowCharacter
from sv_common.notify.models import NotificationOutbox
from sv_common.validation import is_blank

GOLD = "#d4a84b"
STATUS_COLOURS = {OPEN: GOLD, CLAIMED: "#3b82f6", DONE: "#22c55e", CANCELLED: "#6b7280"}
FEATURE = "crafting"
CONTENT_BUDGET = 1900
# The buttons' custom_id: "crafting:order:<id>:claim|done" (the bot's persistent item parses it).
BUTTON_PATTERN = r"crafting:order:(?P<order_id>[0-9]{1,10}):(?P<action>claim|done)"
BUTTONS = {OPEN: ("claim", "Claim", "primary"), CLAIMED: ("done", "Done", "success")}


def button_id(order_id: int, action: str) -> str:
    return f"crafting:order:{order_id}:{action}"


def post_key(order_id: int) -> str:
    """The outbox key of an order's channel post (one post per order; edits find it by it)."""
    return f"crafting-order:{order_id}"


def buttons(order: CraftingOrder) -> list[list[dict[str, Any]]]:
    """The post's button for the order's next step (none once it is done or cancelled)."""
    if order.status not in BUTTONS:
        return []
    action, label, style = BUTTONS[order.status]
    return [[{"label": label, "style": style, "custom_id": button_id(order.id, action)}]]


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
    claimer = await session.get(Player, order.claimed_by_player_id) if order.claimed_by_player_id else None
    fields = [
        {"name": "Quantity", "value": str(order.quantity), "inline": True},
        {"name": "Status", "value": order.status, "inline": True},
    ]
    if claimer is not None:
        fields.append({"name": "Crafter", "value": _quiet(claimer.display_name)[:1024], "inline": True})
    embed = {
        "title": recipe.name[:256],
        "url": catalogue.wowhead_url(recipe.name),
        "colour": STATUS_COLOURS.get(order.status, GOLD),
        "fields": fields,
        "footer": {"text": f"Crafting Corner · guild order #{order.id}"},
    }
    return content, embed


async def _refresh_post(session: AsyncSession, order: CraftingOrder) -> None:
    """Queue the post's new version (status, crafter, the next button)."""
    post_id = await session.scalar(
        select(NotificationOutbox.id).where(NotificationOutbox.dedupe_key == post_key(order.id))
    )
    if post_id is None:
        return  # the post is gone from the outbox (e.g. deleted with its member's data)
    recipe = await session.get(Recipe, order.recipe_id)
    content, embed = await compose_post(session, order, recipe)
    await notify.edit_message(
        session,
        notification_id=post_id,
        content=content,
        embed=embed,
        buttons=buttons(order),
        feature=FEATURE,
    )


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
    note = (note or "").strip()
    note = None if is_blank(note) else note
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
        buttons=buttons(order),
        feature=FEATURE,
        dedupe_key=post_key(order.id),
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


async def knows_recipe(session: AsyncSession, player_id: int, recipe_id: int) -> bool:
    """Whether one of the player's current characters knows the recipe."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    PlayerCharacter.player_id == player_id,
                    CharacterRecipe.character_id == PlayerCharacter.character_id,
                    CharacterRecipe.recipe_id == recipe_id,
                    WowCharacter.id == PlayerCharacter.character_id,
                    WowCharacter.removed_at.is_(None),
                )
            )
        )
    )


async def claim(session: AsyncSession, order_id: int, player_id: int, *, is_officer: bool) -> CraftingOrder:
    """A crafter (or an officer, on a crafter's behalf) takes the order."""
    order = await _order(session, order_id)
    if order.status != OPEN:
        raise Conflict(f"This order is {order.status} already.", code="order_not_open")
    if order.requester_player_id == player_id:
        raise Conflict("You cannot claim your own order.", code="own_order")
    if not is_officer and not await knows_recipe(session, player_id, order.recipe_id):
        raise Forbidden("Only a crafter who knows this recipe (or an officer) can claim the order.")
    crafter = await session.get(Player, player_id)
    recipe = await session.get(Recipe, order.recipe_id)
    order.status, order.claimed_by_player_id, order.claimed_at = CLAIMED, player_id, datetime.now(UTC)
    await _tell_requester(
        session,
        order,
        f"{_quiet(crafter.display_name)} is making your {order.quantity}× {_quiet(recipe.name)}.",
        "claimed",
    )
    await _refresh_post(session, order)
    return order


async def complete(
    session: AsyncSession, order_id: int, player_id: int, *, is_officer: bool
) -> CraftingOrder:
    """The crafter who claimed the order (or an officer) marks it done."""
    order = await _order(session, order_id)
    if order.status != CLAIMED:
        raise Conflict(
            f"Only a claimed order can be done (this one is {order.status}).", code="order_not_claimed"
        )
    if order.claimed_by_player_id != player_id and not is_officer:
        raise Forbidden("Only the crafter who claimed the order can mark it done.")
    crafter = await session.get(Player, order.claimed_by_player_id) if order.claimed_by_player_id else None
    recipe = await session.get(Recipe, order.recipe_id)
    order.status, order.completed_at = DONE, datetime.now(UTC)
    who = f"ask {_quiet(crafter.display_name)}" if crafter is not None else "ask your crafter"
    await _tell_requester(
        session, order, f"Your {order.quantity}× {_quiet(recipe.name)} is ready: {who}.", "done"
    )
    await _refresh_post(session, order)
    return order


async def cancel(
    session: AsyncSession, order_id: int, player_id: int, *, is_officer: bool = False
) -> CraftingOrder:
    order = await _order(session, order_id)
    if order.requester_player_id != player_id:
        raise Forbidden("Only the member who placed the order can cancel it.")
    if order.status not in (OPEN, CLAIMED):
        raise Conflict(f"This order is {order.status} already.", code="order_closed")
    order.status = CANCELLED
    await _refresh_post(session, order)
    return order


async def player_for_discord(session: AsyncSession, discord_id: int | str) -> tuple[int, int] | None:
    """(player id, rank level) of the active player linked to a Discord account, if any."""
    row = (
        await session.execute(
            select(Player.id, GuildRank.level)
            .join(DiscordUser, DiscordUser.id == Player.discord_user_id)
            .outerjoin(GuildRank, GuildRank.id == Player.guild_rank_id)
            .where(DiscordUser.discord_id == str(discord_id), Player.is_active.is_(True))
        )
    ).first()
    return None if row is None else (row[0], row[1] or 0)


def actions_for(
    order: CraftingOrder, player_id: int | None, *, can_claim: bool, is_officer: bool
) -> list[str]:
    """What the viewer may do to the order (the buttons the page shows)."""
    if player_id is None:
        return []
    if order.requester_player_id == player_id:
        return ["cancel"] if order.status in (OPEN, CLAIMED) else []
    if order.status == OPEN and (can_claim or is_officer):
        return ["claim"]
    if order.status == CLAIMED and (order.claimed_by_player_id == player_id or is_officer):
        return ["done"]
    return []


async def _known_recipes(session: AsyncSession, player_id: int | None, recipe_ids: set[int]) -> set[int]:
    if player_id is None or not recipe_ids:
        return set()
    rows = await session.scalars(
        select(CharacterRecipe.recipe_id)
        .join(PlayerCharacter, PlayerCharacter.character_id == CharacterRecipe.character_id)
        .join(WowCharacter, WowCharacter.id == CharacterRecipe.character_id)
        .where(
            PlayerCharacter.player_id == player_id,
            CharacterRecipe.recipe_id.in_(recipe_ids),
            WowCharacter.removed_at.is_(None),
        )
    )
    return set(rows)


async def list_orders(
    session: AsyncSession, viewer_id: int | None, *, is_officer: bool = False, limit: int = 50
) -> list[dict[str, Any]]:
    """Open and claimed orders, and those finished in the last week; newest first."""
    since = datetime.now(UTC) - timedelta(days=7)
    requester = Player.__table__.alias("requester")
    crafter = Player.__table__.alias("crafter")
    rows = (
        await session.execute(
            select(CraftingOrder, Recipe.name, requester.c.display_name, crafter.c.display_name)
            .join(Recipe, Recipe.id == CraftingOrder.recipe_id)
            .outerjoin(requester, requester.c.id == CraftingOrder.requester_player_id)
            .outerjoin(crafter, crafter.c.id == CraftingOrder.claimed_by_player_id)
            .where((CraftingOrder.status.in_((OPEN, CLAIMED))) | (CraftingOrder.created_at >= since))
            .order_by(CraftingOrder.id.desc())
            .limit(limit)
        )
    ).all()
    known = await _known_recipes(session, viewer_id, {order.recipe_id for order, *_ in rows})
    return [
        order_dict(
            order,
            name,
            who,
            by,
            actions_for(order, viewer_id, can_claim=order.recipe_id in known, is_officer=is_officer),
        )
        for order, name, who, by in rows
    ]


def order_dict(
    order: CraftingOrder, recipe: str, requester: str | None, crafter: str | None, actions: list[str]
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
        "actions": actions,
    }
