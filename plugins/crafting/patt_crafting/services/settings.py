"""The single ``crafting_sync_config`` row: cadence state, last sync's numbers, officer choices."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_crafting.models import CharacterRecipe, CraftingSyncConfig, CraftingSyncRun
from patt_crafting.services.cadence import Cadence, SeasonInfo, compute_cadence, next_sync_at
from sv_common import seasons
from sv_common.discord.channel_sync import channel_dict, list_channels, require_postable_channel
from sv_common.errors import Conflict, ValidationFailed
from sv_common.identity.models import WowCharacter

SYNC_JOB = "crafting.sync_professions"
# An override longer than this is a mistake (a typo in the year), not a plan.
MAX_OVERRIDE = timedelta(days=90)


async def load_config(session: AsyncSession, *, lock: bool = False) -> CraftingSyncConfig:
    """The row (created on first use; the migration seeds it too)."""
    await session.execute(insert(CraftingSyncConfig).values(id=1).on_conflict_do_nothing())
    return await session.get(CraftingSyncConfig, 1, with_for_update=lock, populate_existing=True)


async def season_info(session: AsyncSession, now: datetime) -> SeasonInfo | None:
    season = await seasons.current_season(session, on=now.astimezone(UTC).date())
    if season is None:
        return None
    return SeasonInfo(seasons.display_name(season), season.start_date, season.is_new_expansion)


async def current_cadence(
    session: AsyncSession, config: CraftingSyncConfig, now: datetime, schedule: str
) -> tuple[Cadence, SeasonInfo | None]:
    """Compute the cadence and store it (``current_cadence``, ``next_sync_at``) on ``config``."""
    season = await season_info(session, now)
    cadence = compute_cadence(now, season, config.cadence_override_until)
    config.current_cadence = cadence.kind
    config.next_sync_at = next_sync_at(cadence, config.last_sync_at, now, schedule)
    return cadence, season


async def set_override(session: AsyncSession, until: Any, now: datetime | None = None) -> CraftingSyncConfig:
    """Daily syncs until ``until`` (a date: through that day, UTC); None ends the override."""
    config = await load_config(session, lock=True)
    now = now or datetime.now(UTC)
    if until is None:
        config.cadence_override_until = None
        return config
    moment = datetime.combine(until, time.max, tzinfo=UTC) if not isinstance(until, datetime) else until
    if moment <= now:
        raise ValidationFailed("The override must end in the future.", code="invalid_override")
    if moment - now > MAX_OVERRIDE:
        raise ValidationFailed("An override lasts at most 90 days.", code="invalid_override")
    config.cadence_override_until = moment
    return config


async def set_channel(session: AsyncSession, channel_id: str | None) -> CraftingSyncConfig:
    """The crafters' channel: one of the synced text channels (or None to stop posting).

    Keeping the channel the config already has is always allowed, as voting's campaign form
    does: one deleted in Discord since (or set before this check) is shown on the admin page as
    "not synced (any more)", and re-saving that page must not fail on it."""
    config = await load_config(session, lock=True)
    if channel_id in (None, ""):
        config.crafters_corner_channel_id = None
        return config
    if str(channel_id) == config.crafters_corner_channel_id:
        return config
    config.crafters_corner_channel_id = await require_postable_channel(session, str(channel_id))
    return config


async def text_channels(session: AsyncSession) -> list[dict[str, Any]]:
    """The channels the picker offers (synced from Discord by the identity plugin)."""
    return [channel_dict(row) for row in await list_channels(session, postable_only=True)]


async def recipe_total(session: AsyncSession) -> int:
    """Recipes known by at least one current guild character."""
    return await session.scalar(
        select(func.count(func.distinct(CharacterRecipe.recipe_id)))
        .join(WowCharacter, WowCharacter.id == CharacterRecipe.character_id)
        .where(WowCharacter.removed_at.is_(None))
    )


async def known_totals(session: AsyncSession) -> dict[str, int]:
    """What current guild characters know, counted two ways: ``recipes``, distinct recipes (a
    recipe five crafters know counts once), and ``pairs``, character–recipe pairs (it counts
    five times: what a sync adds and removes, the history's "+/−")."""
    recipes, pairs = (
        await session.execute(
            select(func.count(func.distinct(CharacterRecipe.recipe_id)), func.count())
            .select_from(CharacterRecipe)
            .join(WowCharacter, WowCharacter.id == CharacterRecipe.character_id)
            .where(WowCharacter.removed_at.is_(None))
        )
    ).one()
    return {"recipes": recipes, "pairs": pairs}


def _run_dict(run: CraftingSyncRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status,
        "trigger": run.trigger,
        "triggered_by": run.triggered_by,
        "cadence": run.cadence,
        "forced": run.forced,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "duration_seconds": run.duration_seconds,
        "characters": run.characters,
        "updated": run.updated,
        "not_modified": run.not_modified,
        "unavailable": run.unavailable,
        "failures": run.failures,
        "recipes_added": run.recipes_added,
        "recipes_removed": run.recipes_removed,
        "requests": run.requests,
        "progress_done": run.progress_done,
        "progress_total": run.progress_total,
        "error_message": run.error_message,
        "errors": (run.details or {}).get("errors", []),
    }


async def public_status(session: AsyncSession, schedule: str) -> dict[str, Any]:
    """``{season_name, last_sync_at, current_cadence, cadence_reason, daily_days_remaining, next_sync_at,
    override_until, orders_open}``."""
    config = await load_config(session, lock=True)
    cadence, season = await current_cadence(session, config, datetime.now(UTC), schedule)
    return {
        "season_name": season.name if season else None,
        "last_sync_at": config.last_sync_at,
        "next_sync_at": config.next_sync_at,
        "current_cadence": cadence.kind,
        "cadence_reason": cadence.reason,
        "daily_days_remaining": cadence.daily_days_remaining,
        "override_until": config.cadence_override_until,
        # Without a crafters' channel an order is refused (409): pages offer no order form then.
        "orders_open": bool(config.crafters_corner_channel_id),
    }


async def admin_status(session: AsyncSession, schedule: str) -> dict[str, Any]:
    status = await public_status(session, schedule)
    config = await load_config(session)
    runs = await session.scalars(select(CraftingSyncRun).order_by(CraftingSyncRun.id.desc()).limit(15))
    channels = await text_channels(session)
    channel = next((c for c in channels if c["id"] == config.crafters_corner_channel_id), None)
    return {
        **status,
        "last_sync_duration_seconds": config.last_sync_duration_seconds,
        "last_sync_characters_processed": config.last_sync_characters_processed,
        "last_sync_recipes_found": config.last_sync_recipes_found,
        "known": await known_totals(session),
        "crafters_corner_channel_id": config.crafters_corner_channel_id,
        "crafters_corner_channel_name": channel["name"] if channel else None,
        # Set, but no longer among the synced channels: the page shows the id, so it is kept.
        "crafters_corner_channel_unsynced": bool(config.crafters_corner_channel_id and channel is None),
        "channels": channels,
        "runs": [_run_dict(run) for run in runs.all()],
    }


async def trigger_sync(host: Any, *, triggered_by: str) -> dict[str, Any]:
    """Force refresh: queue the sync with ``force`` (409 when Blizzard is not configured)."""
    from patt_host.jobs import trigger_job

    blizzard = host.plugin_state("guild_sync").blizzard_settings()
    if not blizzard.configured:
        raise Conflict(
            "The Blizzard sync is not configured: set " + ", ".join(blizzard.missing()) + ".",
            code="not_configured",
        )
    return await trigger_job(host, SYNC_JOB, triggered_by=triggered_by, kwargs={"force": True})
