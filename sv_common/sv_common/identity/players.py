"""Players: the person behind characters, a Discord user and a website account.

Every function that changes an input of the rank rule (characters owned, Discord link)
re-runs it (``ranks.recompute_player_rank``); the changes are collected on the session
(``ranks.drain_rank_changes``).
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from sv_common.db import utcnow
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.characters import clear_character_pointers, get_character
from sv_common.identity.models import (
    DiscordUser,
    InviteCode,
    Player,
    PlayerCharacter,
    Specialization,
    User,
    WowCharacter,
)
from sv_common.identity.names import invisible_characters, name_skeleton
from sv_common.identity.ranks import recompute_player_rank
from sv_common.validation import has_control_chars

DISPLAY_NAME_LENGTH = 100
NAME_TAKEN = "An active player already has that name."
NAME_LOOKS_TAKEN = "That name looks the same as the active player {other}'s; choose a clearly different one."


def _clean_display_name(display_name: str) -> str:
    """NFKC-normalised (full-width and compatibility forms fold to plain letters), spaces
    collapsed; control, text-direction and invisible characters refused."""
    normalised = unicodedata.normalize("NFKC", display_name or "")
    if has_control_chars(normalised):
        raise ValidationFailed("A player name may not contain control or text-direction characters.")
    hidden = invisible_characters(normalised)
    if hidden:
        raise ValidationFailed(
            "A player name may not contain invisible characters (" + ", ".join(dict.fromkeys(hidden)) + ")."
        )
    cleaned = " ".join(normalised.split())
    if not cleaned:
        raise ValidationFailed("A player name is required.")
    if len(cleaned) > DISPLAY_NAME_LENGTH:
        raise ValidationFailed(f"A player name is at most {DISPLAY_NAME_LENGTH} characters.")
    return cleaned


async def _check_name_free(session: AsyncSession, name: str, player_id: int | None) -> None:
    """Active players' names are unique ignoring case (the database index backs this up) and
    may not look like one another (same look-alike skeleton: "Xаnsus" with a Cyrillic а,
    "Xansús" next to "Xansus")."""
    query = select(Player.id).where(Player.is_active, func.lower(Player.display_name) == name.lower())
    if player_id is not None:
        query = query.where(Player.id != player_id)
    if await session.scalar(query.limit(1)) is not None:
        raise Conflict(NAME_TAKEN)
    others = select(Player.display_name).where(Player.is_active)
    if player_id is not None:
        others = others.where(Player.id != player_id)
    wanted = name_skeleton(name)
    for other in await session.scalars(others):
        if name_skeleton(other) == wanted:
            raise Conflict(NAME_LOOKS_TAKEN.format(other=other))


async def free_display_name(session: AsyncSession, wanted: str, *, qualifier: str) -> str:
    """``wanted`` if no active player has it, else ``wanted (qualifier)`` (for players made
    automatically, e.g. from a Discord user, who must not fail on a namesake)."""
    name = _clean_display_name(wanted)
    try:
        await _check_name_free(session, name, None)
    except Conflict:
        return _clean_display_name(f"{name[: DISPLAY_NAME_LENGTH - len(qualifier) - 3]} ({qualifier})")
    return name


async def free_display_names(session: AsyncSession, wanted: list[tuple[str, str]]) -> list[str]:
    """:func:`free_display_name` for many new players at once, ``(wanted, qualifier)`` each:
    one read of the active names, and the new names kept apart from one another too."""
    rows = await session.scalars(select(Player.display_name).where(Player.is_active))
    taken = {name.lower() for name in rows.all()}
    skeletons = {name_skeleton(name) for name in taken}
    names = []
    for name, qualifier in wanted:
        name = _clean_display_name(name)
        if name.lower() in taken or name_skeleton(name) in skeletons:
            name = _clean_display_name(f"{name[: DISPLAY_NAME_LENGTH - len(qualifier) - 3]} ({qualifier})")
        taken.add(name.lower())
        skeletons.add(name_skeleton(name))
        names.append(name)
    return names


async def _flush_name(session: AsyncSession) -> None:
    """Flush, turning a lost race on the unique-name index into the same Conflict."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if "uq_players_active_display_name" in str(exc.orig):
            raise Conflict(NAME_TAKEN) from None
        raise


async def get_player(session: AsyncSession, player_id: int) -> Player:
    """The player with this id (NotFound otherwise)."""
    player = await session.get(Player, player_id)
    if player is None:
        raise NotFound("That player does not exist.")
    return player


async def player_for_discord_user(session: AsyncSession, discord_user_id: int) -> Player | None:
    """The player linked to a ``discord_users.id``, or None."""
    return await session.scalar(select(Player).where(Player.discord_user_id == discord_user_id))


async def player_for_website_user(session: AsyncSession, website_user_id: int) -> Player | None:
    """The player linked to a ``common.users.id``, or None."""
    return await session.scalar(select(Player).where(Player.website_user_id == website_user_id))


async def _check_discord_free(session: AsyncSession, discord_user_id: int, player_id: int | None) -> None:
    if await session.get(DiscordUser, discord_user_id) is None:
        raise NotFound("That Discord user does not exist.")
    holder = await player_for_discord_user(session, discord_user_id)
    if holder is not None and holder.id != player_id:
        raise Conflict(f"That Discord user is already linked to {holder.display_name}.")


async def create_player(
    session: AsyncSession,
    *,
    display_name: str,
    discord_user_id: int | None = None,
    website_user_id: int | None = None,
    notes: str | None = None,
) -> Player:
    """Create a player, optionally linked to a Discord user and a website account; computes its rank."""
    name = _clean_display_name(display_name)
    if discord_user_id is not None:
        await _check_discord_free(session, discord_user_id, None)
    if website_user_id is not None:
        if await session.get(User, website_user_id) is None:
            raise NotFound("That website account does not exist.")
        if await player_for_website_user(session, website_user_id) is not None:
            raise Conflict("That website account already belongs to a player.")
    await _check_name_free(session, name, None)
    player = Player(
        display_name=name, discord_user_id=discord_user_id, website_user_id=website_user_id, notes=notes
    )
    session.add(player)
    await _flush_name(session)
    await recompute_player_rank(session, player.id)
    return player


async def rename_player(session: AsyncSession, player_id: int, display_name: str) -> Player:
    """Change a player's display name."""
    player = await get_player(session, player_id)
    name = _clean_display_name(display_name)
    if player.is_active:
        await _check_name_free(session, name, player_id)
    player.display_name = name
    await _flush_name(session)
    return player


async def deactivate_player(session: AsyncSession, player_id: int) -> Player:
    """Mark a player inactive (kept for history; ``reactivate_player`` undoes it).

    Their open invite codes are deleted: someone who left cannot register with one.
    """
    player = await get_player(session, player_id)
    player.is_active = False
    await session.execute(
        delete(InviteCode).where(InviteCode.player_id == player_id, InviteCode.used_at.is_(None))
    )
    await session.flush()
    return player


async def reactivate_player(session: AsyncSession, player_id: int) -> Player:
    """Mark an inactive player active again (refused while an active namesake exists)."""
    player = await get_player(session, player_id)
    if not player.is_active:
        await _check_name_free(session, player.display_name, player_id)
    player.is_active = True
    await _flush_name(session)
    return player


async def link_character(
    session: AsyncSession,
    *,
    player_id: int,
    character_id: int,
    link_source: str = "manual",
    confidence: str = "confirmed",
) -> PlayerCharacter:
    """Give a character to a player, moving it from any previous owner.

    The previous owner loses it as main/offspec; both players' ranks are recomputed.
    """
    await get_player(session, player_id)
    await get_character(session, character_id)
    link = await session.scalar(select(PlayerCharacter).where(PlayerCharacter.character_id == character_id))
    previous_owner_id = link.player_id if link is not None else None
    if link is None:
        link = PlayerCharacter(player_id=player_id, character_id=character_id)
        session.add(link)
    elif previous_owner_id != player_id:
        previous_owner = await get_player(session, previous_owner_id)
        clear_character_pointers(previous_owner, character_id)
        link.player_id = player_id
        # The link row moves in place (the bridge's count and ids stay): stamp both players, so
        # what watches players.updated_at (the roster's fingerprint, in every process) sees it.
        previous_owner.updated_at = (await get_player(session, player_id)).updated_at = utcnow()
    link.link_source = link_source[:30]
    link.confidence = confidence[:20]
    await session.flush()
    if previous_owner_id is not None and previous_owner_id != player_id:
        await recompute_player_rank(session, previous_owner_id)
    await recompute_player_rank(session, player_id)
    return link


async def unlink_character(session: AsyncSession, *, character_id: int) -> None:
    """Take a character away from its owner (no-op when unowned); recomputes the owner's rank."""
    await get_character(session, character_id)
    owner_id = await session.scalar(
        select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
    )
    if owner_id is None:
        return
    clear_character_pointers(await get_player(session, owner_id), character_id)
    await session.execute(delete(PlayerCharacter).where(PlayerCharacter.character_id == character_id))
    await session.flush()
    await recompute_player_rank(session, owner_id)


async def link_discord(session: AsyncSession, *, player_id: int, discord_user_id: int | None) -> Player:
    """Link a player to a Discord user (``discord_users.id``), or unlink with None; recomputes the rank.

    Conflict when that Discord user already belongs to another player.
    """
    player = await get_player(session, player_id)
    if discord_user_id is not None:
        await _check_discord_free(session, discord_user_id, player_id)
    player.discord_user_id = discord_user_id
    await session.flush()
    await recompute_player_rank(session, player_id)
    return player


async def _check_choice(
    session: AsyncSession, player_id: int, character_id: int | None, spec_id: int | None, label: str
) -> None:
    if character_id is None:
        if spec_id is not None:
            raise ValidationFailed(f"Choose a {label} character before its spec.")
        return
    owner_id = await session.scalar(
        select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
    )
    if owner_id != player_id:
        raise ValidationFailed(f"The {label} character does not belong to this player.")
    if spec_id is None:
        return
    spec = await session.get(Specialization, spec_id)
    if spec is None:
        raise ValidationFailed("That spec does not exist.")
    character = await session.get(WowCharacter, character_id)
    # A character whose class is not known yet (before its first sync) accepts any spec.
    if character.class_id is not None and spec.class_id != character.class_id:
        raise ValidationFailed("That spec does not belong to the character's class.")


async def set_main_and_offspec(
    session: AsyncSession,
    *,
    player_id: int,
    main_character_id: int | None = None,
    main_spec_id: int | None = None,
    offspec_character_id: int | None = None,
    offspec_spec_id: int | None = None,
) -> Player:
    """Choose the player's main and offspec (character + spec each; None clears).

    Characters must belong to the player; a spec must belong to that character's class.
    """
    player = await get_player(session, player_id)
    await _check_choice(session, player_id, main_character_id, main_spec_id, "main")
    await _check_choice(session, player_id, offspec_character_id, offspec_spec_id, "offspec")
    player.main_character_id = main_character_id
    player.main_spec_id = main_spec_id
    player.offspec_character_id = offspec_character_id
    player.offspec_spec_id = offspec_spec_id
    await session.flush()
    return player


async def characters_of(session: AsyncSession, player_id: int) -> list[WowCharacter]:
    """The player's characters (removed ones included), with class, spec and rank loaded."""
    query = (
        select(WowCharacter)
        .join(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .where(PlayerCharacter.player_id == player_id)
        .options(
            selectinload(WowCharacter.wow_class),
            selectinload(WowCharacter.active_spec),
            selectinload(WowCharacter.guild_rank),
        )
        .order_by(WowCharacter.removed_at.is_not(None), WowCharacter.character_name, WowCharacter.realm_slug)
    )
    return list((await session.scalars(query)).all())
