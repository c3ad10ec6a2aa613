"""Lenient parsers for Blizzard's roster and character profile responses.

Fields are optional and read defensively: shapes drifted over the years (``character.key``,
``faction``, Evoker ...) and a missing or oddly-typed field must not lose a member. Keys
are numeric ids, never ``href``s. A number outside its plausible range reads as missing:
written as is, one such value failed the whole sync's transaction (the columns are 32- or
64-bit) or, as a last login, every page that turns it into a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


# Plausible ranges (inclusive); anything else reads as missing.
INT32_MAX = 2**31 - 1
ID_RANGE = (1, 2**63 - 1)  # Blizzard character ids (a BIGINT column)
REF_ID_RANGE = (1, INT32_MAX)  # class and spec ids
LEVEL_RANGE = (1, 1000)
RANK_RANGE = (0, 255)  # the game has ranks 0-9
ITEM_LEVEL_RANGE = (0, 10_000)
# Epoch milliseconds from late 2004 (WoW's release) to 2100: 0 and garbage read as unknown.
LAST_LOGIN_RANGE = (1_100_000_000_000, 4_102_444_800_000)


def _bounded(value: Any, bounds: tuple[int, int]) -> int | None:
    number = _int(value)
    return number if number is not None and bounds[0] <= number <= bounds[1] else None


def _str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):  # localised names come as {"en_US": "...", ...} without ?locale
        for text in value.values():
            if isinstance(text, str) and text.strip():
                return text.strip()
    return None


def _name_and_id(value: Any) -> tuple[str | None, int | None]:
    obj = _dict(value)
    return _str(obj.get("name")), _bounded(obj.get("id"), REF_ID_RANGE)


@dataclass(frozen=True)
class RosterMember:
    blizzard_id: int | None
    name: str
    realm_slug: str
    realm_name: str | None
    level: int | None
    class_id: int | None  # Blizzard playable-class id
    rank: int | None


@dataclass(frozen=True)
class Roster:
    guild_name: str | None
    guild_realm_slug: str | None
    members: list[RosterMember]
    skipped: int = 0  # entries without a name or realm
    skipped_ids: tuple[int, ...] = ()  # Blizzard ids of those skipped entries that had one
    duplicates: int = 0  # entries repeating an earlier member (dropped; the first one counts)


@dataclass(frozen=True)
class CharacterProfile:
    blizzard_id: int | None
    name: str | None
    realm_slug: str | None
    realm_name: str | None
    level: int | None
    class_id: int | None
    class_name: str | None
    spec_id: int | None
    spec_name: str | None
    item_level: int | None
    last_login_ms: int | None
    guild_name: str | None


def parse_roster(body: Any, *, default_realm: str | None = None) -> Roster:
    """Members of a ``/data/wow/guild/{realm}/{guild}/roster`` response.

    Each member keeps its own realm (connected realms: one guild, several realms); a
    member without one falls back to the guild's realm.
    """
    body = _dict(body)
    guild = _dict(body.get("guild"))
    guild_realm = _dict(guild.get("realm"))
    guild_realm_slug = _str(guild_realm.get("slug")) or default_realm
    members: list[RosterMember] = []
    skipped = 0
    skipped_ids: list[int] = []
    duplicates = 0
    listed: set[int | tuple[str, str]] = set()
    for entry in body.get("members") or []:
        entry = _dict(entry)
        character = _dict(entry.get("character"))
        realm = _dict(character.get("realm"))
        name = _str(character.get("name"))
        slug = _str(realm.get("slug")) or guild_realm_slug
        blizzard_id = _bounded(character.get("id"), ID_RANGE)
        if not name or not slug:
            skipped += 1
            if blizzard_id is not None:
                skipped_ids.append(blizzard_id)  # still a member: callers must not remove it
            continue
        identity = blizzard_id if blizzard_id is not None else (name.lower(), slug.lower())
        if identity in listed:
            duplicates += 1
            continue
        listed.add(identity)
        members.append(
            RosterMember(
                blizzard_id=blizzard_id,
                name=name,
                realm_slug=slug.lower(),
                realm_name=_str(realm.get("name"))
                or (_str(guild_realm.get("name")) if slug == guild_realm_slug else None),
                level=_bounded(character.get("level"), LEVEL_RANGE),
                class_id=_bounded(_dict(character.get("playable_class")).get("id"), REF_ID_RANGE),
                rank=_bounded(entry.get("rank"), RANK_RANGE),
            )
        )
    return Roster(
        guild_name=_str(guild.get("name")),
        guild_realm_slug=guild_realm_slug,
        members=members,
        skipped=skipped,
        skipped_ids=tuple(skipped_ids),
        duplicates=duplicates,
    )


def parse_profile(body: Any) -> CharacterProfile:
    """The fields of a ``/profile/wow/character/{realm}/{name}`` response the platform stores."""
    body = _dict(body)
    realm = _dict(body.get("realm"))
    class_name, class_id = _name_and_id(body.get("character_class"))
    spec_name, spec_id = _name_and_id(body.get("active_spec"))
    guild_name, _ = _name_and_id(body.get("guild"))
    return CharacterProfile(
        blizzard_id=_bounded(body.get("id"), ID_RANGE),
        name=_str(body.get("name")),
        realm_slug=(_str(realm.get("slug")) or "").lower() or None,
        realm_name=_str(realm.get("name")),
        level=_bounded(body.get("level"), LEVEL_RANGE),
        class_id=class_id,
        class_name=class_name,
        spec_id=spec_id,
        spec_name=spec_name,
        item_level=_bounded(body.get("equipped_item_level"), ITEM_LEVEL_RANGE)
        or _bounded(body.get("average_item_level"), ITEM_LEVEL_RANGE),
        last_login_ms=_bounded(body.get("last_login_timestamp"), LAST_LOGIN_RANGE),
        guild_name=guild_name,
    )
