"""``/api/health`` entry for guild sync: off without credentials, degraded when the last run failed
or waits for an officer, else ok. Never critical: the site works without the sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from patt_guild_sync.models import AWAITING_CONFIRMATION, FAILED, RUNNING, SOURCE_BLIZZARD, SyncLog
from patt_host import HealthResult

if TYPE_CHECKING:
    from patt_host import HostAPI


async def sync_health(host: HostAPI) -> HealthResult:
    settings = host.plugin_state("guild_sync").settings
    if not settings.configured:
        return HealthResult("off", "not configured: set " + ", ".join(settings.missing()))
    async with host.db.session() as session:
        last = await session.scalar(
            select(SyncLog)
            .where(SyncLog.source == SOURCE_BLIZZARD, SyncLog.status != RUNNING)
            .order_by(SyncLog.id.desc())
            .limit(1)
        )
    if last is None:
        return HealthResult("ok", "no sync has run yet")
    if last.status == FAILED:
        return HealthResult("degraded", f"last sync failed: {last.error_message or ''}"[:200])
    if last.status == AWAITING_CONFIRMATION:
        return HealthResult("degraded", "a removal waits for an officer's confirmation")
    return HealthResult("ok", f"last sync {last.status} at {last.completed_at:%Y-%m-%d %H:%M} UTC")
