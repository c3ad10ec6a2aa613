"""Availability by weekday for officers: who can raid which night, in the guild's time zone.

Members enter availability on their profile as local wall-clock times on their own
weekdays (``patt.player_availability``, ``players.timezone``). Each entry is placed on a
concrete date of the coming week (Monday to Sunday) in the member's zone and converted to
the guild's zone there, so daylight saving is applied as it will be that week, and an
entry can move to another weekday (Saturday 10:00 in Sydney is Friday evening in New York).

A night's weighted score is the sum of the available members' rank ``scheduling_weight``;
nights are listed best first (score, then head count).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_identity.models import PlayerAvailability
from patt_raids.services.events import known_zone
from patt_raids.services.raiders import ROLES, raiders
from patt_raids.services.schedule import DAY_NAMES, list_recurring, recurring_dict

GOOD, FAIR = 70, 40  # % of raiders available: green at or above GOOD, amber at or above FAIR


def band(pct: float) -> str:
    return "good" if pct >= GOOD else "fair" if pct >= FAIR else "poor"


def night_date(today: date, day_of_week: int) -> date:
    """The next ``day_of_week`` from ``today`` on (today itself counts): the coming seven
    nights, never one already past (on a Sunday, Monday is tomorrow, not six days ago)."""
    return today + timedelta(days=(day_of_week - today.weekday()) % 7)


async def availability_by_day(session: AsyncSession, zone_name: str, today: date) -> dict[str, Any]:
    """Seven nights (best first) with who is available, converted to ``zone_name``."""
    guild = known_zone(zone_name)
    people = {r.player_id: r for r in await raiders(session) if r.rank_level is not None}
    # Every available row; the few of players who are not raiders are dropped below (cheaper
    # than sending 400 ids to the database).
    rows = await session.execute(
        select(
            PlayerAvailability.player_id,
            PlayerAvailability.day_of_week,
            PlayerAvailability.earliest_start,
            PlayerAvailability.available_hours,
        ).where(PlayerAvailability.available.is_(True), PlayerAvailability.earliest_start.is_not(None))
    )
    # Members share zones and start times: convert each (zone, day, start) once.
    converted: dict[tuple[str, int, time], tuple[int, str]] = {}
    by_day: dict[int, dict[int, dict[str, Any]]] = {d: {} for d in range(7)}
    for player_id, day, start, hours in rows:
        raider = people.get(player_id)
        if raider is None:
            continue
        key = (raider.timezone, day, start)
        if key not in converted:
            local = datetime.combine(night_date(today, day), start).replace(
                tzinfo=known_zone(raider.timezone)
            )
            there = local.astimezone(guild)
            converted[key] = (there.weekday(), f"{there.hour:02d}:{there.minute:02d}")
        weekday, at = converted[key]
        entry = {
            "player_id": player_id,
            "display_name": raider.display_name,
            "rank": raider.rank_name,
            "scheduling_weight": raider.scheduling_weight,
            "main_role": raider.role,
            "class_name": raider.class_name,
            "earliest_start": at,
            "available_hours": float(hours) if hours is not None else None,
            "local_start": f"{DAY_NAMES[day][:3]} {start.hour:02d}:{start.minute:02d}",
        }
        # Two local days landing on one guild day (a far zone): keep the earlier start.
        known = by_day[weekday].get(player_id)
        if known is None or at < known["earliest_start"]:
            by_day[weekday][player_id] = entry

    recurring = {r.day_of_week: recurring_dict(r) for r in await list_recurring(session, active_only=True)}
    total = len(people)
    days = []
    for day in range(7):
        players = sorted(by_day[day].values(), key=lambda p: (p["earliest_start"], p["display_name"].lower()))
        count = len(players)
        pct = round(100 * count / total, 1) if total else 0.0
        roles = Counter(p["main_role"] for p in players)
        days.append(
            {
                "day_of_week": day,
                "day_name": DAY_NAMES[day],
                "date": night_date(today, day).isoformat(),
                "available_count": count,
                "total": total,
                "availability_pct": pct,
                "band": band(pct),
                "weighted_score": sum(p["scheduling_weight"] for p in players),
                "role_breakdown": {role: roles.get(role, 0) for role in ROLES},
                "recurring_event": recurring.get(day),
                "players": players,
            }
        )
    days.sort(key=lambda d: (-d["weighted_score"], -d["available_count"], d["day_of_week"]))
    # ``week_of``: the first of the seven nights (today).
    return {"timezone": guild.key, "week_of": today.isoformat(), "total_active_players": total, "days": days}
