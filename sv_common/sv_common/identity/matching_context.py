"""What a matching rule sees and what it returns: ``MatchContext``, ``Suggestion``, ``MatchingRule``.

Rules (built-in or from plugins through the ``matching_rules`` hook) read a snapshot of the
unlinked characters, the present Discord users and the players, and *propose* links. They
never write: the engine (``matching.py``) stores, de-duplicates and applies suggestions.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal, Protocol

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    Player,
    PlayerCharacter,
    PlayerNoteAlias,
    WowCharacter,
)
from sv_common.identity.normalise import name_key

Confidence = Literal["high", "medium", "low"]
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")

# How a key met a Discord user, strongest first.
MATCH_USERNAME = "username"
MATCH_DISPLAY_NAME = "display name"
MATCH_DISPLAY_WORD = "word of display name"
# How a key met a player (members without Discord are found this way), strongest first.
MATCH_PLAYER_NAME = "player name"
MATCH_MAIN_NAME = "main character"
MATCH_CHARACTER_NAME = "character"

_DISPLAY_SPLIT = re.compile(r"[\s/\\|,()\[\]\-]+")


@dataclass(frozen=True)
class CharacterCandidate:
    """An active character that no player owns yet."""

    id: int
    name: str
    realm_slug: str
    guild_note: str | None
    officer_note: str | None
    class_id: int | None
    guild_rank_id: int | None


@dataclass(frozen=True)
class DiscordCandidate:
    """A Discord user present in the server; ``player_id`` when already linked to a player."""

    id: int
    discord_id: str
    username: str
    display_name: str | None
    player_id: int | None
    role_ids: tuple[str, ...]


@dataclass(frozen=True)
class PlayerCandidate:
    """An active player, the note aliases known for it, its main's and its characters' names."""

    id: int
    display_name: str
    discord_user_id: int | None
    aliases: tuple[str, ...]
    main_character_name: str | None = None
    character_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A proposed link of ``character_id`` to a player or a Discord user.

    Give ``player_id`` or ``discord_user_id`` (or both). ``ambiguous`` ones are never applied
    automatically. ``note_key``, when set, is remembered as the player's note alias on apply.
    """

    character_id: int
    discord_user_id: int | None
    player_id: int | None
    rule: str
    confidence: Confidence
    reason: str
    ambiguous: bool = False
    note_key: str | None = None


class MatchingRule(Protocol):
    """A source of suggestions. ``name`` is unique (it is stored as ``link_source`` on apply)."""

    name: str

    async def propose(self, ctx: MatchContext) -> list[Suggestion]: ...


@dataclass
class MatchContext:
    """A snapshot for one matching run. ``session`` lets plugin rules read their own tables."""

    session: AsyncSession
    characters: list[CharacterCandidate]
    discord_users: list[DiscordCandidate]
    players: list[PlayerCandidate]
    _discord_keys: dict[str, list[tuple[DiscordCandidate, str]]] = field(default_factory=dict, repr=False)
    _alias_keys: dict[str, list[PlayerCandidate]] = field(default_factory=dict, repr=False)
    _player_keys: dict[str, list[tuple[PlayerCandidate, str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        keys: dict[str, dict[int, tuple[DiscordCandidate, str]]] = defaultdict(dict)
        for user in self.discord_users:
            display = name_key(user.display_name or "")
            found = [(name_key(user.username), MATCH_USERNAME), (display, MATCH_DISPLAY_NAME)]
            found += [(word, MATCH_DISPLAY_WORD) for word in _DISPLAY_SPLIT.split(display)]
            for key, how in found:
                if key and user.id not in keys[key]:  # the first (strongest) way wins
                    keys[key][user.id] = (user, how)
        self._discord_keys = {k: list(v.values()) for k, v in keys.items()}
        aliases: dict[str, list[PlayerCandidate]] = defaultdict(list)
        for player in self.players:
            for alias in player.aliases:
                aliases[alias].append(player)
        self._alias_keys = dict(aliases)
        named: dict[str, dict[int, tuple[PlayerCandidate, str]]] = defaultdict(dict)
        for player in self.players:
            found = [(name_key(player.display_name), MATCH_PLAYER_NAME)]
            found.append((name_key(player.main_character_name or ""), MATCH_MAIN_NAME))
            found += [(name_key(name), MATCH_CHARACTER_NAME) for name in player.character_names]
            for key, how in found:
                if key and player.id not in named[key]:  # the first (strongest) way wins
                    named[key][player.id] = (player, how)
        self._player_keys = {k: list(v.values()) for k, v in named.items()}

    def discord_matches(self, key: str) -> list[tuple[DiscordCandidate, str]]:
        """Discord users whose username, display name or a word of it equals ``key`` (a name_key)."""
        return list(self._discord_keys.get(key, ()))

    def player_matches(self, key: str) -> list[tuple[PlayerCandidate, str]]:
        """Players whose display name, main character's name or another character's name
        equals ``key`` (a name_key), with how."""
        return list(self._player_keys.get(key, ()))

    def players_with_alias(self, key: str) -> list[PlayerCandidate]:
        """Players that have ``key`` as a note alias."""
        return list(self._alias_keys.get(key, ()))


def at_or_above_rank(min_rank_level: int) -> ColumnElement[bool]:
    """Characters whose in-game rank is at ``min_rank_level`` or above (no rank: below any)."""
    return WowCharacter.guild_rank_id.in_(select(GuildRank.id).where(GuildRank.level >= min_rank_level))


def unlinked_characters(min_rank_level: int | None = None) -> list[ColumnElement[bool]]:
    """Conditions on ``WowCharacter``: active, no player owns it, and at ``min_rank_level``
    or above when given."""
    conditions = [
        WowCharacter.removed_at.is_(None),
        WowCharacter.id.not_in(select(PlayerCharacter.character_id)),
    ]
    if min_rank_level is not None:
        conditions.append(at_or_above_rank(min_rank_level))
    return conditions


async def load_context(session: AsyncSession, *, min_rank_level: int | None = None) -> MatchContext:
    """Read the snapshot: unlinked active characters (only those at ``min_rank_level`` or
    above when given), present Discord users, active players."""
    character_rows = await session.scalars(
        select(WowCharacter).where(*unlinked_characters(min_rank_level)).order_by(WowCharacter.id)
    )
    characters = [
        CharacterCandidate(
            c.id, c.character_name, c.realm_slug, c.guild_note, c.officer_note, c.class_id, c.guild_rank_id
        )
        for c in character_rows
    ]
    player_by_discord = dict(
        (
            await session.execute(
                select(Player.discord_user_id, Player.id).where(Player.discord_user_id.is_not(None))
            )
        ).all()
    )
    discord_rows = await session.scalars(
        select(DiscordUser).where(DiscordUser.is_present.is_(True)).order_by(DiscordUser.id)
    )
    discord_users = [
        DiscordCandidate(
            u.id,
            u.discord_id,
            u.username,
            u.display_name,
            player_by_discord.get(u.id),
            tuple(u.role_ids or ()),
        )
        for u in discord_rows
    ]
    aliases: dict[int, list[str]] = defaultdict(list)
    for player_id, alias in (
        await session.execute(select(PlayerNoteAlias.player_id, PlayerNoteAlias.alias))
    ).all():
        aliases[player_id].append(alias)
    owned: dict[int, list[str]] = defaultdict(list)
    for player_id, name in (
        await session.execute(
            select(PlayerCharacter.player_id, WowCharacter.character_name)
            .join(WowCharacter, WowCharacter.id == PlayerCharacter.character_id)
            .where(WowCharacter.removed_at.is_(None))
            .order_by(WowCharacter.id)
        )
    ).all():
        owned[player_id].append(name)
    main = aliased(WowCharacter)
    player_rows = await session.execute(
        select(Player, main.character_name)
        .outerjoin(main, main.id == Player.main_character_id)
        .where(Player.is_active.is_(True))
        .order_by(Player.id)
    )
    players = [
        PlayerCandidate(
            p.id,
            p.display_name,
            p.discord_user_id,
            tuple(sorted(aliases.get(p.id, ()))),
            main_name,
            tuple(owned.get(p.id, ())),
        )
        for p, main_name in player_rows.all()
    ]
    return MatchContext(session, characters, discord_users, players)
