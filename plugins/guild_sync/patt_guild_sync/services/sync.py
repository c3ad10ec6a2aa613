"""The roster sync, start to end: Blizzard roster + profiles -> ``guild_identity.wow_characters``.

A thin orchestrator over its parts: :mod:`.synclog` (the run's ``sync_log`` row and its
liveness), :mod:`.fetch` (profiles, concurrently and conditionally) and :mod:`.apply` (writing
one pull, with the removal guard). Removal happens only after a successful, non-empty roster
fetch; a failed or empty fetch changes nobody.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from patt_guild_sync.models import AWAITING_CONFIRMATION, FAILED, PARTIAL, SUCCESS, SyncLog
from patt_guild_sync.services.apply import MAX_ERROR_SAMPLES, Applied, apply_roster
from patt_guild_sync.services.fetch import ProgressFn, fetch_profiles, known_state
from patt_guild_sync.services.synclog import finish_log, write_progress
from sv_common.blizzard import BlizzardClient, BlizzardError
from sv_common.db import utcnow
from sv_common.identity.ranks import drain_rank_changes

if TYPE_CHECKING:
    from patt_host import HostAPI


@dataclass
class SyncResult:
    log_id: int
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rank_changes: list[Any] = field(default_factory=list)
    error: str | None = None
    pending_removal: list[int] = field(default_factory=list)


class _Requests:
    """The Blizzard requests (and 304s) this run made: the client's counters since it started."""

    def __init__(self, client: BlizzardClient):
        self.client = client
        self.before = (client.stats.requests, client.stats.not_modified)

    def counts(self) -> dict[str, int]:
        return {
            "requests": self.client.stats.requests - self.before[0],
            "not_modified": self.client.stats.not_modified - self.before[1],
        }


def _outcome(applied: Applied, roster: Any) -> tuple[str, dict[str, Any]]:
    """The run's status and the details its sync_log row keeps."""
    counts = applied.counts
    status = AWAITING_CONFIRMATION if applied.held_back else (PARTIAL if counts["errors"] else SUCCESS)
    details: dict[str, Any] = {
        "guild": roster.guild_name,
        "skipped_entries": roster.skipped,
        "duplicate_entries": roster.duplicates,
    }
    if applied.held_back:
        details["pending_removal"] = applied.held_back
    if applied.error_samples:
        details["error_samples"] = applied.error_samples
    if applied.released:
        details["released_names"] = applied.released[:MAX_ERROR_SAMPLES]
    return status, details


async def sync_roster(
    host: HostAPI,
    client: BlizzardClient,
    *,
    realm_slug: str,
    guild_slug: str,
    removal_guard_share: float,
    log_id: int,
    full: bool = False,
    progress: ProgressFn | None = None,
) -> SyncResult:
    """Run one sync into the (already started) sync_log row ``log_id``; never raises for API trouble."""
    started = time.monotonic()
    requests = _Requests(client)

    async def failed(message: str, **values: Any) -> SyncResult:
        elapsed = time.monotonic() - started
        await finish_log(
            host,
            log_id,
            status=FAILED,
            error_message=message,
            duration_seconds=elapsed,
            **values,
            **requests.counts(),
        )
        return SyncResult(log_id, FAILED, error=message)

    try:
        roster = await client.guild_roster(realm_slug, guild_slug)
    except BlizzardError as exc:
        return await failed(f"Roster fetch failed, nobody changed: {exc}")
    if not roster.members:
        return await failed("Blizzard returned an empty roster; nobody was removed.", characters_found=0)
    members = roster.members
    total = len(members)
    await write_progress(host, log_id, 0, total, elapsed=time.monotonic() - started)
    results = await fetch_profiles(client, members, await known_state(host), full=full, progress=progress)
    async with host.db.session() as session:
        applied = await apply_roster(
            session,
            members,
            results,
            removal_guard_share=removal_guard_share,
            unreadable_ids=frozenset(roster.skipped_ids),
            unidentified=roster.skipped - len(roster.skipped_ids),
        )
        rank_changes = drain_rank_changes(session)
        status, details = _outcome(applied, roster)
        counts = applied.counts
        await session.execute(
            update(SyncLog)
            .where(SyncLog.id == log_id)
            .values(
                status=status,
                characters_found=counts["found"],
                characters_new=counts["new"],
                characters_updated=counts["updated"],
                characters_removed=counts["removed"],
                unavailable=counts["unavailable"],
                errors=counts["errors"],
                progress_done=total,
                progress_total=total,
                error_message=applied.hold_reason,
                details=details,
                completed_at=utcnow(),
                duration_seconds=time.monotonic() - started,
                **requests.counts(),
            )
        )
    counts.update(requests.counts())
    return SyncResult(
        log_id,
        status,
        counts=counts,
        events=applied.events,
        rank_changes=rank_changes,
        pending_removal=applied.held_back,
    )
