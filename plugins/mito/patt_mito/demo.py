"""Demo data for ``patt demo``: a few quotes and titles, added through the service like an
officer's import."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_mito import service
from patt_mito.models import MitoQuote

DEMO_QUOTES = [
    "Pull all the things. Then pull the rest.",
    "Wipes are just data with feelings.",
    "If the tank is dead, it was the healer's idea.",
]
DEMO_TITLES = ["the Unpullable", "Keeper of the Soulstone", "Herald of the Wipe"]


async def seed_demo(session: AsyncSession) -> str:
    if await session.scalar(select(func.count()).select_from(MitoQuote)):
        return "already seeded"
    quotes = await service.import_lines(session, "quotes", DEMO_QUOTES)
    titles = await service.import_lines(session, "titles", DEMO_TITLES)
    return f"{quotes['added']} quotes, {titles['added']} titles"
