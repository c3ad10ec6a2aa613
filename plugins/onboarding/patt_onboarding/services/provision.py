"""Verification and provisioning with a logged-in discord.py client (the bot, or a REST-only
client in a worker): the rank's role through the role-sync layer and a website invite.

An invite code lets whoever holds it register as the member, so it goes to the member: in the
conversation, or by DM through the outbox. Only an officer's resolve where no DM is possible
(switches off, no bot, the member gone or not accepting DMs) hands the code to that officer,
once, with the reason (identity's invites follow the same rule).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from patt_onboarding.config import texts
from patt_onboarding.services import sessions
from patt_onboarding.services.schedule import schedule_line

if TYPE_CHECKING:
    import discord  # the web process imports this module; discord.py only where it is used

log = logging.getLogger("patt.onboarding")


async def verify_and_provision(
    host: Any, client: discord.Client | None, discord_id: str, display_name: str
) -> str | None:
    """Verify against the roster; once verified: role, invite, provisioned. The text to show
    the member, or None while their main is not on the roster (or not theirs) yet."""
    async with host.db.session() as session:
        onboarding = await sessions.get_session(session, discord_id, lock=True)
        if (
            onboarding.state == "verified"
            and onboarding.updated_at < datetime.now(UTC) - sessions.STALE_VERIFIED
        ):
            player_id = onboarding.verified_player_id  # verified, then the process stopped: finish
        elif onboarding.state != "pending_verification":
            return None
        else:
            player = await sessions.verify(session, onboarding, display_name=display_name)
            if player is None:
                return None
            player_id = player.id
    _role, code = await provision(host, client, discord_id, player_id, sent_by_dm=True)
    return await done_text(host, code)


def register_url(host: Any, code: str) -> str:
    return f"{host.settings.public_base_url}/register?code={code}"


async def done_text(host: Any, code: str | None) -> str:
    """The "you're set up" message: the invite (when there is a code) and the raid-schedule line."""
    words = texts(host.site.texts.get("onboarding"))
    schedule = await schedule_line(host, words)  # the real nights when raids knows them
    return compose_done(host, words, "done", code, schedule)


def compose_done(host: Any, words: dict[str, str], key: str, code: str | None, schedule: str | None) -> str:
    parts = [f"**{words['done_title']}** {words[key]}"]
    if code is not None:
        parts.append(words["invite"].format(register_url=register_url(host, code), code=code))
    if schedule:
        parts.append(schedule)
    return "\n".join(parts)


async def provision(
    host: Any,
    client: discord.Client | None,
    discord_id: str,
    player_id: int,
    *,
    sent_by_dm: bool,
    to_state: str = "provisioned",
    cause: str = "provisioned",
) -> tuple[bool, str | None]:
    """A verified member's role and invite code, then the closing state. Returns (role
    assigned, invite code or None when the player has a website account already)."""
    role_assigned = await assign_role(host, client, discord_id)
    code = await invite(host, player_id)
    async with host.db.session() as session:
        onboarding = await sessions.get_session(session, discord_id, lock=True)
        await sessions.mark_provisioned(
            session,
            onboarding,
            role_assigned=role_assigned,
            invite_code=code,
            invite_sent=sent_by_dm and code is not None,
            to_state=to_state,
            cause=cause,
        )
    return role_assigned, code


async def assign_role(host: Any, client: discord.Client | None, discord_id: str) -> bool:
    """The rank's Discord role through the role-sync layer (pre-flight; 50013 reported, not raised).
    Without a client (the bot is off) nothing is sent; the next role sync gives the role."""
    import discord

    from sv_common.discord.config import load_discord_config
    from sv_common.discord.role_access import fetch_role_access
    from sv_common.discord.role_sync import apply_role_plan, compute_role_plan, rank_role_map, split_blocked

    guild_id = host.settings.discord_guild_id
    if guild_id is None or client is None:
        return False
    guild = client.get_guild(guild_id)
    member = guild.get_member(int(discord_id)) if guild is not None else None
    try:
        if member is None:
            member = await (guild or await client.fetch_guild(guild_id)).fetch_member(int(discord_id))
    except discord.HTTPException:
        return False  # gone from the server meanwhile
    async with host.db.session() as session:
        if (await load_discord_config(session)).role_sync_mode == "to_site":
            return False  # Discord's roles are the source of truth there: nothing is pushed
        plan = await compute_role_plan(session, {discord_id: [str(r.id) for r in member.roles]})
        ranks = await rank_role_map(session)
    access = await fetch_role_access(client, guild_id, ranks.keys())
    sendable, blocked, _notes = split_blocked(plan, access, ranks, describe_all=False)
    results = await apply_role_plan(client.http, guild_id, sendable)
    for result in [*results, *blocked]:
        if result.status != "sent":
            log.warning("onboarding role for %s: %s %s", discord_id, result.status, result.error)
    return any(r.status == "sent" and r.change.action == "add" for r in results)


async def invite(host: Any, player_id: int) -> str | None:
    """A fresh website invite code, unless the player has an account already."""
    from sv_common.auth.service import create_invite
    from sv_common.identity.players import get_player

    async with host.db.session() as session:
        if (await get_player(session, player_id)).website_user_id is not None:
            return None
        created = await create_invite(session, player_id=player_id, generated_by="onboarding")
        return created.code


@asynccontextmanager
async def discord_client(host: Any) -> AsyncIterator[discord.Client | None]:
    """The bot when it runs in this process, else a REST-only client; None when the bot is
    off (not configured, or Discord unreachable): roles then wait for the role sync."""
    from sv_common.discord.client import DiscordUnavailable, discord_rest_client

    token = host.settings.discord_bot_token
    async with AsyncExitStack() as stack:
        try:
            client = await stack.enter_async_context(
                discord_rest_client(
                    token.get_secret_value() if token else None, existing=getattr(host, "bot", None)
                )
            )
        except DiscordUnavailable as exc:
            log.info("onboarding without Discord: %s", exc)
            client = None
        yield client


async def recheck_member(
    host: Any, client: discord.Client | None, discord_id: str, display_name: str
) -> str | None:
    """Verify a waiting member again; once provisioned, the member hears it by DM (through
    the outbox, so any process can do it). None while not provisioned; else how that DM
    stands: ``pending`` (queued) or ``skipped`` (the DM switches held it back: the member has
    not heard, and an officer should hand them an invite)."""
    from sv_common import notify

    text = await verify_and_provision(host, client, discord_id, display_name)
    if text is None:
        return None
    async with host.db.session() as session:
        onboarding = await sessions.get_session(session, discord_id)
        row = await notify.dm_player(
            session,
            player_id=onboarding.verified_player_id,
            content=text,
            feature="onboarding",
            dedupe_key=f"onboarding-done:{onboarding.id}:{onboarding.updated_at.isoformat()}",
            shown_as="Onboarding done (with a website invite code)",
        )
        return row.status


#: What an officer hears after verifying a member again, by how the member's DM stands.
NOT_TOLD = (
    "Verified and set up, but DMs are switched off, so they were not told and did not get their "
    "website invite: give them one from the Player Manager."
)
TOLD = "Verified and set up; the member gets their invite by DM."


def recheck_text(status: str | None) -> str:
    """The officer's answer to "check the roster again" (``recheck_member``'s result)."""
    if status is None:
        return "Still not on the roster."
    return NOT_TOLD if status == "skipped" else TOLD


MASK = "•"
#: What officers see of a resolve's DM in the outbox (the code in it is hidden, then dropped).
RESOLVED_SHOWN_AS = "Onboarding: set up by an officer, with a website invite code (hidden)"


def masked(code: str) -> str:
    """All but the first two characters hidden, for the officers' lists."""
    return code[:2] + MASK * max(len(code) - 2, 0)


@dataclass(frozen=True)
class Resolution:
    """What an officer's resolve did: the role, and where the invite went.

    ``code`` is None when the player has a website account already; ``dm_sent`` says the
    invite was queued as a DM to the member (then the officer is not told the code);
    otherwise ``reason`` says why no DM was possible and the officer hands the code over."""

    role_assigned: bool
    code: str | None
    dm_sent: bool
    reason: str | None

    @property
    def delivery(self) -> str | None:
        if self.code is None:
            return None
        return "dm" if self.dm_sent else "shown"

    def summary(self, host: Any) -> str:
        """The officer's answer, after "Resolved": role, then the invite."""
        role = "role assigned" if self.role_assigned else "no role change (the role sync will catch up)"
        if self.code is None:
            return f"{role}; they have a website account already."
        if self.dm_sent:
            return f"{role}; their website invite was sent to them by DM."
        return (
            f"{role}. No DM was possible: {self.reason} Give them this invite code yourself "
            f"(shown only now): {self.code} (register at {register_url(host, self.code)})."
        )

    def answer(self, host: Any) -> dict[str, Any]:
        """The JSON answer: the code and link only when the officer has to hand them over."""
        invite: dict[str, Any] | None = None
        if self.code is not None:
            invite = {"delivery": self.delivery, "dm_sent": self.dm_sent, "reason": self.reason}
            if not self.dm_sent:
                invite.update(
                    code=self.code, register_url=register_url(host, self.code), masked=masked(self.code)
                )
        return {"invite": invite, "message": f"Resolved: {self.summary(host)}"}


async def resolve(
    host: Any,
    client: discord.Client | None,
    discord_id: str,
    display_name: str,
    officer: str,
    *,
    officer_player_id: int | None = None,
) -> Resolution:
    """An officer vouches for the member: linked (player found or made), the rank's role,
    and an invite code DMed to the member through the outbox (the DM switches decide);
    closed as manually_resolved. Only when no DM is possible does the answer carry the code,
    for the officer to pass on; the history records which of the two happened."""
    async with host.db.session() as session:
        onboarding = await sessions.get_session(session, discord_id, lock=True)
        player = await sessions.resolve_by_hand(
            session, onboarding, display_name=display_name, officer=officer
        )
        player_id = player.id
    role_assigned = await assign_role(host, client, discord_id)
    words = texts(host.site.texts.get("onboarding"))
    schedule = await schedule_line(host, words)  # a session of its own: before the lock below
    async with host.db.session() as session:
        onboarding = await sessions.get_session(session, discord_id, lock=True)
        invite = await _resolve_invite(session, player_id, onboarding.id, officer_player_id)
        dm_sent, reason = False, None
        if invite is not None:
            message = compose_done(host, words, "resolved", invite.code, schedule)
            dm_sent, reason = await _dm_invite(session, host, player_id, invite.id, message)
            invite.delivered_via = "dm" if dm_sent else "shown"
        if invite is None:
            outcome = "has a website account"
        elif dm_sent:
            outcome = "invite sent by DM"
        else:
            outcome = f"invite code shown to the officer; no DM: {reason}"
        await sessions.mark_provisioned(
            session,
            onboarding,
            role_assigned=role_assigned,
            invite_code=invite.code if invite is not None else None,
            invite_sent=dm_sent,
            to_state="manually_resolved",
            cause=f"resolved by {officer}; {outcome}",
        )
    return Resolution(role_assigned, invite.code if invite is not None else None, dm_sent, reason)


async def _resolve_invite(session: Any, player_id: int, session_id: int, officer_player_id: int | None):
    """A fresh invite for the player (linked to the onboarding session and the officer), or
    None when they have a website account already."""
    from sv_common.auth.service import create_invite
    from sv_common.identity.players import get_player

    if (await get_player(session, player_id)).website_user_id is not None:
        return None
    invite = await create_invite(
        session, player_id=player_id, created_by_player_id=officer_player_id, generated_by="onboarding"
    )
    invite.onboarding_session_id = session_id
    return invite


async def _dm_invite(
    session: Any, host: Any, player_id: int, invite_id: int, message: str
) -> tuple[bool, str | None]:
    """Queue the "you're set up" DM with the invite (the ``onboarding`` DM switch, like the
    recheck's DM); ``(queued, reason it was not)``."""
    from sv_common import notify

    if host.settings.discord_bot_token is None:
        return False, "The Discord bot is not configured (DISCORD_BOT_TOKEN), so nothing can be sent."
    row = await notify.dm_player(
        session,
        player_id=player_id,
        content=message,
        feature="onboarding",
        dedupe_key=f"onboarding-invite:{invite_id}",  # the id, not the code: officers see dedupe keys
        shown_as=RESOLVED_SHOWN_AS,
    )
    if row.status == "skipped":
        reason = (row.last_error or "The DM was not sent.").strip()
        return False, reason if reason.endswith(".") else f"{reason}."
    return True, None
