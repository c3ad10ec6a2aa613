"""Characters: finding and upserting ``guild_identity.wow_characters``.

Identity: the Blizzard character id when known, else (realm slug, name) compared
case-insensitively (a unique expression index enforces it). Accents are significant:
"Dícoz" and "Dicoz" on one realm are two characters; the same name on two realms is two
characters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.db import utcnow
from sv_common.errors import NotFound, ValidationFailed
from sv_common.identity.models import Player, PlayerCharacter, WowCharacter
from sv_common.identity.normalise import realm_slug as make_realm_slug
from sv_common.identity.ranks import (
    RankChange,
    rank_for_wow_index,
    recompute_for_characters,
    recompute_player_rank,
)

# Columns a caller may set through upsert_character (identity columns are handled apart).
UPDATABLE_FIELDS = frozenset(
    {
        "realm_name",
        "blizzard_character_id",
        "class_id",
        "active_spec_id",
        "level",
        "item_level",
        "guild_rank_id",
        "wow_rank_index",
        "last_login_timestamp",
        "guild_note",
        "officer_note",
        "addon_last_seen",
        "blizzard_last_sync",
        "addon_last_sync",
        "removed_at",
    }
)
MAX_NAME_LENGTH = 50


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationFailed("A character name is required.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"A character name is at most {MAX_NAME_LENGTH} characters.")
    return cleaned


def _clean_realm(realm: str) -> str:
    slug = make_realm_slug(realm)
    if not slug:
        raise ValidationFailed("A realm is required.")
    return slug


async def get_character(session: AsyncSession, character_id: int) -> WowCharacter:
    """The character with this id (NotFound otherwise)."""
    character = await session.get(WowCharacter, character_id)
    if character is None:
        raise NotFound("That character does not exist.")
    return character


async def find_character(
    session: AsyncSession, *, name: str, realm_slug: str, blizzard_id: int | None = None
) -> WowCharacter | None:
    """The character with this Blizzard id, else with this name on this realm (case-insensitive)."""
    if blizzard_id is not None:
        found = await session.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == blizzard_id)
        )
        if found is not None:
            return found
    name = (name or "").strip()
    slug = make_realm_slug(realm_slug)
    if not name or not slug:
        return None
    return await session.scalar(
        select(WowCharacter).where(
            func.lower(WowCharacter.character_name) == func.lower(name),
            func.lower(WowCharacter.realm_slug) == slug,
        )
    )


async def upsert_character(
    session: AsyncSession, *, name: str, realm_slug: str, **fields: Any
) -> tuple[WowCharacter, bool]:
    """Create or update a character; returns ``(character, created)``.

    ``fields`` are columns of ``wow_characters`` (see ``UPDATABLE_FIELDS``). A
    ``blizzard_character_id`` in ``fields`` is used to find the character first, so a
    rename updates the same row. Giving ``wow_rank_index`` without ``guild_rank_id`` maps
    the index to a rank. A name found with a *different* Blizzard id belongs to a new
    character now: the row is taken over, unlinked from its old owner and counted as created.

    The rank rule is not re-run here (callers batch): after changing ``guild_rank_id``,
    ``wow_rank_index`` or ``removed_at`` call ``ranks.recompute_for_characters``.
    """
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"unknown character fields: {', '.join(sorted(unknown))}")
    name = _clean_name(name)
    slug = _clean_realm(realm_slug)
    if "wow_rank_index" in fields and "guild_rank_id" not in fields:
        rank = await rank_for_wow_index(session, fields["wow_rank_index"])
        fields["guild_rank_id"] = rank.id if rank is not None else None

    blizzard_id = fields.get("blizzard_character_id")
    character = await find_character(session, name=name, realm_slug=slug, blizzard_id=blizzard_id)
    created = character is None
    if character is not None and (
        blizzard_id is not None
        and character.blizzard_character_id is not None
        and character.blizzard_character_id != blizzard_id
    ):
        await _release_row_for_new_character(session, character)
        created = True
    if character is None:
        character = WowCharacter(character_name=name, realm_slug=slug)
        session.add(character)
    else:
        # Follow renames and Blizzard's capitalisation.
        character.character_name = name
        character.realm_slug = slug
    for key, value in fields.items():
        setattr(character, key, value)
    await session.flush()
    return character, created


async def _release_row_for_new_character(session: AsyncSession, character: WowCharacter) -> None:
    """The name now belongs to another Blizzard character: drop the old one's ownership."""
    owner_ids = (
        await session.scalars(
            select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character.id)
        )
    ).all()
    await session.execute(delete(PlayerCharacter).where(PlayerCharacter.character_id == character.id))
    for player in (await session.scalars(select(Player).where(Player.id.in_(owner_ids)))).all():
        clear_character_pointers(player, character.id)
    character.first_seen = utcnow()
    character.guild_note = None
    character.officer_note = None
    await session.flush()
    for player_id in owner_ids:
        await recompute_player_rank(session, player_id)


def clear_character_pointers(player: Player, character_id: int) -> None:
    """Forget ``character_id`` as the player's main or offspec (with its spec)."""
    if player.main_character_id == character_id:
        player.main_character_id = None
        player.main_spec_id = None
    if player.offspec_character_id == character_id:
        player.offspec_character_id = None
        player.offspec_spec_id = None


async def set_character_removed(
    session: AsyncSession, character_id: int, *, removed: bool = True
) -> list[RankChange]:
    """Mark a character as gone from the guild (or back), then recompute its owner's rank."""
    character = await get_character(session, character_id)
    if removed and character.removed_at is None:
        character.removed_at = utcnow()
    elif not removed:
        character.removed_at = None
    await session.flush()
    return await recompute_for_characters(session, [character_id])


async def owner_of(session: AsyncSession, character_id: int) -> int | None:
    """The id of the player who owns the character, or None."""
    return await session.scalar(
        select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
    )
