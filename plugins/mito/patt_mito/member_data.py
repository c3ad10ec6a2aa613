"""A member's data in Mito's corner: the quotes and titles they added (export) and forgetting
who added them (delete my account). The quotes and titles stay: they are Mito's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_mito.models import MitoQuote, MitoTitle


async def export_player(session: AsyncSession, player_id: int) -> dict[str, Any] | None:
    quotes = (await session.scalars(select(MitoQuote).where(MitoQuote.added_by_player_id == player_id))).all()
    titles = (await session.scalars(select(MitoTitle).where(MitoTitle.added_by_player_id == player_id))).all()
    if not quotes and not titles:
        return None
    return {"quotes_added": [q.quote for q in quotes], "titles_added": [t.title for t in titles]}


async def forget_player(session: AsyncSession, player_id: int) -> int:
    """The quotes stay (they are Mito's); only the link to who added them goes."""
    count = 0
    for model in (MitoQuote, MitoTitle):
        result = await session.execute(
            update(model).where(model.added_by_player_id == player_id).values(added_by_player_id=None)
        )
        count += result.rowcount
    return count
