"""Availability by weekday: members' local times converted to the guild's zone on a concrete
date (across DST changes and day boundaries), head counts, bands, weights, best nights first."""

from __future__ import annotations

from datetime import date, time

from patt_raids.models import RecurringEvent
from patt_raids.services.availability import availability_by_day, band, night_date

NY = "America/New_York"


def by_day(data):
    return {d["day_of_week"]: d for d in data["days"]}


async def test_times_are_converted_per_member_zone_and_week(db, raider):
    # Friday 18:00 in Los Angeles is Friday 21:00 in New York (both zones change together).
    west = await raider(tz="America/Los_Angeles", availability={4: (time(18, 0), 3.0)})
    # Friday 02:00 in Berlin is Thursday evening in New York: it counts for Thursday.
    berlin = await raider(tz="Europe/Berlin", availability={4: (time(2, 0), 2.0)})
    # Saturday 10:00 in Sydney is Friday evening in New York.
    sydney = await raider(tz="Australia/Sydney", availability={5: (time(10, 0), 4.0)})
    await raider(tz=NY)  # a raider without availability counts in the total only

    async with db.session() as session:
        # Week of 2026-12-07 (winter: New York UTC-5, Berlin UTC+1, Sydney UTC+11).
        winter = by_day(await availability_by_day(session, NY, date(2026, 12, 9)))
        # Week of 2026-03-16: the US is on summer time, Europe is not yet (a 5-hour gap, not 6),
        # Sydney still on summer time (UTC+11) while New York is UTC-4.
        spring = by_day(await availability_by_day(session, NY, date(2026, 3, 18)))

    friday = {p["player_id"]: p for p in winter[4]["players"]}
    assert friday[west.player_id]["earliest_start"] == "21:00"
    assert friday[sydney.player_id]["earliest_start"] == "18:00"
    assert friday[sydney.player_id]["local_start"] == "Sat 10:00"
    thursday = {p["player_id"]: p for p in winter[3]["players"]}
    assert thursday[berlin.player_id]["earliest_start"] == "20:00"
    assert berlin.player_id not in friday
    assert (
        winter[4]["available_count"] == 2
        and winter[4]["total"] == 4
        and winter[4]["availability_pct"] == 50.0
    )

    spring_thursday = {p["player_id"]: p for p in spring[3]["players"]}
    assert spring_thursday[berlin.player_id]["earliest_start"] == "21:00"  # Berlin still UTC+1, NY UTC-4
    spring_friday = {p["player_id"]: p for p in spring[4]["players"]}
    assert spring_friday[sydney.player_id]["earliest_start"] == "19:00"
    assert spring_friday[west.player_id]["earliest_start"] == "21:00"


async def test_the_week_with_the_change_uses_each_days_own_offset(db, raider):
    # Europe/London changes on Sunday 2026-03-29: Saturday is UTC+0, Sunday UTC+1.
    member = await raider(tz="Europe/London", availability={5: (time(20, 0), 2.0), 6: (time(20, 0), 2.0)})
    async with db.session() as session:
        data = by_day(await availability_by_day(session, "UTC", date(2026, 3, 25)))
    assert data[5]["players"][0]["earliest_start"] == "20:00"
    assert data[6]["players"][0]["earliest_start"] == "19:00"
    assert data[5]["players"][0]["player_id"] == member.player_id


async def test_weights_roles_bands_and_best_nights_first(db, raider):
    officer = await raider(rank="Officer", spec=("Priest", "Holy"), availability={1: (time(20, 0), 3.0)})
    veteran = await raider(
        rank="Veteran", spec=("Warrior", "Protection"), availability={1: (time(21, 0), 3.0)}
    )
    members = [await raider(rank="Member", availability={2: (time(20, 0), 3.0)}) for _ in range(3)]
    await raider(rank="Initiate", availability={2: (time(20, 0), 3.0)})
    async with db.session() as session:
        session.add(RecurringEvent(label="Heroic", day_of_week=1, default_start_time=time(20, 0)))
        await session.commit()
    async with db.session() as session:
        data = await availability_by_day(session, "UTC", date(2026, 12, 9))
    days = data["days"]
    # Tuesday: 2 people but weights 5 + 3 = 8; Wednesday: 4 people, 1 + 1 + 1 + 0 = 3.
    assert [d["day_of_week"] for d in days[:2]] == [1, 2]
    tuesday, wednesday = days[0], days[1]
    assert tuesday["weighted_score"] == 8 and wednesday["weighted_score"] == 3
    assert tuesday["role_breakdown"] == {"tank": 1, "healer": 1, "melee": 0, "ranged": 0}
    assert wednesday["role_breakdown"]["melee"] == 4
    assert tuesday["recurring_event"]["label"] == "Heroic" and wednesday["recurring_event"] is None
    assert data["total_active_players"] == 6
    assert (tuesday["availability_pct"], tuesday["band"]) == (33.3, "poor")
    assert (wednesday["availability_pct"], wednesday["band"]) == (66.7, "fair")
    assert [p["player_id"] for p in tuesday["players"]] == [officer.player_id, veteran.player_id]
    assert all(d["available_count"] == 0 for d in days[2:])
    assert len(members) == 3


def test_bands_and_the_week():
    assert [band(p) for p in (100, 70, 69.9, 40, 39.9, 0)] == ["good", "good", "fair", "fair", "poor", "poor"]
    monday, sunday = date(2026, 12, 7), date(2026, 12, 13)
    assert [night_date(monday, d) for d in (0, 6)] == [monday, sunday]  # today counts
    # On a Sunday the coming Monday is tomorrow, not six days ago.
    assert [night_date(sunday, d) for d in (6, 0, 5)] == [sunday, date(2026, 12, 14), date(2026, 12, 19)]
