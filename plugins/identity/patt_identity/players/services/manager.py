"""The Player Manager's pages of data: players filtered and paginated on the server (it
must stay quick with 1,000+ characters) as one compact row each, one player's full record
for the detail page, the unlinked characters (their own tab, searchable, with the best
pending suggestion); and the officer actions that are not plain field edits (main/alt,
bulk rank, delete a player, remove a stray character).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, case, delete, exists, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from patt_identity.players.services.records import last_login
from patt_identity.services import authority
from sv_common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sv_common.identity import players as player_service
from sv_common.identity.aliases import note_aliases_of
from sv_common.identity.characters import owner_of, set_character_removed
from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    LinkSuggestion,
    Player,
    PlayerCharacter,
    Specialization,
    User,
    WowCharacter,
    WowClass,
)
from sv_common.identity.ranks import set_rank_override

if TYPE_CHECKING:
    from patt_host import HostAPI

PER_PAGE = 40
UNLINKED = "unlinked"  # the filter value that opens the unlinked characters' tab
BULK_LIMIT = 500  # players in one bulk rank change (a page is 40; "select all" stays on a page)
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
    UNLINKED: "Unlinked characters",
}


@dataclass(frozen=True)
class Query:
    search: str = ""
    filter: str = ""
    rank_id: int | None = None
    page: int = 1

    @property
    def tab(self) -> str:
        return "unlinked" if self.filter == UNLINKED else "players"

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
        like = like_pattern(query.search)
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
    now = datetime.now(UTC)
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
            **last_login(c.last_login_timestamp, now),
            "player_id": player_id,
        }
        for c, class_name, colour, spec_name, player_id in rows
    ]


def like_pattern(search: str) -> str:
    return f"%{search.replace('%', '').replace('_', '')}%"


async def picker_options(session: AsyncSession) -> tuple[list[Any], list[Any]]:
    """The pickers' lists in one statement: active players (with their main's name, which
    the link picker searches too), and present Discord users without a player."""
    main = aliased(WowCharacter)
    players = (
        select(
            literal("player").label("kind"),
            Player.id,
            Player.display_name.label("name"),
            main.character_name.label("main_name"),
        )
        .outerjoin(main, main.id == Player.main_character_id)
        .where(Player.is_active.is_(True))
    )
    discord = (
        select(literal("discord"), DiscordUser.id, DiscordUser.username, literal(None))
        .outerjoin(Player, Player.discord_user_id == DiscordUser.id)
        .where(Player.id.is_(None), DiscordUser.is_present.is_(True))
    )
    both = union_all(players, discord).subquery()
    rows = (await session.execute(select(both).order_by(func.lower(both.c.name), both.c.id))).all()
    return (
        [(row.id, row.name, row.main_name) for row in rows if row.kind == "player"],
        [(row.id, row.name) for row in rows if row.kind == "discord"],
    )


def player_select() -> Select:
    main = aliased(WowCharacter)
    main_class = aliased(WowClass)
    return (
        select(
            Player,
            DiscordUser.username,
            DiscordUser.highest_guild_role,
            User.email,
            GuildRank.name,
            main.character_name,
            main_class.color_hex,
        )
        .outerjoin(DiscordUser, DiscordUser.id == Player.discord_user_id)
        .outerjoin(User, User.id == Player.website_user_id)
        .outerjoin(GuildRank, GuildRank.id == Player.guild_rank_id)
        .outerjoin(main, main.id == Player.main_character_id)
        .outerjoin(main_class, main_class.id == main.class_id)
    )


def player_dict(row: Any) -> dict[str, Any]:
    p, discord_name, discord_role, username, rank_name, main_name, main_colour = row
    return {
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
        "main_name": main_name,
        "main_colour": main_colour,
        "offspec_character_id": p.offspec_character_id,
        "characters": [],
    }


async def add_characters(session: AsyncSession, players: list[dict[str, Any]]) -> None:
    """Fill each player's ``characters`` (one statement for the lot) and count the alts."""
    by_id = {p["id"]: p for p in players}
    if by_id:
        owned = await session.execute(character_select(PlayerCharacter.player_id.in_(by_id)))
        for character in character_dicts(owned.all()):
            by_id[character["player_id"]]["characters"].append(character)
    for p in players:
        p["alts"] = sum(1 for c in p["characters"] if c["id"] != p["main_character_id"])


async def unlinked_count(session: AsyncSession) -> int:
    return await session.scalar(
        select(func.count())
        .select_from(WowCharacter)
        .outerjoin(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .where(WowCharacter.removed_at.is_(None), PlayerCharacter.id.is_(None))
    )


async def best_suggestions(session: AsyncSession, character_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The best pending suggestion per character (unambiguous and most confident first)."""
    if not character_ids:
        return {}
    order = case({"high": 0, "medium": 1}, value=LinkSuggestion.confidence, else_=2)
    rows = await session.execute(
        select(LinkSuggestion, Player.display_name, DiscordUser.username)
        .outerjoin(Player, Player.id == LinkSuggestion.player_id)
        .outerjoin(DiscordUser, DiscordUser.id == LinkSuggestion.discord_user_id)
        .where(LinkSuggestion.status == "pending", LinkSuggestion.character_id.in_(character_ids))
        .order_by(LinkSuggestion.character_id, LinkSuggestion.ambiguous, order, LinkSuggestion.id)
    )
    best: dict[int, dict[str, Any]] = {}
    for row, player_name, discord_name in rows.all():
        entry = best.setdefault(
            row.character_id,
            {
                "id": row.id,
                "target": player_name or (f"new player for Discord {discord_name}" if discord_name else "?"),
                "confidence": row.confidence,
                "ambiguous": row.ambiguous,
                "reason": row.reason,
                "others": 0,
            },
        )
        if entry["id"] != row.id:
            entry["others"] += 1
    return best


async def unlinked_page(session: AsyncSession, query: Query) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """A page of characters no player owns, searched by name, realm or guild note."""
    where = PlayerCharacter.id.is_(None)
    if query.search:
        like = like_pattern(query.search)
        where = and_(
            where,
            or_(
                WowCharacter.character_name.ilike(like),
                WowCharacter.realm_slug.ilike(like),
                WowCharacter.guild_note.ilike(like),
            ),
        )
    rows, paging = await one_page(session, character_select(where), query.page)
    characters = character_dicts(rows)
    suggestions = await best_suggestions(session, [c["id"] for c in characters])
    for c in characters:
        c["suggestion"] = suggestions.get(c["id"])
    return characters, paging


async def manager_page(session: AsyncSession, query: Query) -> dict[str, Any]:
    """The Player Manager's current tab: a page of players (one compact row each) or a page
    of unlinked characters with their best suggestion.

    A fixed number of statements whatever the guild's size (no query per row).
    """
    data: dict[str, Any] = {"players": [], "unlinked": [], "paging": None}
    if query.tab == "unlinked":
        data["unlinked"], data["paging"] = await unlinked_page(session, query)
        data["unlinked_total"] = (
            data["paging"]["total"] if not query.search else await unlinked_count(session)
        )
    else:
        matching = filtered_players(query).subquery()
        rows, data["paging"] = await one_page(
            session,
            player_select()
            .where(Player.id.in_(select(matching.c.id)))
            .order_by(Player.is_active.desc(), func.lower(Player.display_name), Player.id),
            query.page,
        )
        data["players"] = [player_dict(row) for row in rows]
        await add_characters(session, data["players"])
        data["unlinked_total"] = await unlinked_count(session)
    player_options, discord_options = await picker_options(session)
    data.update(
        ranks=await rank_options(session), player_options=player_options, discord_options=discord_options
    )
    return data


async def rank_options(session: AsyncSession) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "name": r.name}
        for r in await session.scalars(select(GuildRank).order_by(GuildRank.level.desc()))
    ]


async def player_detail(session: AsyncSession, player_id: int) -> dict[str, Any]:
    """One player's full record for the detail page (NotFound when unknown)."""
    row = (await session.execute(player_select().where(Player.id == player_id))).first()
    if row is None:
        raise NotFound("That player does not exist.")
    player = player_dict(row)
    await add_characters(session, [player])
    player["aliases"] = [
        {"id": a.id, "alias": a.alias, "source": a.source} for a in await note_aliases_of(session, player_id)
    ]
    player_options, discord_options = await picker_options(session)
    return {
        "player": player,
        "ranks": await rank_options(session),
        "player_options": player_options,
        "discord_options": discord_options,
    }


async def set_ranks(
    session: AsyncSession, actor: Any, player_ids: list[int], rank_id: int | None
) -> list[dict[str, Any]]:
    """Set (or clear, ``None``) the rank override of several players in one transaction.

    All or nothing: an unknown player, or one at or above the officer's rank, refuses the
    lot (the caller's transaction rolls back) with the player named.
    """
    ids = sorted(set(player_ids))
    if not ids:
        raise ValidationFailed("Select at least one player.")
    if len(ids) > BULK_LIMIT:
        raise ValidationFailed(f"At most {BULK_LIMIT} players at once.")
    await authority.check_may_grant(session, actor, rank_id)
    names = dict(
        (await session.execute(select(Player.id, Player.display_name).where(Player.id.in_(ids)))).all()
    )
    missing = [i for i in ids if i not in names]
    if missing:
        raise NotFound(f"Player {missing[0]} does not exist.")
    allowed = await authority.manageable_players(session, actor, ids)
    refused = [names[i] for i in ids if i not in allowed]
    if refused:
        raise Forbidden(f"{refused[0]}: {authority.ABOVE_YOU}", code="rank_too_high")
    for player_id in ids:
        await set_rank_override(session, player_id, rank_id)
    rows = await session.execute(
        select(Player.id, Player.rank_override_id, GuildRank.name)
        .outerjoin(GuildRank, GuildRank.id == Player.guild_rank_id)
        .where(Player.id.in_(ids))
        .order_by(Player.id)
    )
    return [{"id": i, "rank_override_id": o, "rank_name": name} for i, o, name in rows.all()]


async def remove_stray_character(session: AsyncSession, character_id: int) -> dict[str, Any]:
    """Hide a character no player owns (it left the guild, or a stray upload named it).

    A soft removal, as a roster sync does: a later sync that still finds the character in
    the guild brings it back. A linked character is refused (409): unlink it first.
    """
    character = await session.get(WowCharacter, character_id, with_for_update=True)
    if character is None or character.removed_at is not None:
        raise NotFound("That character does not exist.")
    if await owner_of(session, character_id) is not None:
        raise Conflict(f"{character.character_name} belongs to a player: unlink it first.")
    await session.execute(
        delete(LinkSuggestion).where(
            LinkSuggestion.character_id == character_id, LinkSuggestion.status == "pending"
        )
    )
    await set_character_removed(session, character_id)  # rank changes ride on the session
    return {"id": character_id, "name": character.character_name, "removed": True}


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
