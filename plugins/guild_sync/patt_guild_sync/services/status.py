"""What the officers' sync page shows: configuration, progress, recent runs, pending removals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from patt_guild_sync.config import GuildSyncSettings
from patt_guild_sync.models import AWAITING_CONFIRMATION, SOURCE_ADDON, SOURCE_BLIZZARD, SyncLog
from patt_guild_sync.services.control import running_sync
from patt_host.jobs import Cron
from sv_common.db import utcnow
from sv_common.identity.models import WowCharacter

RECENT_RUNS = 10


def run_summary(row: SyncLog) -> dict[str, Any]:
    requests = row.requests or 0
    return {
        "id": row.id,
        "status": row.status,
        "trigger": row.trigger,
        "triggered_by": row.triggered_by,
        "started_at": row.started_at,
        "completed_at": row.completed_at,
        "duration_seconds": round(row.duration_seconds, 1) if row.duration_seconds is not None else None,
        "found": row.characters_found,
        "new": row.characters_new,
        "updated": row.characters_updated,
        "removed": row.characters_removed,
        "unavailable": row.unavailable,
        "errors": row.errors,
        "requests": row.requests,
        "not_modified": row.not_modified,
        "not_modified_share": round((row.not_modified or 0) / requests, 3) if requests else None,
        "progress_done": row.progress_done,
        "progress_total": row.progress_total,
        "error_message": row.error_message,
        "error_samples": (row.details or {}).get("error_samples") or [],
    }


async def _pending_removal(session, runs: list[SyncLog]) -> dict[str, Any] | None:
    finished = [r for r in runs if r.completed_at is not None]
    if not finished or finished[0].status != AWAITING_CONFIRMATION:
        return None
    row = finished[0]
    ids = (row.details or {}).get("pending_removal") or []
    characters = (
        await session.execute(
            select(WowCharacter.id, WowCharacter.character_name, WowCharacter.realm_slug)
            .where(WowCharacter.id.in_(ids))
            .order_by(WowCharacter.character_name)
        )
    ).all()
    return {
        "sync_log_id": row.id,
        "count": len(ids),
        "characters": [
            {"id": c.id, "name": c.character_name, "realm_slug": c.realm_slug} for c in characters
        ],
    }


async def overview(session, settings: GuildSyncSettings) -> dict[str, Any]:
    runs = (
        await session.scalars(
            select(SyncLog)
            .where(SyncLog.source == SOURCE_BLIZZARD)
            .order_by(SyncLog.id.desc())
            .limit(RECENT_RUNS)
        )
    ).all()
    running = await running_sync(session)
    pending = await _pending_removal(session, list(runs))
    last_upload = await session.scalar(
        select(SyncLog.completed_at)
        .where(SyncLog.source == SOURCE_ADDON)
        .order_by(SyncLog.id.desc())
        .limit(1)
    )
    return {
        "configured": settings.configured,
        "missing": settings.missing(),
        "guild": {"realm_slug": settings.guild_realm_slug, "name_slug": settings.guild_name_slug},
        "region": settings.blizzard_region,
        "schedule": settings.schedule if settings.configured else None,
        "next_run": Cron.parse(settings.schedule).next_after(utcnow()) if settings.configured else None,
        "removal_guard_share": settings.removal_guard_share,
        "running": run_summary(running) if running is not None else None,
        "runs": [run_summary(r) for r in runs],
        "pending_removal": pending,
        "last_upload": last_upload,
    }
