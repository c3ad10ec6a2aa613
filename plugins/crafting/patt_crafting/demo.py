"""Demo data through the real profession sync: ``patt demo`` serves the demo guild's
professions from the same in-process fake Battle.net as guild_sync's demo roster sync, and
runs the crafting job against it (guild_sync points every Blizzard sync at the fake for the
block). The admin page then shows that run, its counts and the cadence like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_crafting.models import CraftingSyncRun
from patt_crafting.services import preferences
from patt_guild_sync.demo import DEMO_GUILD_SLUG, demo_battlenet
from patt_host.jobs import run_job
from sv_common.identity.models import Player
from sv_common.testing.fake_battlenet import recorded

if TYPE_CHECKING:
    from patt_host import HostAPI

SYNC_JOB = "crafting.sync_professions"
# A catalogue the size of a real guild's crafting (a few thousand recipes across expansions);
# each character knows about a tenth of its two professions' recipes.
DEMO_RECIPES = 1500
DEMO_SHARE = 0.1
# Every few players asks to be pinged for guild orders (the profile's switch).
PING_EVERY = 3


async def seed_demo_crafting(session: AsyncSession, host: HostAPI) -> str | None:
    runs = await session.scalar(select(func.count()).select_from(CraftingSyncRun))
    if runs:
        return f"professions already synced ({runs} runs)"
    async with demo_battlenet(session, host) as (fake, realm):
        fake.generate_professions(realm, DEMO_GUILD_SLUG, recipes=DEMO_RECIPES, share=DEMO_SHARE)
        # The guild master answers with a real recorded professions response.
        leader = fake.guild(realm, DEMO_GUILD_SLUG).members[0]
        fake.set_professions(leader, recorded("wow_character_professions")["exchanges"][0]["body"])
        run = await run_job(host, SYNC_JOB, trigger="demo", triggered_by="patt demo")
    if run.status != "succeeded":
        return f"demo profession sync failed: {(run.error or '').strip().splitlines()[-1:]}"
    players = list(
        await session.scalars(select(Player.id).where(Player.is_active.is_(True)).order_by(Player.id))
    )
    for player_id in players[::PING_EVERY]:
        await preferences.set_ping(session, player_id, True)
    counts = run.counts or {}
    return (
        f"synced the professions of {counts.get('characters', 0)} characters from the fake Battle.net "
        f"({counts.get('recipes_added', 0)} known recipes recorded), {len(players[::PING_EVERY])} crafters opted in to pings"
    )
