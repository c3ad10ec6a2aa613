"""The public roster: one SQL query for every active player with a main character, and
the composition (roles, classes) derived from the same rows.

The result is a plain dict so the API (JSON) and the page (HTML) render the very same
data, which :mod:`patt_identity.roster.services.cache` keeps for a short while.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sv_common.identity.models import (
    GuildRank,
    Player,
    PlayerCharacter,
    Role,
    Specialization,
    WowCharacter,
    WowClass,
)

# Order the composition chart lists roles in (names come from the database).
ROLE_SLUGS = ("tank", "healer", "melee", "ranged")


def class_slug(class_name: str | None) -> str:
    """CSS class of a WoW class ("Death Knight" -> "cls-death-knight")."""
    return "cls-" + re.sub(r"[^a-z0-9]+", "-", (class_name or "unknown").lower()).strip("-")


def role_slug(role_name: str | None) -> str:
    """CSS-friendly key of a role ("Melee DPS" -> "melee"), "" when unknown."""
    return role_name.split()[0].lower() if role_name else ""


class ArmoryLinks:
    """Builds armory URLs from the plugin's template and the site's region/locale."""

    def __init__(self, template: str, region: str, locale: str):
        self.template = template
        self.region = region.lower()
        self.locale = locale.lower()

    def url(self, realm_slug: str, name: str) -> str:
        return self.template.format(
            locale=quote(self.locale),
            region=quote(self.region),
            realm=quote(realm_slug.lower()),
            name=quote(name.lower()),
        )


def _character_columns(character, wow_class, spec, role) -> list[Any]:
    return [
        character.id,
        character.character_name,
        character.realm_slug,
        character.item_level,
        wow_class.name,
        wow_class.color_hex,
        spec.name,
        role.name,
    ]


def roster_query():
    """ONE statement: players ⨝ main (+ offspec) character ⨝ class ⨝ spec ⨝ role ⨝ rank,
    plus the player's active character count as a correlated subquery (no N+1)."""
    main = aliased(WowCharacter, name="main")
    main_class = aliased(WowClass, name="main_class")
    main_spec = aliased(Specialization, name="main_spec")
    main_role = aliased(Role, name="main_role")
    off = aliased(WowCharacter, name="off")
    off_class = aliased(WowClass, name="off_class")
    off_spec = aliased(Specialization, name="off_spec")
    off_role = aliased(Role, name="off_role")
    owned = aliased(WowCharacter, name="owned")

    character_count = (
        select(func.count())
        .select_from(PlayerCharacter)
        .join(owned, owned.id == PlayerCharacter.character_id)
        .where(PlayerCharacter.player_id == Player.id, owned.removed_at.is_(None))
        .scalar_subquery()
    )
    columns = [
        Player.id,
        Player.display_name,
        GuildRank.name,
        GuildRank.level,
        *_character_columns(main, main_class, main_spec, main_role),
        *_character_columns(off, off_class, off_spec, off_role),
        character_count,
    ]
    return (
        select(*columns)
        .join(main, (main.id == Player.main_character_id) & main.removed_at.is_(None))
        .outerjoin(GuildRank, GuildRank.id == Player.guild_rank_id)
        .outerjoin(main_class, main_class.id == main.class_id)
        .outerjoin(main_spec, main_spec.id == func.coalesce(Player.main_spec_id, main.active_spec_id))
        .outerjoin(main_role, main_role.id == main_spec.default_role_id)
        .outerjoin(off, (off.id == Player.offspec_character_id) & off.removed_at.is_(None))
        .outerjoin(off_class, off_class.id == off.class_id)
        .outerjoin(off_spec, off_spec.id == func.coalesce(Player.offspec_spec_id, off.active_spec_id))
        .outerjoin(off_role, off_role.id == off_spec.default_role_id)
        .where(Player.is_active.is_(True))
        .order_by(func.lower(Player.display_name), Player.id)
    )


def alts_query():
    """ONE statement for every roster player's other (alt) characters, grouped in Python.

    The spec shown is the character's own active spec (the player picks specs only for
    the main and offspec); highest level, then item level, first.
    """
    alt = aliased(WowCharacter, name="alt")
    alt_class = aliased(WowClass, name="alt_class")
    alt_spec = aliased(Specialization, name="alt_spec")
    alt_role = aliased(Role, name="alt_role")
    return (
        select(PlayerCharacter.player_id, *_character_columns(alt, alt_class, alt_spec, alt_role), alt.level)
        .join(alt, (alt.id == PlayerCharacter.character_id) & alt.removed_at.is_(None))
        .join(Player, Player.id == PlayerCharacter.player_id)
        .outerjoin(alt_class, alt_class.id == alt.class_id)
        .outerjoin(alt_spec, alt_spec.id == alt.active_spec_id)
        .outerjoin(alt_role, alt_role.id == alt_spec.default_role_id)
        .where(
            Player.is_active.is_(True),
            Player.main_character_id.is_not(None),
            alt.id != Player.main_character_id,
        )
        .order_by(
            alt.level.desc().nulls_last(),
            alt.item_level.desc().nulls_last(),
            func.lower(alt.character_name),
            alt.id,
        )
    )


def _character(values: list[Any], links: ArmoryLinks) -> dict[str, Any] | None:
    character_id, name, realm, item_level, class_name, colour, spec, role = values
    if character_id is None:
        return None
    return {
        "character_id": character_id,
        "name": name,
        "realm_slug": realm,
        "class_name": class_name,
        "class_colour": colour,
        "spec_name": spec,
        "role_name": role,
        "role": role_slug(role),
        "item_level": item_level,
        "armory_url": links.url(realm, name),
    }


def composition(players: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of mains by role and by class, for the chart; each role also broken down by
    class and spec ("Holy Paladin 2 · Restoration Druid 1"), most first, for the role cards.
    One pass over the players already loaded."""
    roles: Counter[tuple[str, str]] = Counter()
    classes: Counter[tuple[str, str]] = Counter()
    specs: Counter[tuple[str, str, str | None, str]] = Counter()
    for player in players:
        main = player["main"]
        role = (main["role_name"] or "Unknown", main["role"])
        roles[role] += 1
        classes[(main["class_name"] or "Unknown", main["class_colour"] or "")] += 1
        specs[(role[1], main["class_name"] or "Unknown", main["spec_name"], main["class_colour"] or "")] += 1
    by_role: dict[str, list[dict[str, Any]]] = {}
    for (slug, class_name, spec_name, colour), count in sorted(
        specs.items(), key=lambda item: (-item[1], item[0][1], item[0][2] or "")
    ):
        by_role.setdefault(slug, []).append(
            {"class_name": class_name, "spec_name": spec_name, "class_colour": colour, "count": count}
        )
    order = {slug: i for i, slug in enumerate(ROLE_SLUGS)}
    role_list = sorted(roles.items(), key=lambda item: (order.get(item[0][1], 99), item[0][0]))
    class_list = sorted(classes.items(), key=lambda item: (-item[1], item[0][0]))
    return {
        "total": len(players),
        "roles": [
            {"name": n, "role": slug, "count": c, "specs": by_role.get(slug, [])}
            for (n, slug), c in role_list
        ],
        "classes": [{"name": n, "class_colour": colour, "count": c} for (n, colour), c in class_list],
    }


async def load_roster(session: AsyncSession, links: ArmoryLinks) -> dict[str, Any]:
    """Active players with a main character, ordered by display name, each with their alts,
    plus composition. Two statements per snapshot, whatever the roster's size."""
    alts: dict[int, list[dict[str, Any]]] = {}
    for row in (await session.execute(alts_query())).all():
        values = list(row)
        alt = _character(values[1:9], links)
        del alt["armory_url"]  # the page does not link alts; this keeps the cached JSON small
        alts.setdefault(values[0], []).append({**alt, "level": values[9]})
    players = []
    for row in (await session.execute(roster_query())).all():
        values = list(row)
        players.append(
            {
                "player_id": values[0],
                "display_name": values[1],
                "rank_name": values[2],
                "rank_level": values[3] or 0,
                "main": _character(values[4:12], links),
                "offspec": _character(values[12:20], links),
                "character_count": values[20],
                "alts": alts.get(values[0], []),
            }
        )
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "players": players,
        "composition": composition(players),
    }


async def roster_version(session: AsyncSession) -> tuple[Any, ...]:
    """A cheap fingerprint of what the roster shows (one small aggregate query).

    Player edits bump ``players.updated_at``; links change the bridge's count/max id (a
    character moved to another player stamps both players); syncs stamp the characters' sync
    times; rank edits bump ``guild_ranks.updated_at``. (``snapshot.roster_snapshot`` adds when
    the site settings were saved.) Anything it misses is still bounded by the cache's maximum age.
    """
    fingerprint = [
        select(func.count()).select_from(Player),
        select(func.max(Player.updated_at)),
        select(func.count()).select_from(PlayerCharacter),
        select(func.max(PlayerCharacter.id)),
        select(func.count()).select_from(WowCharacter),
        select(func.max(WowCharacter.id)),
        select(func.max(WowCharacter.blizzard_last_sync)),
        select(func.max(WowCharacter.addon_last_sync)),
        select(func.max(WowCharacter.removed_at)),
        select(func.max(GuildRank.updated_at)),
    ]
    row = (await session.execute(select(*(part.scalar_subquery() for part in fingerprint)))).one()
    return tuple(row)
