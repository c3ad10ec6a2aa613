"""The Player Manager's pages of data: players filtered and paginated on the server (it
must stay quick with 1,000+ characters), each with its characters, plus the unlinked
characters; and the officer actions that are not plain field edits (main/alt, delete).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, exists, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity import players as player_service
from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    Player,
    PlayerCharacter,
    Specialization,
    User,
    WowCharacter,
    WowClass,
)

if TYPE_CHECKING:
    from patt_host import HostAPI

PER_PAGE = 25
# The original Player Manager's filters (plus "inactive"); value -> label.
FILTERS = {
    "": "Everyone",
    "unregistered": "No account",
    "no_characters": "No characters",
    "no_discord": "No Discord",
    "no_main": "No main",
    "not_in_api": "Not in the Blizzard API",
    "role_mismatch": "Discord role ≠ rank",
    "inactive": "Inactive",
}


@dataclass(frozen=True)
class Query:
    search: str = ""
    filter: str = ""
    rank_id: int | None = None
    page: int = 1
    unlinked_page: int = 1

    @classmethod
    def parse(cls, params: Any) -> Query:
        """Query-string values, bounded (a bad value falls back to the default, never a 500)."""

        def number(name: str, default: int | None, top: int = 100_000) -> int | None:
            try:
                value = int(params.get(name, ""))
            except ValueError:
                return default
            return value if 1 <= value <= top else default

        search = " ".join(str(params.get("q", ""))[:100].split())
        search = "".join(ch for ch in search if ch.isprintable())
        wanted = str(params.get("filter", ""))
        return cls(
            search=search,
            filter=wanted if wanted in FILTERS else "",
            rank_id=number("rank", None, 2**31 - 1),
            page=number("page", 1) or 1,
            unlinked_page=number("cpage", 1) or 1,
        )


def owned_characters():
    return (
        select(PlayerCharacter.character_id)
        .join(WowCharacter, WowCharacter.id == PlayerCharacter.character_id)
        .where(PlayerCharacter.player_id == Player.id, WowCharacter.removed_at.is_(None))
    )


def filtered_players(query: Query) -> Select:
    """Player ids matching the search, rank and filter (one statement; counted and paged)."""
    stmt = select(Player.id).outerjoin(DiscordUser, DiscordUser.id == Player.discord_user_id)
    if query.search:
        like = f"%{query.search.replace('%', '').replace('_', '')}%"
        by_character = exists(
            owned_characters().where(WowCharacter.character_name.ilike(like)).correlate(Player)
        )
        stmt = stmt.where(
            or_(Player.display_name.ilike(like), DiscordUser.username.ilike(like), by_character)
        )
    if query.rank_id is not None:
        stmt = stmt.where(Player.guild_rank_id == query.rank_id)
    if query.filter != "inactive":
        stmt = stmt.where(Player.is_active.is_(True))
    conditions = {
        "unregistered": Player.website_user_id.is_(None),
        "no_characters": ~exists(owned_characters().correlate(Player)),
        "no_discord": Player.discord_user_id.is_(None),
        "no_main": Player.main_character_id.is_(None),
        "not_in_api": exists(
            owned_characters().where(WowCharacter.blizzard_last_sync.is_(None)).correlate(Player)
        ),
        "role_mismatch": and_(
            DiscordUser.highest_guild_role.is_not(None),
            ~exists(
                select(GuildRank.id).where(
                    GuildRank.id == Player.guild_rank_id,
                    func.lower(GuildRank.name) == func.lower(DiscordUser.highest_guild_role),
                )
            ),
        ),
        "inactive": Player.is_active.is_(False),
    }
    if query.filter in conditions:
        stmt = stmt.where(conditions[query.filter])
    return stmt


def page_numbers(total: int, page: int) -> dict[str, int]:
    pages = max(1, -(-total // PER_PAGE))
    page = min(page, pages)
    return {"page": page, "pages": pages, "total": total, "offset": (page - 1) * PER_PAGE}


async def one_page(session: AsyncSession, stmt: Select, page: int) -> tuple[list[Any], dict[str, int]]:
    """One page of ``stmt`` and its paging, the total counted in the same statement (a window
    count); only a page past the end costs a second statement, for the last page."""
    counted = stmt.add_columns(func.count().over().label("total")).limit(PER_PAGE)
    rows = (await session.execute(counted.offset((page - 1) * PER_PAGE))).all()
    if not rows and page > 1:
        total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
        page = page_numbers(total, page)["page"]
        rows = (await session.execute(counted.offset((page - 1) * PER_PAGE))).all()
    total = rows[0].total if rows else 0
    return [row[:-1] for row in rows], page_numbers(total, page)


def character_select(where: Any) -> Select:
    spec = aliased(Specialization)
    return (
        select(WowCharacter, WowClass.name, WowClass.color_hex, spec.name, PlayerCharacter.player_id)
        .outerjoin(WowClass, WowClass.id == WowCharacter.class_id)
        .outerjoin(spec, spec.id == WowCharacter.active_spec_id)
        .outerjoin(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .where(WowCharacter.removed_at.is_(None), where)
        .order_by(func.lower(WowCharacter.character_name), WowCharacter.realm_slug, WowCharacter.id)
    )


def character_dicts(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.character_name,
            "realm_slug": c.realm_slug,
            "class_name": class_name,
            "class_colour": colour,
            "spec_name": spec_name,
            "item_level": c.item_level,
            "guild_note": c.guild_note,
            "in_api": c.blizzard_last_sync is not None,
            "player_id": player_id,
        }
        for c, class_name, colour, spec_name, player_id in rows
    ]


async def picker_options(session: AsyncSession) -> tuple[list[Any], list[Any]]:
    """The pickers' lists in one statement: active players, and present Discord users
    without a player."""
    players = select(literal("player").label("kind"), Player.id, Player.display_name.label("name")).where(
        Player.is_active.is_(True)
    )
    discord = (
        select(literal("discord"), DiscordUser.id, DiscordUser.username)
        .outerjoin(Player, Player.discord_user_id == DiscordUser.id)
        .where(Player.id.is_(None), DiscordUser.is_present.is_(True))
    )
    both = union_all(players, discord).subquery()
    rows = (await session.execute(select(both).order_by(func.lower(both.c.name), both.c.id))).all()
    return (
        [(row.id, row.name) for row in rows if row.kind == "player"],
        [(row.id, row.name) for row in rows if row.kind == "discord"],
    )


async def manager_page(session: AsyncSession, query: Query) -> dict[str, Any]:
    """One page of players (with their characters) and one page of unlinked characters.

    A fixed number of statements whatever the guild's size (no query per row).
    """
    matching = filtered_players(query).subquery()
    rows, paging = await one_page(
        session,
        select(Player, DiscordUser.username, DiscordUser.highest_guild_role, User.email, GuildRank.name)
        .where(Player.id.in_(select(matching.c.id)))
        .outerjoin(DiscordUser, DiscordUser.id == Player.discord_user_id)
        .outerjoin(User, User.id == Player.website_user_id)
        .outerjoin(GuildRank, GuildRank.id == Player.guild_rank_id)
        .order_by(Player.is_active.desc(), func.lower(Player.display_name), Player.id),
        query.page,
    )
    players = []
    for p, discord_name, discord_role, username, rank_name in rows:
        players.append(
            {
                "id": p.id,
                "display_name": p.display_name,
                "is_active": p.is_active,
                "rank_name": rank_name,
                "rank_source": p.guild_rank_source,
                "rank_override_id": p.rank_override_id,
                "discord_user_id": p.discord_user_id,
                "discord_username": discord_name,
                "discord_role": discord_role,
                "registered": p.website_user_id is not None,
                "username": username,
                "main_character_id": p.main_character_id,
                "offspec_character_id": p.offspec_character_id,
                "characters": [],
            }
        )
    by_id = {p["id"]: p for p in players}
    if by_id:
        owned = await session.execute(character_select(PlayerCharacter.player_id.in_(by_id)))
        for character in character_dicts(owned.all()):
            by_id[character["player_id"]]["characters"].append(character)
    unlinked, unlinked_paging = await one_page(
        session, character_select(PlayerCharacter.id.is_(None)), query.unlinked_page
    )
    player_options, discord_options = await picker_options(session)
    return {
        "players": players,
        "paging": paging,
        "unlinked": character_dicts(unlinked),
        "unlinked_paging": unlinked_paging,
        "ranks": [
            {"id": r.id, "name": r.name}
            for r in await session.scalars(select(GuildRank).order_by(GuildRank.level.desc()))
        ],
        "player_options": player_options,
        "discord_options": discord_options,
    }


async def set_character_role(session: AsyncSession, player_id: int, character_id: int, role: str) -> Any:
    """Mark one of the player's characters as their main, offspec or an alt (specs follow the game)."""
    if role not in ("main", "offspec", "alt"):
        raise ValidationFailed("The role must be main, offspec or alt.")
    player = await player_service.get_player(session, player_id)
    main, offspec = player.main_character_id, player.offspec_character_id
    main_spec, offspec_spec = player.main_spec_id, player.offspec_spec_id
    if main == character_id:
        main, main_spec = None, None
    if offspec == character_id:
        offspec, offspec_spec = None, None
    if role == "main":
        main, main_spec = character_id, None
    elif role == "offspec":
        offspec, offspec_spec = character_id, None
    return await player_service.set_main_and_offspec(
        session,
        player_id=player_id,
        main_character_id=main,
        main_spec_id=main_spec,
        offspec_character_id=offspec,
        offspec_spec_id=offspec_spec,
    )


async def delete_player(session: AsyncSession, host: HostAPI, player_id: int) -> dict[str, Any]:
    """Delete a player who has no account: every plugin's data about them, their links, the row.

    A registered player is refused (409): deactivate them, or the member deletes their own
    account from the profile page, which anonymises instead.
    """
    # Locked and read afresh: a registration committing meanwhile would otherwise lose its player.
    player = await session.get(Player, player_id, with_for_update=True, populate_existing=True)
    if player is None:
        raise NotFound("That player does not exist.")
    if player.website_user_id is not None:
        raise Conflict(f"{player.display_name} has an account: deactivate them instead.")
    removed = await host.hooks.delete_member_data(session, player_id)
    for character_id in list(
        await session.scalars(
            select(PlayerCharacter.character_id).where(PlayerCharacter.player_id == player_id)
        )
    ):
        await player_service.unlink_character(session, character_id=character_id)
    name = player.display_name
    await session.delete(player)
    await session.flush()
    return {"id": player_id, "display_name": name, "deleted": True, "plugins": removed}
