"""The ``guild_identity.discord_channels`` reference table (channel pickers on admin pages, and
:func:`require_postable_channel`, the check of a channel setting sent to an API or a form).

Synced from the guild by a job and by channel create/update/delete events. Channels
that no longer exist are deleted (the table is a mirror of Discord, nothing else
references its rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.errors import ValidationFailed
from sv_common.identity.models import DiscordChannel
from sv_common.validation import without_bidi

# Channel types an announcement can be posted to.
POSTABLE_TYPES = ("text", "news")


@dataclass(frozen=True)
class ChannelSnapshot:
    discord_channel_id: str
    name: str
    channel_type: str
    category_name: str | None
    position: int
    is_nsfw: bool
    is_public: bool

    @classmethod
    def from_channel(cls, channel: Any, category_names: dict[int, str] | None = None) -> ChannelSnapshot:
        """From a discord.py guild channel; ``category_names`` helps when the guild has no cache."""
        category_id = getattr(channel, "category_id", None)
        category = None
        if category_id is not None:
            category = (category_names or {}).get(category_id)
            if category is None and getattr(channel, "category", None) is not None:
                category = channel.category.name
        everyone = channel.guild.default_role
        return cls(
            discord_channel_id=str(channel.id),
            name=channel.name[:100],
            channel_type=str(channel.type)[:20],
            category_name=category[:100] if category else None,
            position=int(getattr(channel, "position", 0) or 0),
            is_nsfw=bool(getattr(channel, "nsfw", False)),
            is_public=bool(channel.permissions_for(everyone).view_channel),
        )


@dataclass
class ChannelSyncReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "removed": self.removed}


def _fields(snapshot: ChannelSnapshot) -> dict[str, Any]:
    return {
        "name": snapshot.name,
        "channel_type": snapshot.channel_type,
        "category_name": snapshot.category_name,
        "position": snapshot.position,
        "is_nsfw": snapshot.is_nsfw,
        "is_public": snapshot.is_public,
    }


async def upsert_channel(session: AsyncSession, snapshot: ChannelSnapshot) -> bool:
    """Insert or update one channel; True when it was new."""
    row = await session.scalar(
        select(DiscordChannel).where(DiscordChannel.discord_channel_id == snapshot.discord_channel_id)
    )
    created = row is None
    if created:
        row = DiscordChannel(discord_channel_id=snapshot.discord_channel_id, **_fields(snapshot))
        session.add(row)
    else:
        for key, value in _fields(snapshot).items():
            setattr(row, key, value)
    row.synced_at = datetime.now(UTC)
    await session.flush()
    return created


async def remove_channel(session: AsyncSession, discord_channel_id: str) -> bool:
    result = await session.execute(
        delete(DiscordChannel).where(DiscordChannel.discord_channel_id == str(discord_channel_id))
    )
    return bool(result.rowcount)


async def sync_channels(session: AsyncSession, snapshots: Iterable[ChannelSnapshot]) -> ChannelSyncReport:
    """Make the table equal to ``snapshots`` (the guild's complete channel list)."""
    report = ChannelSyncReport()
    wanted = {s.discord_channel_id: s for s in snapshots}
    if not wanted:
        report.notes.append("The channel list came back empty; nothing was removed.")
        return report
    for snapshot in wanted.values():
        if await upsert_channel(session, snapshot):
            report.created += 1
        else:
            report.updated += 1
    result = await session.execute(
        delete(DiscordChannel).where(DiscordChannel.discord_channel_id.not_in(list(wanted)))
    )
    report.removed = result.rowcount or 0
    return report


async def list_channels(session: AsyncSession, *, postable_only: bool = False) -> list[DiscordChannel]:
    """Channels by category then position, for pickers."""
    query = select(DiscordChannel).order_by(
        DiscordChannel.category_name.nulls_first(), DiscordChannel.position, DiscordChannel.name
    )
    if postable_only:
        query = query.where(DiscordChannel.channel_type.in_(POSTABLE_TYPES))
    return list((await session.scalars(query)).all())


async def require_postable_channel(session: AsyncSession, channel_id: str) -> str:
    """``channel_id`` if it is one of the synced channels an announcement can be posted to
    (:data:`POSTABLE_TYPES`); otherwise 422 ``unknown_channel`` with what to do instead.

    For a channel setting taken from an API or a form: an id that is not in the table (a typo,
    another server's channel, a deleted one) or names a voice channel or a category would only
    fail later, when the post is delivered. With no channel synced at all (Discord not set up,
    the bot not connected yet) every id is refused, with a message saying so: nothing can check
    it. Clearing the setting is the caller's business (None never reaches this check).
    """
    channel_id = str(channel_id)
    row = await session.scalar(select(DiscordChannel).where(DiscordChannel.discord_channel_id == channel_id))
    if row is not None and row.channel_type in POSTABLE_TYPES:
        return channel_id
    if row is not None:
        # Discord allows bidi marks in names; keep them out of our sentence.
        name = without_bidi(row.name)
        message = f"#{name} is not a text channel ({row.channel_type}); pick a text or announcement channel."
    elif await session.scalar(select(DiscordChannel.id).limit(1)) is None:
        message = (
            "No Discord channels have been synced yet (the bot syncs them when it connects, then hourly): "
            "leave the channel empty until they are."
        )
    else:
        message = (
            "That is not one of the server's synced channels; pick one of its text channels "
            "(a channel the bot has not seen yet appears after the next channel sync)."
        )
    raise ValidationFailed(message, code="unknown_channel")


def channel_dict(row: DiscordChannel) -> dict[str, Any]:
    return {
        "id": row.discord_channel_id,
        "name": row.name,
        "type": row.channel_type,
        "category": row.category_name,
        "position": row.position,
        "nsfw": row.is_nsfw,
        "public": row.is_public,
        "synced_at": row.synced_at,
    }
