"""Keeping ``guild_identity.discord_users`` equal to the Discord server's member list.

Gateway events (join, leave, role/nickname change) apply one member at a time; the
periodic :func:`full_sync` repairs drift (members who left or changed while the bot
was down). Rows are never deleted: a member who left is marked not present.

Functions take a session and plain :class:`MemberSnapshot` values (no discord.py
objects), and return the domain events the caller emits *after* committing
(``member.joined``, ``member.left``, ``member.roles_changed``, ``player.rank_changed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.identity.discord_users import mark_discord_user_left, upsert_discord_user
from sv_common.identity.models import DiscordUser
from sv_common.identity.ranks import drain_rank_changes

NAME_LIMIT = 50  # discord_users.username / display_name are VARCHAR(50)

Event = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class MemberSnapshot:
    """What we store about one guild member, taken from a discord.py ``Member``."""

    discord_id: str
    username: str
    display_name: str | None
    role_ids: tuple[str, ...]
    role_names: tuple[str, ...]
    joined_at: datetime | None = None
    bot: bool = False

    @classmethod
    def from_member(cls, member: Any) -> MemberSnapshot:
        """Build from a ``discord.Member`` (roles highest first, @everyone left out)."""
        roles = [
            r for r in sorted(member.roles, key=lambda r: r.position, reverse=True) if not r.is_default()
        ]
        return cls(
            discord_id=str(member.id),
            username=member.name[:NAME_LIMIT],
            display_name=(member.display_name or None) and member.display_name[:NAME_LIMIT],
            role_ids=tuple(str(r.id) for r in roles),
            role_names=tuple(r.name for r in roles),
            joined_at=member.joined_at,
            bot=bool(member.bot),
        )


@dataclass
class SyncOutcome:
    """What changed, as events to emit once the transaction committed."""

    events: list[Event] = field(default_factory=list)
    joined: int = 0
    left: int = 0
    updated: int = 0
    roles_changed: int = 0
    rank_changes: int = 0
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "joined": self.joined,
            "left": self.left,
            "updated": self.updated,
            "roles_changed": self.roles_changed,
            "rank_changes": self.rank_changes,
        }


def rank_events(changes: Iterable[Any], outcome: SyncOutcome) -> None:
    for change in changes:
        outcome.rank_changes += 1
        outcome.events.append(
            (
                "player.rank_changed",
                {
                    "player_id": change.player_id,
                    "old_rank_id": change.old_rank_id,
                    "new_rank_id": change.new_rank_id,
                    "source": change.source,
                },
            )
        )


async def _existing(session: AsyncSession, discord_id: str) -> DiscordUser | None:
    return await session.scalar(select(DiscordUser).where(DiscordUser.discord_id == discord_id))


async def _apply(
    session: AsyncSession, member: MemberSnapshot, before: dict | None, outcome: SyncOutcome
) -> None:
    """Upsert one member, comparing with ``before`` (the stored row's state) for events."""
    await upsert_discord_user(
        session,
        discord_id=member.discord_id,
        username=member.username,
        display_name=member.display_name,
        role_ids=list(member.role_ids),
        role_names=list(member.role_names),
        joined_at=member.joined_at,
        is_present=True,
    )
    if before is None or not before["is_present"]:
        outcome.joined += 1
        outcome.events.append(
            (
                "member.joined",
                {
                    **_who(member.discord_id, member.username, member.display_name),
                    "role_ids": list(member.role_ids),
                    "returning": before is not None,
                },
            )
        )
    else:
        if set(before["role_ids"]) != set(member.role_ids):
            outcome.roles_changed += 1
            outcome.events.append(
                (
                    "member.roles_changed",
                    {
                        **_who(member.discord_id, member.username, member.display_name),
                        "role_ids": list(member.role_ids),
                    },
                )
            )
        if (before["username"], before["display_name"]) != (member.username, member.display_name) or set(
            before["role_ids"]
        ) != set(member.role_ids):
            outcome.updated += 1


def _who(discord_id: str, username: str | None, display_name: str | None) -> dict[str, Any]:
    """Who an event is about: the id, and the names officers read in summaries instead of it."""
    return {"discord_id": discord_id, "username": username, "display_name": display_name}


def _state(row: DiscordUser | None) -> dict | None:
    if row is None:
        return None
    return {
        "is_present": row.is_present,
        "role_ids": list(row.role_ids or []),
        "username": row.username,
        "display_name": row.display_name,
    }


async def member_joined(session: AsyncSession, member: MemberSnapshot) -> SyncOutcome:
    """A member joined the server (or came back): present, roles stored, rank recomputed."""
    outcome = SyncOutcome()
    if member.bot:
        return outcome
    await _apply(session, member, _state(await _existing(session, member.discord_id)), outcome)
    rank_events(drain_rank_changes(session), outcome)
    return outcome


async def member_updated(session: AsyncSession, member: MemberSnapshot) -> SyncOutcome:
    """Roles or names changed; a member we did not know yet is treated as joined."""
    return await member_joined(session, member)


async def member_left(session: AsyncSession, discord_id: str) -> SyncOutcome:
    """A member left (or was kicked/banned): kept, marked not present; rank recomputed."""
    outcome = SyncOutcome()
    before = await _existing(session, str(discord_id))
    if before is None or not before.is_present:
        return outcome
    who = _who(before.discord_id, before.username, before.display_name)
    await mark_discord_user_left(session, str(discord_id))
    outcome.left += 1
    outcome.events.append(("member.left", who))
    rank_events(drain_rank_changes(session), outcome)
    return outcome


async def full_sync(session: AsyncSession, members: Iterable[MemberSnapshot]) -> SyncOutcome:
    """Make discord_users match the complete member list ``members``.

    Everyone listed is upserted; stored members not listed are marked left. An empty
    list (apart from bots) is treated as a failed fetch, not as everyone leaving.
    """
    outcome = SyncOutcome()
    humans = {m.discord_id: m for m in members if not m.bot}
    rows = {r.discord_id: r for r in (await session.scalars(select(DiscordUser))).all()}
    states = {discord_id: _state(row) for discord_id, row in rows.items()}
    for discord_id, member in humans.items():
        await _apply(session, member, states.get(discord_id), outcome)
    present_missing = [r for d, r in rows.items() if d not in humans and states[d]["is_present"]]
    if not humans and present_missing:
        outcome.notes.append("The member list came back empty; nobody was marked as left.")
    else:
        for row in present_missing:
            who = _who(row.discord_id, row.username, row.display_name)
            await mark_discord_user_left(session, row.discord_id)
            outcome.left += 1
            outcome.events.append(("member.left", who))
    rank_events(drain_rank_changes(session), outcome)
    return outcome
