"""Officers' reference tables: ranks (and their WoW/Discord mapping), roles, classes,
specs, and the invite list.

Changing how ranks map (level, in-game index, Discord role) re-derives every
character's rank and recomputes every player through THE rank rule, which fixes the
original's silently-dropped ``wow_rank_index`` edits (§23.2 #11).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from patt_identity.players.services.delivery import masked
from patt_identity.services import authority
from sv_common.auth import Actor
from sv_common.auth.service import list_invites
from sv_common.errors import Conflict, NotFound
from sv_common.identity.models import (
    GuildRank,
    InviteCode,
    Player,
    Role,
    Specialization,
    User,
    WowCharacter,
    WowClass,
)
from sv_common.identity.ranks import RankChange, recompute_all

MAPPING_FIELDS = frozenset({"level", "wow_rank_index", "discord_role_id"})
RANK_FIELDS = ("name", "level", "description", "wow_rank_index", "discord_role_id", "scheduling_weight")


def rank_dict(rank: GuildRank) -> dict[str, Any]:
    return {field: getattr(rank, field) for field in ("id", *RANK_FIELDS)}


async def list_ranks(session: AsyncSession) -> list[dict[str, Any]]:
    return [rank_dict(r) for r in await session.scalars(select(GuildRank).order_by(GuildRank.level))]


async def _flush_unique(session: AsyncSession, what: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            f"Another rank already uses that {what}. Clear it there first (each name, level, "
            "in-game index and Discord role maps to exactly one rank)."
        ) from None


async def remap_ranks(session: AsyncSession) -> list[RankChange]:
    """Re-derive every character's rank from its in-game index, then recompute every player."""
    index_rank = (
        select(GuildRank.id).where(GuildRank.wow_rank_index == WowCharacter.wow_rank_index).scalar_subquery()
    )
    await session.execute(
        update(WowCharacter)
        .where(WowCharacter.wow_rank_index.is_not(None))
        .values(guild_rank_id=index_rank)
        .execution_options(synchronize_session=False)
    )
    return await recompute_all(session)


async def create_rank(session: AsyncSession, values: dict[str, Any]) -> tuple[GuildRank, list[RankChange]]:
    rank = GuildRank(**{k: v for k, v in values.items() if k in RANK_FIELDS})
    session.add(rank)
    await _flush_unique(session, "name, level, in-game index or Discord role")
    changes = await remap_ranks(session) if rank.wow_rank_index is not None or rank.discord_role_id else []
    return rank, changes


async def update_rank(
    session: AsyncSession, rank_id: int, changes: dict[str, Any]
) -> tuple[GuildRank, list[RankChange]]:
    """Apply the fields sent; a mapping change triggers the rank recomputation."""
    rank = await session.get(GuildRank, rank_id)
    if rank is None:
        raise NotFound("That rank does not exist.")
    remap = False
    for field, value in changes.items():
        if field not in RANK_FIELDS or (field in ("name", "level", "scheduling_weight") and value is None):
            continue
        if getattr(rank, field) != value:
            setattr(rank, field, value)
            remap = remap or field in MAPPING_FIELDS
    await _flush_unique(session, "name, level, in-game index or Discord role")
    return rank, (await remap_ranks(session) if remap else [])


async def delete_rank(session: AsyncSession, rank_id: int) -> None:
    rank = await session.get(GuildRank, rank_id)
    if rank is None:
        raise NotFound("That rank does not exist.")
    players = await session.scalar(
        select(func.count())
        .select_from(Player)
        .where(or_(Player.guild_rank_id == rank_id, Player.rank_override_id == rank_id))
    )
    characters = await session.scalar(
        select(func.count()).select_from(WowCharacter).where(WowCharacter.guild_rank_id == rank_id)
    )
    if players or characters:
        raise Conflict(
            f"{rank.name} is in use by {players} player(s) and {characters} character(s); "
            "move them to another rank first."
        )
    await session.delete(rank)
    await session.flush()


async def list_roles(session: AsyncSession) -> list[dict[str, Any]]:
    return [{"id": r.id, "name": r.name} for r in await session.scalars(select(Role).order_by(Role.id))]


async def rename_role(session: AsyncSession, role_id: int, name: str) -> dict[str, Any]:
    role = await session.get(Role, role_id)
    if role is None:
        raise NotFound("That role does not exist.")
    role.name = name.strip()
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict("Another role already has that name.") from None
    return {"id": role.id, "name": role.name}


async def list_classes_and_specs(session: AsyncSession) -> dict[str, Any]:
    classes = [
        {"id": c.id, "name": c.name, "color_hex": c.color_hex}
        for c in await session.scalars(select(WowClass).order_by(WowClass.name))
    ]
    role = aliased(Role)
    rows = await session.execute(
        select(Specialization, WowClass.name, role.name)
        .join(WowClass, WowClass.id == Specialization.class_id)
        .join(role, role.id == Specialization.default_role_id)
        .order_by(WowClass.name, Specialization.name)
    )
    specs = [
        {
            "id": s.id,
            "class_id": s.class_id,
            "class_name": class_name,
            "name": s.name,
            "default_role": role_name,
            "wowhead_slug": s.wowhead_slug,
        }
        for s, class_name, role_name in rows.all()
    ]
    return {"classes": classes, "specializations": specs}


async def invites(session: AsyncSession, actor: Actor, *, include_used: bool) -> list[dict[str, Any]]:
    """Every invite with who issued it, how it was delivered and which account used it.

    Codes are never listed, only a masked hint: a code lets its holder register as the
    member, so it goes to the member by DM (or to the issuing officer once, when no DM is
    possible). ``revocable``: within the actor's rank ceiling.
    """
    rows = await list_invites(session, include_used=include_used)
    visible = await authority.manageable_players(session, actor, {r.player_id for r in rows})
    player_ids = {r.player_id for r in rows} | {r.created_by_player_id for r in rows}
    names = dict(
        (await session.execute(select(Player.id, Player.display_name).where(Player.id.in_(player_ids)))).all()
    )
    users = {r.used_by_user_id for r in rows if r.used_by_user_id is not None}
    logins = dict((await session.execute(select(User.id, User.email).where(User.id.in_(users)))).all())
    now = datetime.now(UTC)
    return [
        {
            "id": r.id,
            "code_hint": masked(r.code),
            "player_id": r.player_id,
            "player_name": names.get(r.player_id),
            "created_by": names.get(r.created_by_player_id),
            "generated_by": r.generated_by,
            "delivered_via": r.delivered_via,
            "created_at": r.created_at,
            "expires_at": r.expires_at,
            "used_at": r.used_at,
            "used_by": logins.get(r.used_by_user_id),
            "revocable": r.player_id is None or r.player_id in visible,
            "status": invite_status(r, now),
        }
        for r in rows
    ]


def invite_status(invite: InviteCode, now: datetime) -> str:
    if invite.used_at is not None:
        return "used"
    if invite.expires_at is not None and invite.expires_at <= now:
        return "expired"
    return "open"
