"""Demo data: a handful of newcomers at different points of the welcome conversation, moved
there by the real service functions (the same calls the bot makes), so the admin page and
the Discord settings page show a living queue.

Each session is then moved back in time as a whole (join, answers, history, deadline), so
what the page says agrees with itself: the overdue newcomer joined more than a day ago.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_onboarding.models import OnboardingSession, OnboardingTransition
from patt_onboarding.services import sessions
from sv_common.identity.characters import upsert_character
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import GuildRank, Player, WowCharacter

FIRST_ID = 920_000_000_000_000_001
DAY = timedelta(hours=24)
# (username, display name): one per demo session, in the order seeded below.
NEWCOMERS = (
    ("kaelynn", "Kaelynn"),
    ("borvik", "Borvik"),
    ("seraphel", "Seraphel"),
    ("mossfoot", "Mossfoot"),
    ("tidecaller", "Tidecaller"),
    ("quietone", "Quiet One"),
)


async def seed_demo_sessions(session: AsyncSession, host: Any) -> str:
    ids = [str(FIRST_ID + i) for i in range(len(NEWCOMERS))]
    if await session.scalar(
        select(OnboardingSession.id).where(OnboardingSession.discord_id.in_(ids)).limit(1)
    ):
        return "sessions already present"
    for discord_id, (username, display) in zip(ids, NEWCOMERS, strict=True):
        await upsert_discord_user(
            session, discord_id=discord_id, username=username, display_name=display, role_ids=[]
        )

    async def started(discord_id: str, *, dm: bool = True) -> OnboardingSession:
        onboarding = await sessions.start(session, discord_id, deadline=DAY)
        if dm:
            onboarding.dm_sent_at = datetime.now(UTC)
            await sessions.move(session, onboarding, "asked_in_guild", "welcome DM sent")
        return onboarding

    kaelynn, borvik, seraphel, mossfoot, tidecaller, quiet = ids
    # Said yes, then closed the main-character form: waits for a DM or /onboarding start.
    onboarding = await started(kaelynn)
    await sessions.answer_in_guild(session, onboarding, True)
    # Not in the guild yet, answered a day and a bit ago and still not on the roster: past the
    # deadline (a day from the last answer), the first in the officers' queue.
    onboarding = await started(borvik)
    await sessions.answer_in_guild(session, onboarding, False)
    await sessions.answer_main(session, onboarding, "Borvikk", "Area 52")
    await sessions.answer_alts(session, onboarding, ["Borbank"], deadline=DAY)
    await sessions.verify(session, onboarding, display_name="Borvik")
    # Not in the guild yet, answered today: the roster sync will find them.
    onboarding = await started(seraphel)
    await sessions.answer_in_guild(session, onboarding, False)
    await sessions.answer_main(session, onboarding, "Seraphel", None)
    await sessions.answer_alts(session, onboarding, [], deadline=DAY)
    # DMs closed: declined, the officers were told.
    onboarding = await started(mossfoot, dm=False)
    await sessions.move(session, onboarding, "declined", "DMs closed (Discord 403, code 50007)")
    # Found on the roster: verified and provisioned. In the demo guild, the main of a player
    # with no Discord account yet (the player gains this one); alone, a character the roster
    # sync brought in as an Initiate (a new player is made).
    character = await session.scalar(
        select(WowCharacter)
        .join(Player, Player.main_character_id == WowCharacter.id)
        .where(
            Player.discord_user_id.is_(None),
            Player.website_user_id.is_(None),  # not the demo officer
            Player.is_active.is_(True),
            WowCharacter.removed_at.is_(None),
        )
        .order_by(Player.id.desc())
        .limit(1)
    )
    if character is None:
        realm = await session.scalar(
            select(WowCharacter.realm_slug)
            .group_by(WowCharacter.realm_slug)
            .order_by(func.count().desc())
            .limit(1)
        )
        initiate = await session.scalar(select(GuildRank.id).where(GuildRank.level == 1))
        character, _ = await upsert_character(
            session, name="Tidecaller", realm_slug=realm or "area-52", guild_rank_id=initiate
        )
    onboarding = await started(tidecaller)
    await sessions.answer_in_guild(session, onboarding, True)
    await sessions.answer_main(session, onboarding, character.character_name, character.realm_slug)
    await sessions.answer_alts(session, onboarding, [], deadline=DAY)
    if await sessions.verify(session, onboarding, display_name="Tidecaller") is not None:
        await sessions.mark_provisioned(
            session, onboarding, role_assigned=False, invite_code=None, invite_sent=False
        )
    # Switched off when they joined: still awaiting the welcome DM (the demo's bot sends it
    # when it starts, as a real bot does once the switches are on).
    await started(quiet, dm=False)
    await session.flush()
    # When each one joined (everything above happened "now"); open ones stay inside their
    # deadline except Borvik's, which passed 3 hours ago.
    for discord_id, ago in (
        (kaelynn, timedelta(hours=3)),
        (borvik, DAY + timedelta(hours=3)),
        (seraphel, timedelta(hours=5)),
        (mossfoot, timedelta(days=2)),
        (tidecaller, timedelta(days=1, hours=6)),
        (quiet, timedelta(hours=1)),
    ):
        await _move_back(session, discord_id, ago)
    return f"{len(NEWCOMERS)} onboarding sessions"


async def _move_back(session: AsyncSession, discord_id: str, ago: timedelta) -> None:
    """Every time of a session and of its history, ``ago`` earlier."""
    columns = [c for c in OnboardingSession.__table__.columns if isinstance(c.type, DateTime)]
    session_id = await session.scalar(
        update(OnboardingSession)
        .where(OnboardingSession.discord_id == discord_id)
        .values({c.key: c - ago for c in columns})
        .returning(OnboardingSession.id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OnboardingTransition)
        .where(OnboardingTransition.session_id == session_id)
        .values(at=OnboardingTransition.at - ago)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()  # the objects above hold the times before the move
