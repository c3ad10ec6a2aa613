"""What the crafting plugin stores about a player: their guild orders and the mention opt-in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_crafting.models import CraftingOrder, Recipe
from sv_common.identity.models import Player


async def export_crafting(session: AsyncSession, player_id: int) -> dict[str, Any]:
    player = await session.get(Player, player_id)
    rows = await session.execute(
        select(CraftingOrder, Recipe.name)
        .join(Recipe, Recipe.id == CraftingOrder.recipe_id)
        .where(
            (CraftingOrder.requester_player_id == player_id)
            | (CraftingOrder.claimed_by_player_id == player_id)
        )
        .order_by(CraftingOrder.id)
    )
    orders = [
        {
            "id": order.id,
            "recipe": name,
            "quantity": order.quantity,
            "note": order.note,
            "status": order.status,
            "role": "requester" if order.requester_player_id == player_id else "crafter",
            "created_at": order.created_at.isoformat(),
            "claimed_at": order.claimed_at.isoformat() if order.claimed_at else None,
            "completed_at": order.completed_at.isoformat() if order.completed_at else None,
        }
        for order, name in rows
    ]
    return {
        "ping_for_guild_orders": bool(player and player.crafting_notifications_enabled),
        "orders": orders,
    }


async def delete_crafting(session: AsyncSession, player_id: int) -> int:
    """Orders the player placed are deleted (their note is theirs); orders they crafted lose
    the crafter's name; the opt-in is switched off."""
    placed = await session.execute(
        delete(CraftingOrder).where(CraftingOrder.requester_player_id == player_id)
    )
    crafted = await session.execute(
        update(CraftingOrder)
        .where(CraftingOrder.claimed_by_player_id == player_id)
        .values(claimed_by_player_id=None)
    )
    await session.execute(
        update(Player).where(Player.id == player_id).values(crafting_notifications_enabled=False)
    )
    return (placed.rowcount or 0) + (crafted.rowcount or 0)
