"""The sync log: one ``sync_log`` row per roster sync, and how a running sync shows it is alive.

A run writes its elapsed time about every second (``write_progress``); a row silent for
``SILENT_AFTER`` belongs to a process that died and no longer blocks a trigger.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, literal_column, update

from patt_guild_sync.models import FAILED, RUNNING, SOURCE_BLIZZARD, SyncLog
from sv_common.db import utcnow

if TYPE_CHECKING:
    from patt_host import HostAPI


# A running sync writes its elapsed time (duration_seconds) about every second; a row silent
# for longer than this was left by a process that died (OOM, SIGKILL) and is not running.
SILENT_AFTER = timedelta(minutes=5)


def last_sign_of_life():
    """SQL: when a sync_log row last showed its run alive (start + elapsed time written)."""
    return SyncLog.started_at + func.coalesce(SyncLog.duration_seconds, 0.0) * literal_column(
        "interval '1 second'"
    )


def is_alive():
    """SQL condition: the row is a Blizzard sync still running (not one whose process died)."""
    return and_(
        SyncLog.source == SOURCE_BLIZZARD,
        SyncLog.status == RUNNING,
        last_sign_of_life() > utcnow() - SILENT_AFTER,
    )


async def start_log(
    host: HostAPI, *, trigger: str, triggered_by: str | None, triggered_by_player_id: int | None = None
) -> int:
    """The run's sync_log row. Called holding the job's lock, so no other run is alive: rows
    still "running" belong to dead processes and are closed as failed."""
    async with host.db.session() as session:
        await session.execute(
            fail_running(
                SyncLog.source == SOURCE_BLIZZARD,
                message="Stopped without finishing (its process ended); nobody changed.",
            )
        )
        row = SyncLog(
            source=SOURCE_BLIZZARD,
            status=RUNNING,
            trigger=trigger,
            triggered_by=triggered_by,
            triggered_by_player_id=triggered_by_player_id,
        )
        session.add(row)
        await session.flush()
        return row.id


async def finish_log(host: HostAPI, log_id: int, **values: Any) -> None:
    async with host.db.session() as session:
        await session.execute(
            update(SyncLog).where(SyncLog.id == log_id).values(completed_at=utcnow(), **values)
        )


def fail_running(*where: Any, message: str, **values: Any):
    """UPDATE: the still-running rows matching ``where`` end as failed with ``message``."""
    return (
        update(SyncLog)
        .where(SyncLog.status == RUNNING, *where)
        .values(status=FAILED, completed_at=utcnow(), error_message=message[:2000], **values)
    )


async def fail_log(host: HostAPI, log_id: int, message: str, duration_seconds: float) -> None:
    """End a run that broke off (crash, cancellation) unless it already recorded its outcome."""
    async with host.db.session() as session:
        await session.execute(
            fail_running(SyncLog.id == log_id, message=message, duration_seconds=duration_seconds)
        )


async def write_progress(
    host: HostAPI, log_id: int, done: int | None, total: int | None, *, elapsed: float
) -> None:
    """Record how far the run is (the officers' page polls it) and that it is alive."""
    values: dict[str, Any] = {"duration_seconds": elapsed}
    if done is not None and total is not None:
        values.update(progress_done=done, progress_total=total)
    async with host.db.session() as session:
        await session.execute(
            update(SyncLog).where(SyncLog.id == log_id, SyncLog.status == RUNNING).values(**values)
        )
