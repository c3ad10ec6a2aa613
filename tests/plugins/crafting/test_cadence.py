"""Cadence rules across season boundaries, the officer override and the weekly due check."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from patt_crafting.services.cadence import DAILY, WEEKLY, SeasonInfo, compute_cadence, is_due, next_sync_at

START = date(2026, 3, 3)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days_after", "new_expansion", "kind", "remaining"),
    [
        (0, False, DAILY, 14),
        (13, False, DAILY, 1),
        (14, False, WEEKLY, None),
        (27, True, DAILY, 1),
        (28, True, WEEKLY, None),
    ],
)
def test_daily_for_14_days_after_a_season_starts_28_for_a_new_expansion(
    days_after, new_expansion, kind, remaining
):
    season = SeasonInfo("Test Season 1", START, new_expansion)
    cadence = compute_cadence(at(START + timedelta(days=days_after)), season, None)
    assert (cadence.kind, cadence.daily_days_remaining) == (kind, remaining)


def test_no_season_is_weekly_and_an_override_wins_until_it_ends():
    now = at(START)
    assert compute_cadence(now, None, None).kind == WEEKLY
    until = now + timedelta(days=3)
    override = compute_cadence(now, None, until)
    assert (override.kind, override.daily_days_remaining, override.reason) == (DAILY, 3, "officer override")
    assert compute_cadence(until + timedelta(seconds=1), None, until).kind == WEEKLY


def test_weekly_syncs_when_the_last_one_is_a_week_old():
    weekly = compute_cadence(at(START), None, None)
    now = at(START)
    assert is_due(weekly, None, now)
    assert not is_due(weekly, now - timedelta(days=3), now)
    assert is_due(weekly, now - timedelta(days=7), now)
    daily = compute_cadence(at(START), SeasonInfo("S", START, False), None)
    assert is_due(daily, now - timedelta(hours=1), now)


def test_next_sync_follows_the_schedule_and_the_week():
    now = at(START, 12)
    daily = compute_cadence(now, SeasonInfo("S", START, False), None)
    assert next_sync_at(daily, now, now, "0 3 * * *") == at(START + timedelta(days=1), 3)
    weekly = compute_cadence(now, None, None)
    assert next_sync_at(weekly, at(START, 3), now, "0 3 * * *") == at(START + timedelta(days=7), 3)
