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
from patt_crafting.services import settings as crafting_config
from patt_guild_sync.demo import DEMO_GUILD_SLUG, demo_battlenet
from patt_host.jobs import run_job
from patt_identity.demo import demo_realm
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
# The #crafters channel of patt_host's Discord demo (its CRAFTERS_ID; a plugin cannot import the
# host's internals): the bot's channel sync lists it on the admin page once the demo serves.
DEMO_CRAFTERS_CHANNEL_ID = "700000000000000204"


def _give_professions(fake, realm: str) -> None:
    """The demo guild's professions on the fake Battle.net, the same every time."""
    fake.generate_professions(realm, DEMO_GUILD_SLUG, recipes=DEMO_RECIPES, share=DEMO_SHARE)
    # The guild master answers with a real recorded professions response.
    leader = fake.guild(realm, DEMO_GUILD_SLUG).members[0]
    fake.set_professions(leader, recorded("wow_character_professions")["exchanges"][0]["body"])


def serve_demo_professions(host: HostAPI) -> None:
    """``patt demo`` serving: the fake Battle.net guild_sync serves (the source of every sync
    while the demo runs) answers with the professions the seed synced, so a Force refresh
    finds the Corner as it is instead of every crafter knowing one recorded character's recipes."""
    fake = host.plugin_state("guild_sync").served_battlenet
    if fake is not None:
        _give_professions(fake, demo_realm(host))


async def _demo_crafters_channel(session: AsyncSession, host: HostAPI) -> str:
    """Guild orders on: the crafters' channel of the demo's fake Discord, unless the demo has a
    real bot (its guild's channels are not the fake's) or an officer already chose one."""
    config = await crafting_config.load_config(session)
    if host.settings.discord_bot_token is None and not config.crafters_corner_channel_id:
        config.crafters_corner_channel_id = DEMO_CRAFTERS_CHANNEL_ID
    return (
        "guild orders on" if config.crafters_corner_channel_id else "guild orders off (no crafters' channel)"
    )


async def seed_demo_crafting(session: AsyncSession, host: HostAPI) -> str | None:
    runs = await session.scalar(select(func.count()).select_from(CraftingSyncRun))
    if runs:
        return f"professions already synced ({runs} runs); {await _demo_crafters_channel(session, host)}"
    async with demo_battlenet(session, host) as (fake, realm):
        _give_professions(fake, realm)
        run = await run_job(host, SYNC_JOB, trigger="demo", triggered_by="patt demo")
    if run.status != "succeeded":
        return f"demo profession sync failed: {(run.error or '').strip().splitlines()[-1:]}"
    players = list(
        await session.scalars(select(Player.id).where(Player.is_active.is_(True)).order_by(Player.id))
    )
    for player_id in players[::PING_EVERY]:
        await preferences.set_ping(session, player_id, True)
    # After the run: this session's write to the config row would hold the lock the sync takes.
    orders = await _demo_crafters_channel(session, host)
    counts = run.counts or {}
    known = await crafting_config.known_totals(session)  # the admin page's "Known now", worded alike
    return (
        f"synced the professions of {counts.get('characters', 0)} characters from the fake Battle.net "
        f"({known['recipes']} distinct recipes, {known['pairs']} character–recipe pairs), "
        f"{len(players[::PING_EVERY])} crafters opted in to pings; {orders}"
    )
