"""The roster sync job (``guild_sync.sync_roster``): cron, officer trigger, ``patt jobs run``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from patt_guild_sync.services.events import emit_sync_events
from patt_guild_sync.services.sync import sync_roster as run_sync
from patt_guild_sync.services.synclog import fail_log, start_log, write_progress
from patt_host import JobContext
from sv_common.errors import NotConfigured

PROGRESS_WRITE_SECONDS = 1.0
log = logging.getLogger("patt.guild_sync")


async def sync_roster(ctx: JobContext, full: bool = False, player_id: int | None = None) -> dict[str, Any]:
    """Sync the guild roster and profiles from Blizzard (``full``: ignore Last-Modified;
    ``player_id``: the officer who triggered it, for member data deletion)."""
    host = ctx.host
    state = host.plugin_state("guild_sync")
    settings = state.blizzard_settings()
    if not settings.configured:
        # A refusal, not a crash: one line in the log and on /admin/jobs, no traceback.
        raise NotConfigured("Blizzard sync is not configured: set " + ", ".join(settings.missing()))
    log_id = await start_log(
        host, trigger=ctx.trigger, triggered_by=ctx.triggered_by, triggered_by_player_id=player_id
    )
    latest: dict[str, int] = {}

    def progress(done: int, total: int) -> None:
        latest.update(done=done, total=total)
        ctx.progress(done, total)

    async def persist_progress() -> None:
        # About once a second: progress for the officers' page, and the elapsed time that
        # tells everyone this run is alive (even while it waits on Blizzard).
        while True:
            await asyncio.sleep(PROGRESS_WRITE_SECONDS)
            try:
                await write_progress(
                    host, log_id, latest.get("done"), latest.get("total"), elapsed=time.monotonic() - started
                )
            except Exception:  # noqa: BLE001 - a missed beat must not end the sync
                log.warning("could not record the sync's progress", exc_info=True)

    started = time.monotonic()
    writer = asyncio.create_task(persist_progress())
    try:
        async with state.blizzard_client() as client:
            result = await run_sync(
                host,
                client,
                realm_slug=settings.guild_realm_slug,
                guild_slug=settings.guild_name_slug,
                removal_guard_share=settings.removal_guard_share,
                log_id=log_id,
                full=full,
                progress=progress,
            )
    except BaseException as exc:
        # Cancelled (worker shutdown, job timeout) or crashed: nothing was written (the
        # roster is applied in one transaction), but the row must not stay "running" and
        # block every trigger until it goes stale.
        what = "interrupted" if isinstance(exc, asyncio.CancelledError) else f"crashed: {exc!r}"
        try:
            await fail_log(host, log_id, f"Sync {what}; nobody changed.", time.monotonic() - started)
        except Exception:  # noqa: BLE001 - the database may be gone too (shutdown); keep exc
            log.warning("could not mark sync_log %s failed", log_id, exc_info=True)
        raise
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    await emit_sync_events(host, result)
    if result.error:
        raise RuntimeError(result.error)
    return {"sync_log_id": log_id, **{k: v for k, v in result.counts.items() if isinstance(v, int)}}
