"""The onboarding state machine: sessions, answers, verification against the roster, linking.

Takes a session and plain values, raises ``sv_common.errors`` exceptions; no Discord and no
FastAPI here (the cog talks to Discord and calls these). Every state change goes through
:func:`move`, which records it with its time and cause.

States: awaiting_dm -> asked_in_guild -> asked_main -> asked_alts -> pending_verification ->
verified -> provisioned, plus declined, manually_resolved (an officer vouched for the member) and
dismissed (an officer closed it without linking): the closed states.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_onboarding.models import CLOSED, OnboardingSession, OnboardingTransition
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.characters import owner_of
from sv_common.identity.discord_users import find_discord_user
from sv_common.identity.models import DiscordUser, Player, WowCharacter
from sv_common.identity.normalise import realm_key
from sv_common.identity.players import (
    create_player,
    free_display_name,
    get_player,
    link_character,
    link_discord,
)
from sv_common.identity.ranks import recompute_player_rank
from sv_common.validation import is_blank

NAME_MAX, REALM_MAX, ALTS_MAX = 50, 100, 10
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _now() -> datetime:
    return datetime.now(UTC)


async def move(session: AsyncSession, onboarding: OnboardingSession, to_state: str, cause: str) -> None:
    """Change the state and record the transition (time and cause)."""
    session.add(
        OnboardingTransition(
            session_id=onboarding.id, from_state=onboarding.state, to_state=to_state, cause=cause[:200]
        )
    )
    onboarding.state = to_state
    onboarding.updated_at = _now()
    if to_state in CLOSED:
        onboarding.completed_at = _now()
    await session.flush()


async def get_session(session: AsyncSession, discord_id: str, *, lock: bool = False) -> OnboardingSession:
    query = select(OnboardingSession).where(OnboardingSession.discord_id == str(discord_id))
    found = await session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound("No onboarding session for that member.")
    return found


async def history(session: AsyncSession, session_id: int) -> list[OnboardingTransition]:
    query = select(OnboardingTransition).where(OnboardingTransition.session_id == session_id)
    return list((await session.scalars(query.order_by(OnboardingTransition.id))).all())


async def start(
    session: AsyncSession, discord_id: str, *, deadline: timedelta, cause: str = "joined"
) -> OnboardingSession | None:
    """A session for a member who joined; None when an open one exists already.

    A closed session (the member left and came back) starts over. The deadline runs from
    now: a conversation nobody finishes reaches the officers too, not only a failed check."""
    user = await find_discord_user(session, str(discord_id))
    if user is None:
        raise NotFound("That Discord member is not known yet.")
    existing = await session.scalar(
        select(OnboardingSession).where(OnboardingSession.discord_id == str(discord_id)).with_for_update()
    )
    if existing is not None and existing.state not in CLOSED:
        return None
    if existing is None:
        existing = OnboardingSession(
            discord_member_id=user.id,
            discord_id=str(discord_id),
            state="awaiting_dm",
            deadline_at=_now() + deadline,
        )
        session.add(existing)
        await session.flush()
        session.add(
            OnboardingTransition(session_id=existing.id, from_state=None, to_state="awaiting_dm", cause=cause)
        )
        return existing
    for field in ("reported_main_name", "reported_main_realm", "reported_alt_names", "is_in_guild"):
        setattr(existing, field, None)
    existing.escalated_at = existing.completed_at = None
    existing.deadline_at = _now() + deadline
    await move(session, existing, "awaiting_dm", f"{cause} again")
    return existing


def clean_name(text: str, limit: int = NAME_MAX) -> str:
    """A character name as typed: trimmed, one line, realm suffixes after '-' dropped."""
    value = _CONTROL.sub(" ", text or "").strip()
    if "-" in value:
        value = value.split("-", 1)[0].strip()
    if is_blank(value) or len(value) > limit:
        raise ValidationFailed(f"A character name has 1 to {limit} characters.")
    return value


def clean_realm(text: str | None) -> str | None:
    value = _CONTROL.sub(" ", text or "").strip()
    if len(value) > REALM_MAX:
        raise ValidationFailed(f"A realm name has at most {REALM_MAX} characters.")
    return None if is_blank(value) else value


async def roster_matches(session: AsyncSession, name: str, realm: str | None = None) -> list[WowCharacter]:
    """Characters on the roster (not removed) with this name, on ``realm`` when given."""
    rows = (
        await session.scalars(
            select(WowCharacter)
            .where(func.lower(WowCharacter.character_name) == name.lower(), WowCharacter.removed_at.is_(None))
            .order_by(WowCharacter.realm_slug)
        )
    ).all()
    if realm:
        # However it is spelled: "Area52", "Mal'Ganis", "Aggra Portugues" for "aggra-português".
        key = realm_key(realm)
        rows = [c for c in rows if key in (realm_key(c.realm_slug), realm_key(c.realm_name or ""))]
    return list(rows)


@dataclass
class MainAnswer:
    """What the member's main answer led to: one match, several realms, or none."""

    matches: list[WowCharacter]

    @property
    def found(self) -> WowCharacter | None:
        return self.matches[0] if len(self.matches) == 1 else None

    @property
    def realms(self) -> list[str]:
        return [c.realm_name or c.realm_slug for c in self.matches]


async def answer_in_guild(session: AsyncSession, onboarding: OnboardingSession, in_guild: bool) -> None:
    if onboarding.state not in ("asked_in_guild", "asked_main"):
        raise Conflict("That question was answered already.")
    onboarding.is_in_guild = in_guild
    if onboarding.state != "asked_main":
        await move(session, onboarding, "asked_main", "in guild: yes" if in_guild else "in guild: not yet")


async def answer_main(
    session: AsyncSession, onboarding: OnboardingSession, name: str, realm: str | None
) -> MainAnswer:
    """Store the main as told; a unique roster match (realm-aware) moves on to the alts."""
    if onboarding.state not in ("asked_main", "asked_alts"):
        raise Conflict("That question was answered already.")
    name, realm = clean_name(name), clean_realm(realm)
    onboarding.reported_main_name, onboarding.reported_main_realm = name, realm
    answer = MainAnswer(await roster_matches(session, name, realm))
    if answer.found is not None:
        onboarding.reported_main_name = answer.found.character_name
        onboarding.reported_main_realm = answer.found.realm_slug
        if onboarding.state != "asked_alts":
            await move(session, onboarding, "asked_alts", f"main found: {answer.found.character_name}")
    elif not answer.matches and onboarding.is_in_guild is False:
        # Not in the guild yet: nothing to find now; the roster sync will tell.
        await move(session, onboarding, "asked_alts", f"main reported (not in the guild yet): {name}")
    await session.flush()
    return answer


async def answer_alts(
    session: AsyncSession, onboarding: OnboardingSession, alts: list[str], *, deadline: timedelta
) -> None:
    """Store the alts and wait for verification (the deadline starts now)."""
    if onboarding.state != "asked_alts":
        raise Conflict("That question was answered already.")
    cleaned = [clean_name(a) for a in alts if not is_blank(a)][:ALTS_MAX]
    onboarding.reported_alt_names = cleaned
    onboarding.dm_completed_at = _now()
    onboarding.deadline_at = _now() + deadline
    await move(session, onboarding, "pending_verification", f"alts: {len(cleaned)}")


async def verify(session: AsyncSession, onboarding: OnboardingSession, *, display_name: str) -> Player | None:
    """Find the reported main on the roster and link it (and free alts) to the member's player.

    Returns the player once verified; None while the main is not on the roster (attempts
    counted) or belongs to a player linked to another Discord account (left for officers).
    """
    if onboarding.state != "pending_verification":
        raise Conflict("Only a session waiting for verification can be verified.")
    onboarding.verification_attempts += 1
    onboarding.last_verification_at = _now()
    name = onboarding.reported_main_name
    main = (await roster_matches(session, name, onboarding.reported_main_realm)) if name else []
    if len(main) != 1:
        await session.flush()
        return None
    character = main[0]
    player = await _player_for(session, onboarding, character, display_name)
    if player is None:
        await session.flush()
        return None
    for alt in onboarding.reported_alt_names or []:
        matches = await roster_matches(session, alt, character.realm_slug) or await roster_matches(
            session, alt
        )
        if len(matches) == 1 and await owner_of(session, matches[0].id) is None:
            await link_character(
                session,
                player_id=player.id,
                character_id=matches[0].id,
                link_source="onboarding",
                confidence="medium",
            )
    await recompute_player_rank(session, player.id)
    onboarding.verified_player_id = player.id
    onboarding.verified_at = _now()
    onboarding.roster_entries_created = True
    await move(
        session,
        onboarding,
        "verified",
        f"main on the roster: {character.character_name}-{character.realm_slug}",
    )
    return player


async def _player_for(
    session: AsyncSession, onboarding: OnboardingSession, character: WowCharacter, display_name: str
) -> Player | None:
    owner_id = await owner_of(session, character.id)
    mine = await session.scalar(select(Player).where(Player.discord_user_id == onboarding.discord_member_id))
    if owner_id is not None:
        owner = await get_player(session, owner_id)
        if owner.discord_user_id not in (None, onboarding.discord_member_id):
            return None  # someone else's character: officers decide
        if owner.discord_user_id is None and mine is None:
            await link_discord(session, player_id=owner.id, discord_user_id=onboarding.discord_member_id)
        return owner if mine is None else mine
    if mine is None:
        wanted = display_name.strip() or character.character_name
        name = await free_display_name(session, wanted, qualifier=character.character_name)
        mine = await create_player(session, display_name=name, discord_user_id=onboarding.discord_member_id)
    await link_character(
        session, player_id=mine.id, character_id=character.id, link_source="onboarding", confidence="high"
    )
    return mine


async def mark_provisioned(
    session: AsyncSession,
    onboarding: OnboardingSession,
    *,
    role_assigned: bool,
    invite_code: str | None,
    invite_sent: bool,
    to_state: str = "provisioned",
    cause: str = "provisioned",
) -> None:
    onboarding.discord_role_assigned = role_assigned
    onboarding.website_invite_code = invite_code
    onboarding.website_invite_sent = invite_sent
    await move(session, onboarding, to_state, cause)


def _refuse_closed_or_busy(onboarding: OnboardingSession) -> None:
    """409 for a closed session, and for one verified moments ago: its role and invite are being
    made (another officer's resolve, or the bot's check), and a second resolve would make a
    second invite (the first one's code shown or sent, then replaced) or a dismiss would close it
    under them. One left "verified" (a stopped process) is an officer's to finish."""
    if onboarding.state in CLOSED:
        raise Conflict("That onboarding is closed already.")
    if onboarding.state == "verified" and onboarding.updated_at > _now() - STALE_VERIFIED:
        raise Conflict(
            "This member is being set up right now: reload in a moment to see the outcome.",
            code="onboarding_in_progress",
        )


async def resolve_by_hand(
    session: AsyncSession, onboarding: OnboardingSession, *, display_name: str, officer: str
) -> Player:
    """An officer vouches for the member: their player (found or made) counts as verified."""
    _refuse_closed_or_busy(onboarding)
    player = await session.scalar(
        select(Player).where(Player.discord_user_id == onboarding.discord_member_id)
    )
    if player is None:
        name = await free_display_name(
            session, display_name.strip() or "Member", qualifier=onboarding.discord_id
        )
        player = await create_player(session, display_name=name, discord_user_id=onboarding.discord_member_id)
    onboarding.verified_player_id = player.id
    onboarding.verified_at = _now()
    await move(session, onboarding, "verified", f"verified by {officer}")
    return player


async def dismiss(session: AsyncSession, onboarding: OnboardingSession, *, officer: str) -> None:
    """An officer closes the onboarding without linking anything (left, a guest, a duplicate)."""
    _refuse_closed_or_busy(onboarding)
    await move(session, onboarding, "dismissed", f"dismissed by {officer}")


#: How many waiting welcomes one check sends (the original's limit): a burst of joins while the
#: switches were off goes out over a few checks, not as one flood of DMs.
RESUME_BATCH = 10


async def awaiting_welcome(session: AsyncSession, limit: int = RESUME_BATCH) -> list[str]:
    """Discord ids of the sessions whose welcome DM never went out (the switches were off at the
    join, or the bot was down), of members still on the server: least recently touched first, so
    a member whose welcome keeps failing (``welcome_failed``) cannot hold newer ones back."""
    rows = await session.scalars(
        select(OnboardingSession.discord_id)
        .join(DiscordUser, DiscordUser.id == OnboardingSession.discord_member_id)
        .where(
            OnboardingSession.state == "awaiting_dm",
            OnboardingSession.dm_sent_at.is_(None),
            DiscordUser.is_present.is_(True),
        )
        .order_by(OnboardingSession.updated_at, OnboardingSession.id)
        .limit(limit)
    )
    return list(rows.all())


async def welcome_failed(session: AsyncSession, discord_id: str) -> None:
    """Discord refused a waiting welcome for another reason than closed DMs (an unknown user,
    an outage): the session stays waiting, behind the others."""
    await session.execute(
        update(OnboardingSession)
        .where(OnboardingSession.discord_id == discord_id, OnboardingSession.state == "awaiting_dm")
        .values(updated_at=func.now())
    )


# A session stays "verified" only for the moments its role and invite take; one older than this
# was left by a process that stopped in between, and the recheck finishes it.
STALE_VERIFIED = timedelta(minutes=10)


async def waiting(session: AsyncSession) -> list[tuple[str, str]]:
    """(Discord id, name to show) of every session waiting for verification, and of every
    session verified long ago but never provisioned."""
    stale = _now() - STALE_VERIFIED
    rows = await session.execute(
        select(OnboardingSession.discord_id, DiscordUser.display_name, DiscordUser.username)
        .join(DiscordUser, DiscordUser.id == OnboardingSession.discord_member_id)
        .where(
            (OnboardingSession.state == "pending_verification")
            | ((OnboardingSession.state == "verified") & (OnboardingSession.updated_at < stale))
        )
        .order_by(OnboardingSession.id)
    )
    return [(discord_id, display or username) for discord_id, display, username in rows]


async def member_name(session: AsyncSession, onboarding: OnboardingSession) -> str:
    user = await session.get(DiscordUser, onboarding.discord_member_id)
    return (user.display_name or user.username) if user is not None else onboarding.discord_id


async def get_by_id(session: AsyncSession, session_id: int, *, lock: bool = False) -> OnboardingSession:
    query = select(OnboardingSession).where(OnboardingSession.id == session_id)
    found = await session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound("No such onboarding session.")
    return found


async def overdue(session: AsyncSession, now: datetime | None = None) -> list[OnboardingSession]:
    """Open sessions past their deadline, not yet escalated (escalated once only)."""
    query = select(OnboardingSession).where(
        OnboardingSession.state.not_in(CLOSED),
        OnboardingSession.deadline_at < (now or _now()),
        OnboardingSession.escalated_at.is_(None),
    )
    return list((await session.scalars(query.with_for_update(skip_locked=True))).all())
