"""The profession sync job (``crafting.sync_professions``): cron, officer trigger, ``patt jobs run``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from patt_crafting.services import settings as crafting_config
from patt_crafting.services.cadence import is_due
from patt_crafting.services.sync import (
    PROGRESS_WRITE_SECONDS,
    VACUUM_AFTER_ROWS,
    finish_run,
    refresh_search_tables,
    start_run,
    timer,
    write_progress,
)
from patt_crafting.services.sync import (
    sync_professions as run_sync,
)
from patt_host import JobContext
from sv_common.errors import NotConfigured

log = logging.getLogger("patt.crafting")


async def sync_professions(ctx: JobContext, force: bool = False, full: bool = False) -> dict[str, Any]:
    """Sync every current character's professions and recipes from Blizzard.

    A scheduled run follows the cadence (daily, or weekly when the last sync is a week old);
    a run started by hand (officer, ``patt jobs run``) or with ``force`` always syncs.
    ``full`` ignores the stored Last-Modified stamps (every character answers in full).
    """
    host = ctx.host
    # guild_sync's state, not its process settings: `patt demo` points it at a fake Battle.net.
    guild_sync = host.plugin_state("guild_sync")
    blizzard = guild_sync.blizzard_settings()
    settings = host.plugin_settings("crafting")
    if not blizzard.configured:
        # A refusal, not a crash: one line in the log and on /admin/jobs, no traceback.
        raise NotConfigured("Blizzard sync is not configured: set " + ", ".join(blizzard.missing()))
    now = datetime.now(UTC)
    async with host.db.session() as session:
        config = await crafting_config.load_config(session, lock=True)
        cadence, _ = await crafting_config.current_cadence(session, config, now, settings.schedule)
        due = force or ctx.trigger != "cron" or is_due(cadence, config.last_sync_at, now)
    if not due:
        ctx.count("skipped")
        return {"skipped": 1, "cadence": cadence.kind}
    run_id = await start_run(
        host.db, trigger=ctx.trigger, triggered_by=ctx.triggered_by, cadence=cadence.kind, forced=force
    )
    elapsed = timer()
    latest = {"done": 0, "total": 0}

    def progress(done: int, total: int) -> None:
        latest.update(done=done, total=total)
        ctx.progress(done, total)

    async def persist_progress() -> None:
        while True:
            await asyncio.sleep(PROGRESS_WRITE_SECONDS)
            try:
                await write_progress(host.db, run_id, latest["done"], latest["total"], elapsed())
            except Exception:  # noqa: BLE001 - a missed beat must not end the sync
                log.warning("could not record the profession sync's progress", exc_info=True)

    writer = asyncio.create_task(persist_progress())
    try:
        async with guild_sync.blizzard_client() as client:
            await client.access_token()  # wrong credentials fail the run once, not per character
            summary = await run_sync(host.db, client, full=full, progress=progress)
    except BaseException as exc:
        # Crashed, refused (credentials) or cancelled (shutdown, timeout): the characters
        # written so far stay; the row must not stay "running".
        what = "interrupted" if isinstance(exc, asyncio.CancelledError) else f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(Exception):
            await finish_run(host.db, run_id, status="failed", elapsed=elapsed(), summary=None, error=what)
        raise
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    await finish_run(host.db, run_id, status=summary.status, elapsed=elapsed(), summary=summary)
    if summary.recipes_added + summary.recipes_removed >= VACUUM_AFTER_ROWS:
        try:
            await refresh_search_tables(host.db)
        except Exception:  # noqa: BLE001 - autovacuum gets there later; the sync itself succeeded
            log.warning("could not vacuum the recipe search tables", exc_info=True)
    async with host.db.session() as session:
        config = await crafting_config.load_config(session, lock=True)
        config.last_sync_at = datetime.now(UTC)
        config.last_sync_duration_seconds = elapsed()
        config.last_sync_characters_processed = summary.characters
        config.last_sync_recipes_found = await crafting_config.recipe_total(session)
        await crafting_config.current_cadence(session, config, config.last_sync_at, settings.schedule)
    for key, value in summary.counts().items():
        ctx.count(key, value)
    if summary.status == "failed":
        raise RuntimeError(f"Every character failed: {'; '.join(summary.error_samples[:3])}")
    return {"run_id": run_id, **summary.counts()}
