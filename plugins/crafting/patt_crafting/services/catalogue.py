"""What the Crafting Corner reads: professions, expansions, recipes, crafters.

Every count is of *current* guild characters (``wow_characters.removed_at IS NULL``): the
original counted departed characters as crafters (reference §23.2). A recipe nobody in the
guild knows any more is not listed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_crafting.models import CharacterRecipe, Profession, ProfessionTier, Recipe
from sv_common.errors import NotFound
from sv_common.identity.models import GuildRank, Player, PlayerCharacter, WowCharacter, WowClass

WOWHEAD_SEARCH = "https://www.wowhead.com/search?q="


def wowhead_url(name: str) -> str:
    return WOWHEAD_SEARCH + quote_plus(name)


def _known_by_current(recipe_id_column):
    return exists().where(
        CharacterRecipe.recipe_id == recipe_id_column,
        CharacterRecipe.character_id == WowCharacter.id,
        WowCharacter.removed_at.is_(None),
    )


def crafter_count_column(recipe_id_column):
    return (
        select(func.count())
        .select_from(CharacterRecipe)
        .join(WowCharacter, WowCharacter.id == CharacterRecipe.character_id)
        .where(CharacterRecipe.recipe_id == recipe_id_column, WowCharacter.removed_at.is_(None))
        .scalar_subquery()
    )


async def professions(session: AsyncSession) -> list[dict[str, Any]]:
    """``[{name, expansions: [{name, recipe_count}]}]``, professions by name, expansions newest first."""
    rows = await session.execute(
        select(
            Profession.name,
            ProfessionTier.expansion_name,
            func.max(ProfessionTier.sort_order).label("newest"),
            func.count(Recipe.id),
        )
        .join(ProfessionTier, ProfessionTier.id == Recipe.tier_id)
        .join(Profession, Profession.id == Recipe.profession_id)
        .where(_known_by_current(Recipe.id))
        .group_by(Profession.name, ProfessionTier.expansion_name)
        .order_by(Profession.name, func.max(ProfessionTier.sort_order).desc(), ProfessionTier.expansion_name)
    )
    out: list[dict[str, Any]] = []
    for profession, expansion, _, count in rows:
        if not out or out[-1]["name"] != profession:
            out.append({"name": profession, "expansions": []})
        out[-1]["expansions"].append({"name": expansion, "recipe_count": count})
    return out


def _recipe_row(row) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "profession": row.profession,
        "expansion": row.expansion,
        "crafter_count": row.crafter_count,
        "wowhead_url": wowhead_url(row.name),
    }


async def recipes_in(session: AsyncSession, profession: str, expansion: str) -> list[dict[str, Any]]:
    """The recipes of one profession and expansion that someone in the guild knows, by name."""
    count = crafter_count_column(Recipe.id)
    rows = await session.execute(
        select(
            Recipe.id,
            Recipe.name,
            Profession.name.label("profession"),
            ProfessionTier.expansion_name.label("expansion"),
            count.label("crafter_count"),
        )
        .join(ProfessionTier, ProfessionTier.id == Recipe.tier_id)
        .join(Profession, Profession.id == Recipe.profession_id)
        .where(
            func.lower(Profession.name) == profession.lower(),
            func.lower(ProfessionTier.expansion_name) == expansion.lower(),
            _known_by_current(Recipe.id),
        )
        .order_by(Recipe.name)
    )
    return [_recipe_row(row) for row in rows]


def _last_seen(ms: int | None) -> str | None:
    if not ms:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


async def crafters(session: AsyncSession, recipe_id: int) -> list[dict[str, Any]]:
    """Current characters that know the recipe, one entry per player (alts under it).

    Characters nobody has claimed are one entry each. Entries by rank (highest first), then
    name. ``ping`` tells whether the player asked to be mentioned for guild orders.
    """
    char_rank = GuildRank.__table__.alias("char_rank")
    player_rank = GuildRank.__table__.alias("player_rank")
    rows = await session.execute(
        select(
            WowCharacter.id,
            WowCharacter.character_name,
            WowCharacter.realm_slug,
            WowCharacter.last_login_timestamp,
            WowClass.name.label("class_name"),
            char_rank.c.name.label("char_rank"),
            char_rank.c.level.label("char_level"),
            Player.id.label("player_id"),
            Player.display_name,
            Player.main_character_id,
            Player.crafting_notifications_enabled,
            Player.discord_user_id,
            player_rank.c.name.label("player_rank"),
            player_rank.c.level.label("player_level"),
        )
        .join(CharacterRecipe, CharacterRecipe.character_id == WowCharacter.id)
        .outerjoin(WowClass, WowClass.id == WowCharacter.class_id)
        .outerjoin(char_rank, char_rank.c.id == WowCharacter.guild_rank_id)
        .outerjoin(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .outerjoin(Player, and_(Player.id == PlayerCharacter.player_id, Player.is_active.is_(True)))
        .outerjoin(player_rank, player_rank.c.id == Player.guild_rank_id)
        .where(CharacterRecipe.recipe_id == recipe_id, WowCharacter.removed_at.is_(None))
    )
    groups: dict[Any, dict[str, Any]] = {}
    for row in rows:
        character = {
            "id": row.id,
            "name": row.character_name,
            "realm": row.realm_slug,
            "class": row.class_name,
            "rank": row.char_rank,
            "last_seen": _last_seen(row.last_login_timestamp),
            "_main": row.main_character_id == row.id,
            "_login": row.last_login_timestamp or 0,
        }
        key = ("player", row.player_id) if row.player_id is not None else ("character", row.id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "player_id": row.player_id,
                "player": row.display_name,
                "rank": row.player_rank or row.char_rank,
                "_level": row.player_level if row.player_level is not None else (row.char_level or 0),
                "ping": bool(row.crafting_notifications_enabled) and row.discord_user_id is not None,
                "_characters": [],
            }
        group["_characters"].append(character)
    out = []
    for group in groups.values():
        characters = sorted(group.pop("_characters"), key=lambda c: (not c["_main"], -c["_login"], c["name"]))
        newest = max(c["_login"] for c in characters)
        for c in characters:
            del c["_main"], c["_login"]
        group["character"] = characters[0]
        group["alts"] = characters[1:]
        group["last_seen"] = _last_seen(newest)
        group["name"] = group["player"] or characters[0]["name"]
        out.append(group)
    out.sort(key=lambda g: (-g.pop("_level"), g["name"].lower()))
    return out


async def recipe_detail(session: AsyncSession, recipe_id: int) -> dict[str, Any]:
    row = (
        await session.execute(
            select(
                Recipe.id,
                Recipe.name,
                Recipe.blizzard_recipe_id,
                Profession.name.label("profession"),
                ProfessionTier.name.label("tier"),
                ProfessionTier.expansion_name.label("expansion"),
            )
            .join(ProfessionTier, ProfessionTier.id == Recipe.tier_id)
            .join(Profession, Profession.id == Recipe.profession_id)
            .where(Recipe.id == recipe_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("That recipe does not exist.")
    groups = await crafters(session, recipe_id)
    return {
        "id": row.id,
        "name": row.name,
        "blizzard_recipe_id": row.blizzard_recipe_id,
        "profession": row.profession,
        "tier": row.tier,
        "expansion": row.expansion,
        "wowhead_url": wowhead_url(row.name),
        "crafter_count": sum(1 + len(g["alts"]) for g in groups),
        "player_count": len(groups),
        "crafters": groups,
    }
