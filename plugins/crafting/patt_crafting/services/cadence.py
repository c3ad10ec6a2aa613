"""How often the profession sync runs (reference §13.1, with its flaws fixed).

1. An officer's override ("daily until <date>") wins while it lasts.
2. Otherwise the current season decides (``sv_common.seasons.current_season``: the newest
   active season that has *started*; one entered ahead of time changes nothing yet):
   daily for its first 14 days, 28 when it opens a new expansion; weekly after that.
3. No season: weekly.

The cron job runs every day at the configured time; on a weekly cadence it syncs only when
the last sync is a week old. The cadence in use is stored (``current_cadence``, ``next_sync_at``)
whenever it is computed, so officers see what the job will do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from patt_host.jobs import Cron

DAILY, WEEKLY = "daily", "weekly"
SEASON_WINDOW_DAYS = 14
NEW_EXPANSION_WINDOW_DAYS = 28
WEEK = timedelta(days=7)
# A weekly sync that ran a little later than the cron tick last week is still due this week.
DUE_SLACK = timedelta(hours=2)


@dataclass(frozen=True)
class SeasonInfo:
    name: str
    start_date: date
    is_new_expansion: bool


@dataclass(frozen=True)
class Cadence:
    kind: str  # daily | weekly
    reason: str
    daily_days_remaining: int | None = None
    override_until: datetime | None = None


def compute_cadence(now: datetime, season: SeasonInfo | None, override_until: datetime | None) -> Cadence:
    if override_until is not None and override_until > now:
        days = max(0, (override_until.date() - now.date()).days)
        return Cadence(DAILY, "officer override", days, override_until)
    if season is None:
        return Cadence(WEEKLY, "no current season")
    window = NEW_EXPANSION_WINDOW_DAYS if season.is_new_expansion else SEASON_WINDOW_DAYS
    days_since = (now.astimezone(UTC).date() - season.start_date).days
    if 0 <= days_since < window:
        kind = "new expansion" if season.is_new_expansion else "new season"
        return Cadence(DAILY, f"{kind}: {season.name}", window - days_since)
    return Cadence(WEEKLY, f"{season.name} is {days_since} days old")


def is_due(cadence: Cadence, last_sync_at: datetime | None, now: datetime) -> bool:
    """Whether the scheduled run should sync (daily: always; weekly: a week after the last sync)."""
    if cadence.kind == DAILY or last_sync_at is None:
        return True
    return now - last_sync_at >= WEEK - DUE_SLACK


def next_sync_at(cadence: Cadence, last_sync_at: datetime | None, now: datetime, schedule: str) -> datetime:
    """The first scheduled run from ``now`` on that will sync."""
    cron = Cron.parse(schedule)
    tick = cron.next_after(now)
    if cadence.kind == WEEKLY and last_sync_at is not None:
        for _ in range(400):  # at most a year of daily ticks; a cron that never comes due stops here
            if tick - last_sync_at >= WEEK - DUE_SLACK:
                break
            tick = cron.next_after(tick)
    return tick
