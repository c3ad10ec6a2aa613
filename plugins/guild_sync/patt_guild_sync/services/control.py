"""Officer actions on the sync: start it (once at a time), confirm or dismiss held-back removals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.config import GuildSyncSettings
from patt_guild_sync.models import AWAITING_CONFIRMATION, RUNNING, SOURCE_BLIZZARD, SUCCESS, SyncLog
from patt_guild_sync.services.apply import mark_removed
from patt_guild_sync.services.events import emit_sync_events
from patt_guild_sync.services.sync import SyncResult
from patt_guild_sync.services.synclog import is_alive
from patt_host.jobs import trigger_job
from sv_common.db import utcnow
from sv_common.errors import Conflict, NotConfigured, NotFound
from sv_common.identity.models import WowCharacter
from sv_common.identity.ranks import drain_rank_changes, recompute_for_characters

if TYPE_CHECKING:
    from patt_host import HostAPI

JOB_NAME = "guild_sync.sync_roster"


async def running_sync(session) -> SyncLog | None:
    """The Blizzard sync in progress, if any (rows of runs whose process died are ignored)."""
    return await session.scalar(select(SyncLog).where(is_alive()).order_by(SyncLog.id.desc()).limit(1))


async def start_sync(
    session: AsyncSession,
    host: HostAPI,
    settings: GuildSyncSettings,
    *,
    triggered_by: str,
    player_id: int | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """Queue a roster sync; 409 while one runs or when Blizzard is not configured.

    Two triggers racing past the check still run once: the job is exclusive (advisory lock),
    so the second run is recorded as skipped.
    """
    if not settings.configured:
        raise NotConfigured("The Blizzard sync is not configured: set " + ", ".join(settings.missing()) + ".")
    running = await running_sync(session)
    if running is not None:
        raise Conflict("A roster sync is already running.", details={"sync_log_id": running.id})
    return await trigger_job(
        host, JOB_NAME, triggered_by=triggered_by, kwargs={"full": full, "player_id": player_id}
    )


async def _pending(session, log_id: int) -> SyncLog:
    row = await session.get(SyncLog, log_id, with_for_update=True)
    if row is None or row.source != SOURCE_BLIZZARD:
        raise NotFound("That sync run does not exist.")
    if row.status != AWAITING_CONFIRMATION:
        raise Conflict("That run has no removal waiting for confirmation.")
    newer = await session.scalar(
        select(SyncLog.id)
        .where(SyncLog.source == SOURCE_BLIZZARD, SyncLog.id > log_id, SyncLog.status != RUNNING)
        .limit(1)
    )
    if newer is not None:
        raise Conflict("A newer sync has run since; confirm its pending removal instead.")
    return row


async def confirm_removal(
    session: AsyncSession, host: HostAPI, log_id: int, *, confirmed_by: str, player_id: int | None = None
) -> dict[str, Any]:
    """Remove the held-back characters that have not been seen in any roster since.

    Commits ``session`` (the request's) before the events go out: their handlers read the
    removals. The caller must not use ``session`` afterwards.
    """
    events: list[tuple[str, dict]] = []
    row = await _pending(session, log_id)
    ids = list((row.details or {}).get("pending_removal") or [])
    still_gone = (
        await session.scalars(
            select(WowCharacter.id).where(
                WowCharacter.id.in_(ids),
                (WowCharacter.blizzard_last_sync.is_(None))
                | (WowCharacter.blizzard_last_sync < row.started_at),
            )
        )
    ).all()
    removed = await mark_removed(session, list(still_gone), events)
    await recompute_for_characters(session, removed)
    changes = drain_rank_changes(session)
    row.status = SUCCESS
    row.characters_removed = len(removed)
    row.details = {
        **(row.details or {}),
        "confirmed_by": confirmed_by,
        "confirmed_by_player_id": player_id,
        "confirmed_at": utcnow().isoformat(),
    }
    await session.commit()
    result = SyncResult(
        log_id, SUCCESS, counts={"removed": len(removed)}, events=events, rank_changes=changes
    )
    await emit_sync_events(host, result)
    return {"sync_log_id": log_id, "removed": len(removed), "kept": len(ids) - len(removed)}


async def dismiss_removal(
    session: AsyncSession, log_id: int, *, dismissed_by: str, player_id: int | None = None
) -> dict[str, Any]:
    """Keep everyone the guarded run would have removed."""
    row = await _pending(session, log_id)
    row.status = SUCCESS
    row.details = {
        **(row.details or {}),
        "dismissed_by": dismissed_by,
        "dismissed_by_player_id": player_id,
        "dismissed_at": utcnow().isoformat(),
    }
    kept = len((row.details or {}).get("pending_removal") or [])
    return {"sync_log_id": log_id, "removed": 0, "kept": kept}
