"""Demo data for ``patt demo``: a live campaign with ballots and a closed one with results,
made through the same services as the pages (create, add entries, activate, vote, close).

The live campaign stays open for whoever logs in: members with a website account (the
officer, anyone invited) have not voted, and it does not close early when everyone listed
has, so a newcomer can always try voting. Idempotent: campaigns are recognised by title;
a later run only starts a new live campaign when the last one has ended.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.models import Campaign
from patt_voting.services import ballots, campaigns, lifecycle
from sv_common.auth import Actor
from sv_common.identity.models import GuildRank, InviteCode, Player

if TYPE_CHECKING:
    from patt_host import HostAPI

LIVE_TITLE = "Guild banner art (demo)"
CLOSED_TITLE = "Book club: the next read (demo)"
ART = ["Gilded Gryphon", "Moonlit Keep", "Tavern Brawl", "Dragon's Hoard", "Raid Night Sunrise"]
BOOKS = ["The Last Wish", "Dune", "Piranesi", "The Hobbit"]


async def _voters(session: AsyncSession) -> list[Actor]:
    """Demo players who vote: never one with a website account or an unused invite (the member
    ``patt demo`` prints a code for), whose ballot is theirs to cast."""
    invited = select(InviteCode.id).where(InviteCode.player_id == Player.id, InviteCode.used_at.is_(None))
    rows = await session.execute(
        select(Player.id, Player.display_name, GuildRank.level, GuildRank.name)
        .join(GuildRank, GuildRank.id == Player.guild_rank_id)
        .where(Player.is_active, Player.website_user_id.is_(None), ~invited.exists())
        .order_by(Player.id)
    )
    return [
        Actor(
            user_id=None,
            player_id=pid,
            display_name=name,
            rank_level=level,
            rank_name=rank,
            auth_method="system",
        )
        for pid, name, level, rank in rows
    ]


async def _campaign(
    session, host, title, entries, *, method, hours, description, early_close=True
) -> Campaign:
    campaign = await campaigns.create_campaign(
        session,
        {
            "title": title,
            "description": description,
            "start_at": datetime.now(UTC) - timedelta(minutes=5),
            "duration_hours": hours,
            "picks_per_voter": 3,
            "min_rank_to_vote": 1,
            "counting_method": method,
            "agent_enabled": False,  # demo campaigns never post to a real Discord
            "early_close_if_all_voted": early_close,
        },
        created_by=None,
    )
    for order, name in enumerate(entries):
        await campaigns.add_entry(
            session, campaign.id, {"name": name, "sort_order": order, "description": f"Demo entry: {name}"}
        )
    return await lifecycle.activate(session, campaign.id)


async def _vote_randomly(session, host, campaign: Campaign, voters: list[Actor], rng: random.Random) -> int:
    entry_ids = [e.id for e in await campaigns.list_entries(session, campaign.id)]
    weights = [len(entry_ids) - i for i in range(len(entry_ids))]  # earlier entries are a bit more popular
    cast = 0
    for actor in voters:
        pool, ranking = list(entry_ids), []
        for _ in range(rng.randint(1, campaign.picks_per_voter)):
            pick = rng.choices(pool, weights=weights[: len(pool)])[0]
            pool.remove(pick)
            ranking.append(pick)
        await ballots.cast_ballot(session, campaign.id, actor, ranking, officer_level=host.officer_level)
        cast += 1
    return cast


async def seed_demo_campaigns(session: AsyncSession, host: HostAPI) -> str:
    existing = set((await session.scalars(select(Campaign.title))).all())
    live_open = await session.scalar(
        select(Campaign.id).where(Campaign.title == LIVE_TITLE, Campaign.status == "live").limit(1)
    )
    if live_open is not None and CLOSED_TITLE in existing:
        return "demo campaigns already present"
    rng = random.Random(11)
    voters = await _voters(session)
    made = []
    if CLOSED_TITLE not in existing:
        closed = await _campaign(
            session,
            host,
            CLOSED_TITLE,
            BOOKS,
            method="instant_runoff",
            hours=48,
            description="Rank the books you would like to read next. Instant runoff: if your favourite is out, your vote moves on.",
        )
        count = await _vote_randomly(session, host, closed, voters, rng)
        await lifecycle.close(session, closed.id)
        made.append(f"closed campaign with {count} ballots")
    if live_open is None:
        live = await _campaign(
            session,
            host,
            LIVE_TITLE,
            ART,
            method="points",
            hours=24 * 5,
            description="Pick the art for the new guild banner. 1st choice 3 points, 2nd 2, 3rd 1.",
            early_close=False,  # open for its five days, whoever votes
        )
        count = await _vote_randomly(session, host, live, voters[: len(voters) // 2], rng)
        made.append(f"live campaign with {count} ballots")
    return "; ".join(made)
