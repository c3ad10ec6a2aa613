"""Identity matching as the plugin runs it: the rule set (defaults + plugins' rules),
the ``identity.run_matching`` job body, and the officers' review of suggestions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_identity.services import authority
from patt_identity.services.events import emit_rank_changes
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity import aliases, matching
from sv_common.identity.models import GuildRank, LinkSuggestion, Player, PlayerCharacter, PlayerNoteAlias
from sv_common.identity.ranks import drain_rank_changes

if TYPE_CHECKING:
    from patt_host import HostAPI


JOB_NAME = "identity.run_matching"


def rules_for(host: HostAPI) -> list[Any]:
    """``sv_common.identity.matching.DEFAULT_RULES`` plus every plugin's ``matching_rules``."""
    return matching.rule_set(host.hooks.matching_rules())


async def applied_links(session: AsyncSession, suggestion_ids: list[int]) -> list[tuple[int, int]]:
    """(player_id, character_id) of applied suggestions, read before the session closes."""
    if not suggestion_ids:
        return []
    rows = await session.execute(
        select(PlayerCharacter.player_id, PlayerCharacter.character_id)
        .join(LinkSuggestion, LinkSuggestion.character_id == PlayerCharacter.character_id)
        .where(LinkSuggestion.id.in_(suggestion_ids))
    )
    return [tuple(row) for row in rows.all()]


async def rank_levels(session: AsyncSession) -> list[dict[str, Any]]:
    """The guild's ranks, highest first: what "Run matching" may be limited to."""
    rows = await session.execute(select(GuildRank.level, GuildRank.name).order_by(GuildRank.level.desc()))
    return [{"level": level, "name": name} for level, name in rows.all()]


async def check_rank_level(session: AsyncSession, level: int | None) -> None:
    """422 naming ``min_rank_level`` when no rank of the guild has that level."""
    if level is None:
        return
    if await session.scalar(select(GuildRank.id).where(GuildRank.level == level)) is None:
        message = f"No rank has level {level}."
        raise ValidationFailed(message, details=[{"field": "min_rank_level", "message": message}])


async def run_in_job(ctx, min_rank_level: int | None = None) -> dict[str, Any]:
    """The job's body. ``min_rank_level`` arrives checked by ``schemas.MatchingKwargs`` (an int
    1..100, the host validates a run's kwargs with it); whether a rank has that level is checked
    here, as in :func:`run_now`: a run started through the generic jobs API fails with that one
    line instead of matching nothing."""
    host = ctx.host
    settings = host.plugin_settings("identity")
    async with ctx.session() as session:
        await check_rank_level(session, min_rank_level)
        report = await matching.run_matching(
            session,
            rules=rules_for(host),
            auto_apply=settings.auto_apply_high_confidence,
            min_rank_level=min_rank_level,
        )
        links = await applied_links(session, report.applied)
        changes = drain_rank_changes(session)
    await after_links(host, links, changes)
    result = report.as_dict()
    counted = (
        "created",
        "refreshed",
        "removed",
        "ambiguous",
        "pending",
        "players_created",
        "held_for_review",
    )
    for key in counted:
        ctx.count(key, result[key])
    ctx.count("applied", len(report.applied))
    return result


async def after_links(host: HostAPI, links: list[tuple[int, int]], changes: list[Any]) -> None:
    host.plugin_state("identity").roster.invalidate()
    for player_id, character_id in links:
        await host.emit("player.linked", player_id=player_id, character_id=character_id)
    await emit_rank_changes(host, changes)


async def run_now(
    session: AsyncSession, host: HostAPI, *, triggered_by: str, min_rank_level: int | None = None
) -> dict[str, Any]:
    """Run the job in this request (recorded in ``common.job_runs``) and return its outcome.

    ``min_rank_level`` (a level one of the guild's ranks has, else 422) limits the run to
    unlinked characters of that in-game rank or above.
    """
    from patt_host.jobs import run_job

    await check_rank_level(session, min_rank_level)
    await session.rollback()  # the job has its own sessions; hold no snapshot while it runs
    kwargs = None if min_rank_level is None else {"min_rank_level": min_rank_level}
    run = await run_job(host, JOB_NAME, trigger="manual", triggered_by=triggered_by, kwargs=kwargs)
    return {
        "run_id": run.id,
        "status": run.status,
        "counts": run.counts or {},
        "error": run.error,
        "min_rank_level": min_rank_level,
    }


def suggestion_dict(row: Any) -> dict[str, Any]:
    character = row.character
    discord_user = row.discord_user
    player = row.player
    return {
        "id": row.id,
        "rule": row.rule,
        "confidence": row.confidence,
        "reason": row.reason,
        "ambiguous": row.ambiguous,
        "created_at": row.created_at,
        "character": {
            "id": character.id,
            "name": character.character_name,
            "realm_slug": character.realm_slug,
            "guild_note": character.guild_note,
        },
        "discord_user": None
        if discord_user is None
        else {
            "id": discord_user.id,
            "username": discord_user.username,
            "display_name": discord_user.display_name,
        },
        "player": None if player is None else {"id": player.id, "display_name": player.display_name},
    }


async def pending(session: AsyncSession) -> list[dict[str, Any]]:
    return [suggestion_dict(row) for row in await matching.pending_suggestions(session)]


async def decide(
    session: AsyncSession, host: HostAPI, suggestion_id: int, actor, *, apply: bool
) -> dict[str, Any]:
    """Apply or reject one suggestion as ``actor``; applying links the character, within the
    actor's rank ceiling (guild notes, which suggestions come from, are editable in game).

    Commits ``session`` (the request's) before the events go out: their handlers read the
    new links. The caller must not use ``session`` afterwards.
    """
    if apply:
        target = await session.scalar(
            select(LinkSuggestion.player_id).where(LinkSuggestion.id == suggestion_id)
        )
        if target is not None:
            await authority.check_may_manage_player(session, actor, target)
        row = await matching.apply_suggestion(session, suggestion_id, decided_by=actor.display_name)
    else:
        row = await matching.reject_suggestion(session, suggestion_id, decided_by=actor.display_name)
    result = {
        "id": row.id,
        "status": row.status,
        "player_id": row.player_id,
        "character_id": row.character_id,
    }
    changes = drain_rank_changes(session)
    await authority.check_rank_changes(session, actor, changes)
    await session.commit()
    links = [(result["player_id"], result["character_id"])] if apply else []
    await after_links(host, links, changes)
    return result


async def apply_many(
    session: AsyncSession, host: HostAPI, suggestion_ids: list[int], actor
) -> dict[str, Any]:
    """Apply many suggestions as ``actor`` in one transaction (an adoption brings hundreds).

    Rows that cannot be applied (already decided, the character taken, a player at or above
    the actor's rank, a link that would lift someone above it) are reported with their
    message and left pending; the rest commit together. Commits ``session`` before the
    events, like :func:`decide`.
    """

    async def refuse(session: AsyncSession, planned: list[matching.PlannedLink]) -> dict[int, str]:
        return await authority.refused_links(session, actor, planned)

    outcome = await matching.apply_suggestions(
        session, suggestion_ids, decided_by=actor.display_name, refuse=refuse
    )
    names = dict(
        (
            await session.execute(
                select(Player.id, Player.display_name).where(
                    Player.id.in_({a["player_id"] for a in outcome.applied})
                )
            )
        ).all()
    )
    changes = drain_rank_changes(session)
    # The safety net of every unit of work: nothing may end above the actor's rank.
    await authority.check_rank_changes(session, actor, changes)
    await session.commit()
    await after_links(host, [(a["player_id"], a["character_id"]) for a in outcome.applied], changes)
    return {
        "applied": [{**a, "player_name": names.get(a["player_id"])} for a in outcome.applied],
        "errors": outcome.errors,
        "players_created": outcome.players_created,
    }


ALIASES_PER_PAGE = 100


async def alias_list(session: AsyncSession, search: str) -> list[dict[str, Any]]:
    """Note aliases with their players, alphabetically; ``search`` filters by alias or player."""
    stmt = (
        select(PlayerNoteAlias, Player.display_name)
        .join(Player, Player.id == PlayerNoteAlias.player_id)
        .order_by(PlayerNoteAlias.alias, func.lower(Player.display_name), PlayerNoteAlias.id)
        .limit(ALIASES_PER_PAGE)
    )
    if search:
        like = f"%{search.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(PlayerNoteAlias.alias.ilike(like), Player.display_name.ilike(like)))
    rows = (await session.execute(stmt)).all()
    return [
        {
            "id": alias.id,
            "alias": alias.alias,
            "source": alias.source,
            "created_at": alias.created_at,
            "player_id": alias.player_id,
            "player_name": name,
        }
        for alias, name in rows
    ]


async def add_alias(session: AsyncSession, actor, player_id: int, alias: str) -> dict[str, Any]:
    """Teach the matcher that a guild-note key means this player (409 when already known)."""
    await authority.check_may_manage_player(session, actor, player_id)
    # Stored as the key a guild note would give ("Rocket's" -> rocket), else it could never match.
    key = matching.note_key(alias)
    if key is None:
        raise ValidationFailed("An alias needs at least 2 letters or digits.")
    if await session.scalar(
        select(PlayerNoteAlias.id).where(PlayerNoteAlias.player_id == player_id, PlayerNoteAlias.alias == key)
    ):
        raise Conflict(f'"{key}" is already an alias of that player.')
    row = await aliases.add_note_alias(session, player_id=player_id, alias=key, source="manual")
    name = await session.scalar(select(Player.display_name).where(Player.id == player_id))
    return {
        "id": row.id,
        "alias": row.alias,
        "player_id": player_id,
        "player_name": name,
        "source": row.source,
    }


async def remove_alias(session: AsyncSession, actor, alias_id: int) -> dict[str, Any]:
    row = await session.get(PlayerNoteAlias, alias_id)
    if row is None:
        raise NotFound("That alias does not exist.")
    await authority.check_may_manage_player(session, actor, row.player_id)
    await aliases.remove_note_alias(session, alias_id)
    return {"id": alias_id, "removed": True}
