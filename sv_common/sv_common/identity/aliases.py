"""Note aliases: guild-note keys known to mean a player (``guild_identity.player_note_aliases``).

Written when an officer applies a note-based suggestion, or by hand; read by the matcher
(``NoteKeyRule``) and by data-quality rules. Stored as comparison keys (``name_key``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.errors import NotFound, ValidationFailed
from sv_common.identity.models import Player, PlayerNoteAlias
from sv_common.identity.normalise import name_key

ALIAS_LENGTH = 50


async def add_note_alias(
    session: AsyncSession, *, player_id: int, alias: str, source: str = "manual"
) -> PlayerNoteAlias:
    """Record that ``alias`` (a note key) means this player; returns the existing row if already known."""
    if await session.get(Player, player_id) is None:
        raise NotFound("That player does not exist.")
    key = name_key(alias)
    if len(key) < 2:
        raise ValidationFailed("An alias needs at least 2 characters.")
    if len(key) > ALIAS_LENGTH:
        raise ValidationFailed(f"An alias is at most {ALIAS_LENGTH} characters.")
    existing = await session.scalar(
        select(PlayerNoteAlias).where(PlayerNoteAlias.player_id == player_id, PlayerNoteAlias.alias == key)
    )
    if existing is not None:
        return existing
    row = PlayerNoteAlias(player_id=player_id, alias=key, source=source[:30])
    session.add(row)
    await session.flush()
    return row


async def remove_note_alias(session: AsyncSession, alias_id: int) -> None:
    """Delete one alias (NotFound when unknown)."""
    row = await session.get(PlayerNoteAlias, alias_id)
    if row is None:
        raise NotFound("That alias does not exist.")
    await session.delete(row)
    await session.flush()


async def note_aliases_of(session: AsyncSession, player_id: int) -> list[PlayerNoteAlias]:
    """A player's aliases, alphabetically."""
    rows = await session.scalars(
        select(PlayerNoteAlias).where(PlayerNoteAlias.player_id == player_id).order_by(PlayerNoteAlias.alias)
    )
    return list(rows.all())
