"""The built-in matching rules: guild-note key and character name against Discord names.

Only exact key comparisons (after ``name_key``) are made; the original's substring matches
produced false links. Whenever a key fits more than one target, every suggestion it makes is
ambiguous, so nothing guesses on the officer's behalf.
"""

from __future__ import annotations

import re

from sv_common.identity.matching_context import (
    MATCH_CHARACTER_NAME,
    MATCH_DISPLAY_WORD,
    MATCH_PLAYER_NAME,
    CharacterCandidate,
    Confidence,
    DiscordCandidate,
    MatchContext,
    PlayerCandidate,
    Suggestion,
)
from sv_common.identity.normalise import name_key

_KEY_CUT = re.compile(r"[-/]")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_KEY_PUNCTUATION = re.compile(r"['’.,;:!?()\[\]\"]")


def note_key(note: str | None) -> str | None:
    """The name a guild note points at: "Rocket's DH" -> "rocket", "Rocket-mental 702" -> "rocket".

    First word, cut at "-" or "/", possessive "'s" and punctuation removed, then ``name_key``.
    None when shorter than 2 characters.
    """
    words = (note or "").split()
    if not words:
        return None
    word = _KEY_CUT.split(words[0], maxsplit=1)[0]
    word = _KEY_PUNCTUATION.sub("", _POSSESSIVE.sub("", word))
    key = name_key(word)
    return key if len(key) >= 2 else None


def plural_variant(key: str) -> str | None:
    """Drop a plural "s" ("shodooms" -> "shodoom"): notes often pluralise a name; tried only when the key itself fails."""
    return key[:-1] if len(key) > 3 and key.endswith("s") else None


def _target(user: DiscordCandidate | None, player: PlayerCandidate | None) -> tuple[str, int]:
    if player is not None:
        return ("player", player.id)
    assert user is not None
    return ("player", user.player_id) if user.player_id is not None else ("discord", user.id)


def _describe(user: DiscordCandidate, how: str) -> str:
    name = user.username if how == "username" else (user.display_name or user.username)
    return f'Discord {how} "{name}"'


class NoteKeyRule:
    """Guild-note key -> a player's known alias, name, main or other character's name, or a
    Discord username / display name.

    Where the original made a "stub" player named after a key that met nobody, a key that
    meets nobody here makes no suggestion: the characters stay in the Player Manager's
    unlinked tab (their note shown), where an officer links them or creates the player.
    """

    name = "note_key"

    async def propose(self, ctx: MatchContext) -> list[Suggestion]:
        out: list[Suggestion] = []
        for character in ctx.characters:
            key = note_key(character.guild_note)
            if key is None:
                continue
            found = self._candidates(ctx, key)
            if not found:
                variant = plural_variant(key)
                if variant:
                    found = [(u, p, "medium", why) for u, p, _c, why in self._candidates(ctx, variant)]
                    key = variant
            out.extend(self._suggest(character, key, found))
        return out

    def _candidates(
        self, ctx: MatchContext, key: str
    ) -> list[tuple[DiscordCandidate | None, PlayerCandidate | None, Confidence, str]]:
        found: list[tuple[DiscordCandidate | None, PlayerCandidate | None, Confidence, str]] = []
        for player in ctx.players_with_alias(key):
            found.append((None, player, "high", f'a known alias of player "{player.display_name}"'))
        # Players are found by their own names too, so members without Discord get linked.
        for player, how in ctx.player_matches(key):
            level: Confidence = "medium" if how == MATCH_CHARACTER_NAME else "high"
            what = (
                f'player "{player.display_name}"'
                if how == MATCH_PLAYER_NAME
                else f'the {how} of player "{player.display_name}"'
            )
            found.append((None, player, level, what))
        for user, how in ctx.discord_matches(key):
            confidence: Confidence = "medium" if how == MATCH_DISPLAY_WORD else "high"
            found.append((user, None, confidence, _describe(user, how)))
        return found

    def _suggest(self, character: CharacterCandidate, key: str, found) -> list[Suggestion]:
        # One target reached two ways (an alias and its player's Discord user) is still one target.
        by_target: dict[tuple[str, int], tuple] = {}
        for item in found:
            by_target.setdefault(_target(item[0], item[1]), item)
        ambiguous = len(by_target) > 1
        suggestions = []
        for user, player, confidence, why in by_target.values():
            suggestions.append(
                Suggestion(
                    character_id=character.id,
                    discord_user_id=user.id if user is not None else None,
                    player_id=player.id if player is not None else (user.player_id if user else None),
                    rule=self.name,
                    confidence=confidence,
                    reason=f'Guild note "{character.guild_note}" names "{key}": {why}'
                    + (f" (one of {len(by_target)} matches)" if ambiguous else ""),
                    ambiguous=ambiguous,
                    note_key=key,
                )
            )
        return suggestions


class CharacterNameRule:
    """Character name -> a Discord username or display name (or a word of the display name)."""

    name = "character_name"

    async def propose(self, ctx: MatchContext) -> list[Suggestion]:
        out: list[Suggestion] = []
        for character in ctx.characters:
            key = name_key(character.name)
            if len(key) < 2:
                continue
            matches = ctx.discord_matches(key)
            targets = {_target(user, None) for user, _how in matches}
            ambiguous = len(targets) > 1
            for user, how in matches:
                out.append(
                    Suggestion(
                        character_id=character.id,
                        discord_user_id=user.id,
                        player_id=user.player_id,
                        rule=self.name,
                        confidence="medium" if how == MATCH_DISPLAY_WORD else "high",
                        reason=f'Character "{character.name}-{character.realm_slug}" is the '
                        f"{_describe(user, how)}"
                        + (f" (one of {len(targets)} matches)" if ambiguous else ""),
                        ambiguous=ambiguous,
                    )
                )
        return out
