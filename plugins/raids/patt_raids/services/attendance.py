"""Attendance: officers mark who came once an event has started, and the per-season totals
the Player Manager and the member's profile show.

A mark is ``attended``, ``absent`` or ``noted_absence`` (absent, but said so beforehand).
Only marked rows count: a player's season is "attended / marked events".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_raids.models import RaidAttendance, RaidEvent
from patt_raids.services.events import get_event
from patt_raids.services.raiders import raiders
from sv_common.errors import Conflict, ValidationFailed
from sv_common.seasons import RaidSeason, current_season, display_name

MARKS = ("attended", "absent", "noted_absence")
MAX_MARKS = 500


async def mark_attendance(
    session: AsyncSession, event_id: int, marks: dict[int, str], *, now: datetime | None = None
) -> int:
    """Record ``{player_id: mark}`` for the event (bulk). A raider who came without signing
    up gets a row. Refused (409) before the event starts and for a cancelled event."""
    now = now or datetime.now(UTC)
    if not marks or len(marks) > MAX_MARKS:
        raise ValidationFailed(f"Send 1 to {MAX_MARKS} marks.", code="bad_marks")
    for player_id, mark in marks.items():
        if mark not in MARKS:
            raise ValidationFailed(
                f"mark for player {player_id} must be one of {', '.join(MARKS)}.", code="bad_mark"
            )
    event = await get_event(session, event_id)
    if event.cancelled_at is not None:
        raise Conflict("This event was cancelled.", code="event_cancelled")
    if event.start_time_utc > now:
        raise Conflict("Attendance is recorded once the event has started.", code="event_not_started")
    known = set(
        await session.scalars(
            select(RaidAttendance.player_id).where(
                RaidAttendance.event_id == event_id, RaidAttendance.player_id.in_(list(marks))
            )
        )
    )
    walk_ins = {r.player_id: r for r in await raiders(session, [p for p in marks if p not in known])}
    unknown = [p for p in marks if p not in known and p not in walk_ins]
    if unknown:
        raise ValidationFailed(
            f"Not raiders: {', '.join(map(str, sorted(unknown)))}.", code="unknown_players"
        )
    for player_id, mark in marks.items():
        values = {"attended": mark == "attended", "noted_absence": mark == "noted_absence", "marked_at": now}
        if player_id in known:
            await session.execute(
                RaidAttendance.__table__.update()
                .where(RaidAttendance.event_id == event_id, RaidAttendance.player_id == player_id)
                .values(**values, updated_at=func.now())
            )
        else:
            await session.execute(
                insert(RaidAttendance).values(
                    event_id=event_id,
                    player_id=player_id,
                    character_id=walk_ins[player_id].main_character_id,
                    status="absent" if mark != "attended" else "accepted",
                    signed_up=False,
                    source="officer",
                    **values,
                )
            )
    return len(marks)


def _totals(came: int, said: int, marked: int) -> dict[str, Any]:
    return {
        "attended": came,
        "noted_absence": said,
        "absent": marked - came - said,
        "marked": marked,
        "pct": round(100 * came / marked) if marked else None,
    }


def _totals_query():
    attended = func.count().filter(RaidAttendance.attended.is_(True))
    noted = func.count().filter(RaidAttendance.noted_absence.is_(True))
    return attended, noted


async def season_totals(
    session: AsyncSession, season_id: int | None, player_ids: list[int] | None = None
) -> dict[int, dict[str, Any]]:
    """``{player_id: {attended, noted_absence, absent, marked, pct}}`` over the season's
    (or, with None, every) marked, not cancelled events."""
    attended, noted = _totals_query()
    query = (
        select(RaidAttendance.player_id, attended, noted, func.count())
        .join(RaidEvent, RaidEvent.id == RaidAttendance.event_id)
        .where(RaidAttendance.marked_at.is_not(None), RaidEvent.cancelled_at.is_(None))
        .group_by(RaidAttendance.player_id)
    )
    if season_id is not None:
        query = query.where(RaidEvent.season_id == season_id)
    if player_ids is not None:
        query = query.where(RaidAttendance.player_id.in_(player_ids))
    return {
        player_id: _totals(came, said, marked)
        for player_id, came, said, marked in await session.execute(query)
    }


async def player_seasons(session: AsyncSession, player_id: int) -> list[dict[str, Any]]:
    """One player's attendance per season, newest season first (events without a season last)."""
    attended, noted = _totals_query()
    rows = await session.execute(
        select(
            RaidEvent.season_id,
            attended,
            noted,
            func.count(),
            func.max(RaidEvent.start_time_utc),
        )
        .join(RaidEvent, RaidEvent.id == RaidAttendance.event_id)
        .where(
            RaidAttendance.player_id == player_id,
            RaidAttendance.marked_at.is_not(None),
            RaidEvent.cancelled_at.is_(None),
        )
        .group_by(RaidEvent.season_id)
        .order_by(
            case((RaidEvent.season_id.is_(None), 1), else_=0), func.max(RaidEvent.start_time_utc).desc()
        )
    )
    seasons = {s.id: s for s in await session.scalars(select(RaidSeason))}
    out = []
    for season_id, came, said, marked, _last in rows:
        season = seasons.get(season_id)
        out.append(
            {
                "season_id": season_id,
                "season": display_name(season) if season else "No season",
                **_totals(came, said, marked),
            }
        )
    return out


async def current_season_totals(
    session: AsyncSession, player_ids: list[int] | None = None
) -> tuple[str | None, dict[int, dict[str, Any]]]:
    """(current season's name, its totals by player) for the Player Manager."""
    season = await current_season(session)
    totals = await season_totals(session, season.id if season else None, player_ids)
    return (display_name(season) if season else None), totals
