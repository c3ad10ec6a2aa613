"""Event creation: local date and time in an IANA zone -> UTC (across DST), signups by rule,
one event per recurring event and date, and one member's signup changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from patt_raids.models import RaidAttendance, RaidEvent, RecurringEvent
from patt_raids.services import events
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.models import Player
from sv_common.seasons import create_season


def test_local_time_to_utc_follows_daylight_saving():
    summer = events.local_to_utc(date(2026, 7, 3), time(21, 0), "America/New_York")
    winter = events.local_to_utc(date(2026, 12, 4), time(21, 0), "America/New_York")
    assert summer == datetime(2026, 7, 4, 1, 0, tzinfo=UTC)  # EDT, UTC-4
    assert winter == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # EST, UTC-5
    # Europe changes a week before/after the US: the same wall time, another offset.
    assert events.local_to_utc(date(2026, 3, 27), time(20, 0), "Europe/Berlin") == datetime(
        2026, 3, 27, 19, 0, tzinfo=UTC
    )
    assert events.local_to_utc(date(2026, 3, 30), time(20, 0), "Europe/Berlin") == datetime(
        2026, 3, 30, 18, 0, tzinfo=UTC
    )


def test_a_skipped_local_time_is_refused_and_a_repeated_one_is_the_first():
    with pytest.raises(ValidationFailed) as caught:
        events.local_to_utc(date(2026, 3, 8), time(2, 30), "America/New_York")
    assert caught.value.code == "nonexistent_time"
    # 01:30 happens twice on 2026-11-01 in New York: the first (still EDT) is meant.
    assert events.local_to_utc(date(2026, 11, 1), time(1, 30), "America/New_York") == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    with pytest.raises(ValidationFailed):
        events.local_to_utc(date(2026, 11, 1), time(1, 30), "Mars/Olympus_Mons")


async def _statuses(session, event_id: int) -> dict[int, tuple[str, bool, str]]:
    rows = await session.execute(
        select(
            RaidAttendance.player_id, RaidAttendance.status, RaidAttendance.signed_up, RaidAttendance.source
        ).where(RaidAttendance.event_id == event_id)
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


async def test_create_event_signs_raiders_up_by_rule(db, raider):
    member = await raider(rank="Member")
    keen = await raider(rank="Veteran", auto_invite=True)
    initiate = await raider(rank="Initiate", auto_invite=True)  # lowest rank: bench wins
    promoted = await raider(rank="Initiate")  # an override wins over the bench
    skipped = await raider(rank="Officer")
    no_main = await raider(rank="Member", main=False)
    gone = await raider(rank="Member")
    async with db.session() as session:
        (await session.get(Player, gone.player_id)).is_active = False
        await session.commit()
    async with db.session() as session:
        await create_season(session, expansion_name="Midnight", season_number=1, start_date=date(2026, 3, 1))
        await session.commit()

    async with db.session() as session:
        event = await events.create_event(
            session,
            title="Heroic night",
            event_date=date(2026, 12, 11),
            start_time=time(21, 0),
            timezone="America/New_York",
            duration_minutes=180,
            description="Bring flasks",
            overrides={promoted.player_id: "accepted", skipped.player_id: "skip"},
        )
        await session.commit()
        event_id = event.id

    async with db.session() as session:
        stored = await session.get(RaidEvent, event_id)
        assert stored.start_time_utc == datetime(2026, 12, 12, 2, 0, tzinfo=UTC)
        assert stored.end_time_utc - stored.start_time_utc == timedelta(hours=3)
        assert stored.timezone == "America/New_York" and stored.season_id is not None
        assert events.event_dict(stored)["local_start_time"] == "21:00"
        statuses = await _statuses(session, event_id)
    assert statuses == {
        member.player_id: ("tentative", True, "auto"),
        keen.player_id: ("accepted", True, "auto"),
        initiate.player_id: ("bench", False, "auto"),
        promoted.player_id: ("accepted", True, "override"),
    }
    assert skipped.player_id not in statuses and no_main.player_id not in statuses
    assert gone.player_id not in statuses


async def test_bad_input_is_refused_before_anything_is_written(db, raider):
    await raider()
    base = dict(title="Raid", event_date=date(2026, 12, 11), start_time=time(21, 0), timezone="UTC")
    cases = [
        dict(base, title=""),
        dict(base, title="x" * 201),
        dict(base, title="bad\x00title"),
        dict(base, timezone="Nowhere/Town"),
        dict(base, duration_minutes=5),
        dict(base, duration_minutes=10_000),
        dict(base, channel_id="general"),
        dict(base, event_type="party"),
        dict(base, overrides={1: "maybe"}),
    ]
    async with db.session() as session:
        for case in cases:
            with pytest.raises(ValidationFailed):
                await events.create_event(session, **case)
        assert await session.scalar(select(RaidEvent.id)) is None


async def friday_night(db) -> int:
    """A weekly night's id (Friday, 21:00)."""
    async with db.session() as session:
        night = RecurringEvent(label="Friday heroic", day_of_week=4, default_start_time=time(21, 0))
        session.add(night)
        await session.commit()
        return night.id


async def test_a_recurring_event_is_booked_once_per_date(db, raider):
    await raider()
    night_id = await friday_night(db)
    kwargs = dict(
        title="Friday heroic",
        event_date=date(2026, 12, 11),
        start_time=time(21, 0),
        timezone="America/New_York",
        recurring_event_id=night_id,
    )
    async with db.session() as session:
        first = await events.create_event(session, **kwargs)
        await session.commit()
    async with db.session() as session:
        assert await events.create_event(session, skip_existing=True, **kwargs) is None
        with pytest.raises(Conflict):
            await events.create_event(session, **kwargs)
    async with db.session() as session:
        rows = list(await session.scalars(select(RaidEvent.id)))
    assert rows == [first.id]


async def _event(db, **overrides) -> int:
    values = dict(title="Raid", event_date=date(2030, 1, 4), start_time=time(20, 0), timezone="UTC")
    values.update(overrides)
    async with db.session() as session:
        event = await events.create_event(session, **values)
        await session.commit()
        return event.id


async def test_set_signup_status_changes_adds_and_refuses(db, raider):
    early = await raider()
    event_id = await _event(db)
    late = await raider()  # joined after the event was made

    async with db.session() as session:
        change = await events.set_signup_status(session, event_id, early.player_id, "absent", "site")
        assert (change.old_status, change.status, change.changed) == ("tentative", "absent", True)
        again = await events.set_signup_status(session, event_id, early.player_id, "absent", "discord")
        assert not again.changed
        added = await events.set_signup_status(session, event_id, late.player_id, "accepted", "site")
        assert added.old_status is None and added.changed
        await session.commit()
    async with db.session() as session:
        statuses = await _statuses(session, event_id)
    assert statuses[early.player_id] == ("absent", False, "discord")
    assert statuses[late.player_id] == ("accepted", True, "site")

    no_main = await raider(main=False)
    async with db.session() as session:
        with pytest.raises(ValidationFailed):
            await events.set_signup_status(session, event_id, early.player_id, "maybe", "site")
        with pytest.raises(ValidationFailed):
            await events.set_signup_status(session, event_id, early.player_id, "accepted", "carrier pigeon")
        with pytest.raises(NotFound):
            await events.set_signup_status(session, 999_999, early.player_id, "accepted", "site")
        with pytest.raises(Conflict) as caught:
            await events.set_signup_status(session, event_id, no_main.player_id, "accepted", "site")
        assert caught.value.code == "not_a_raider"
        over = datetime(2030, 1, 5, tzinfo=UTC)
        with pytest.raises(Conflict) as caught:
            await events.set_signup_status(session, event_id, early.player_id, "accepted", "site", now=over)
        assert caught.value.code == "event_over"
        await events.cancel_event(session, event_id)
        with pytest.raises(Conflict) as caught:
            await events.set_signup_status(session, event_id, early.player_id, "accepted", "site")
        assert caught.value.code == "event_cancelled"


# --- an officer's edit ---------------------------------------------------------------------------


async def test_update_event_moves_the_start_and_reports_what_changed(db, raider):
    early = await raider()
    async with db.session() as session:
        await create_season(session, expansion_name="Midnight", season_number=1, start_date=date(2030, 1, 1))
        await create_season(session, expansion_name="Midnight", season_number=2, start_date=date(2030, 3, 1))
        await session.commit()
    event_id = await _event(
        db, event_date=date(2030, 2, 22), timezone="America/New_York", duration_minutes=120
    )
    now = datetime(2030, 1, 1, tzinfo=UTC)
    async with db.session() as session:
        season_one = (await events.get_event(session, event_id)).season_id
        # Only the time: the date and zone stay; the end keeps the length.
        event, changed = await events.update_event(session, event_id, start_time=time(21, 30), now=now)
        assert changed == ["start"]
        assert event.start_time_utc == datetime(2030, 2, 23, 2, 30, tzinfo=UTC)  # EST, UTC-5
        assert event.end_time_utc == datetime(2030, 2, 23, 4, 30, tzinfo=UTC)
        # Into March, across New York's clock change: the same wall time, one hour less offset;
        # filed under the season current on the new date.
        event, changed = await events.update_event(
            session,
            event_id,
            event_date=date(2030, 3, 15),
            duration_minutes=180,
            title="Mythic night",
            now=now,
        )
        assert changed == ["title", "start", "event_date", "duration_minutes"]
        assert event.start_time_utc == datetime(2030, 3, 16, 1, 30, tzinfo=UTC)  # EDT, UTC-4
        assert event.end_time_utc - event.start_time_utc == timedelta(minutes=180)
        assert event.season_id != season_one and event.season_id is not None
        # Another zone, the same wall time: another instant.
        event, changed = await events.update_event(session, event_id, timezone="Europe/Berlin", now=now)
        assert changed == ["start", "timezone"] and event.start_time_utc == datetime(
            2030, 3, 15, 20, 30, tzinfo=UTC
        )
        # The same values again: nothing changed, nothing to tell.
        event, changed = await events.update_event(
            session, event_id, title="Mythic night", start_time=time(21, 30), description="", now=now
        )
        assert changed == []
        event, changed = await events.update_event(session, event_id, description="Bring flasks", now=now)
        assert changed == ["description"] and event.description == "Bring flasks"
        await session.commit()
    async with db.session() as session:  # signups are untouched by an edit
        assert (await _statuses(session, event_id))[early.player_id][0] == "tentative"
        stored = await events.get_event(session, event_id)
        assert (stored.title, stored.timezone, stored.event_date) == (
            "Mythic night",
            "Europe/Berlin",
            date(2030, 3, 15),
        )


async def test_update_event_refuses_what_cannot_be(db, raider):
    await raider()
    night_id = await friday_night(db)
    first = await _event(db, event_date=date(2030, 1, 4), recurring_event_id=night_id)
    await _event(db, event_date=date(2030, 1, 11), recurring_event_id=night_id)
    one_off = await _event(db, event_date=date(2030, 1, 6))
    now = datetime(2030, 1, 1, tzinfo=UTC)
    async with db.session() as session:
        for day in (date(2030, 1, 11), date(2030, 1, 5)):  # the next event's date, or a free one
            with pytest.raises(Conflict) as caught:  # the booking pass would book 4 January again
                await events.update_event(session, first, event_date=day, now=now)
            assert caught.value.code == "weekly_night_date"
        # Nor its zone: 20:00 on 4 January in Honolulu is 06:00 on the 5th in UTC, its zone.
        with pytest.raises(Conflict) as caught:
            await events.update_event(session, first, timezone="Pacific/Honolulu", now=now)
        assert caught.value.code == "weekly_night_zone"
        # Its own zone sent back (the form sends every field) is no change.
        stored_zone = (await events.get_event(session, first)).timezone
        _, changed = await events.update_event(session, first, timezone=stored_zone.upper(), now=now)
        assert changed == []
        # Its time may change (the same date).
        event, changed = await events.update_event(session, first, start_time=time(21, 0), now=now)
        assert changed == ["start"] and event.event_date == date(2030, 1, 4)
        with pytest.raises(ValidationFailed) as caught:  # a time the clocks skip
            await events.update_event(
                session,
                one_off,
                event_date=date(2030, 3, 31),
                start_time=time(2, 30),
                timezone="Europe/Berlin",
                now=now,
            )
        assert caught.value.code == "nonexistent_time"
        with pytest.raises(ValidationFailed) as caught:
            await events.update_event(session, one_off, event_date=date(2029, 12, 31), now=now)
        assert caught.value.code == "start_in_past"
        for bad in (
            {"title": " "},
            {"duration_minutes": 5},
            {"timezone": "Atlantis/Capital"},
            {"channel_id": "1"},
        ):
            with pytest.raises(ValidationFailed):
                await events.update_event(session, first, now=now, **bad)
        with pytest.raises(NotFound):
            await events.update_event(session, 999_999, title="X", now=now)
        with pytest.raises(Conflict) as caught:  # over: the end has passed
            await events.update_event(session, first, title="Late", now=datetime(2030, 1, 5, tzinfo=UTC))
        assert caught.value.code == "event_over"
        # Running (started, not over): the title and the length may still change.
        running = datetime(2030, 1, 4, 21, 30, tzinfo=UTC)
        event, changed = await events.update_event(session, first, duration_minutes=180, now=running)
        assert changed == ["duration_minutes"] and event.end_time_utc == datetime(
            2030, 1, 5, 0, 0, tzinfo=UTC
        )
        await events.cancel_event(session, first)
        with pytest.raises(Conflict) as caught:
            await events.update_event(session, first, title="Again", now=now)
        assert caught.value.code == "event_cancelled"


async def test_update_event_leaves_the_start_alone_unless_it_is_moved(db, raider):
    """Rows the original left behind: a date in one zone with the zone column saying another
    (adoption's UTC fallback), a start with seconds, a zone name this server does not know."""
    await raider()
    event_id = await _event(
        db, event_date=date(2030, 1, 17), start_time=time(21, 0), timezone="America/New_York"
    )
    now = datetime(2030, 1, 1, tzinfo=UTC)
    async with db.session() as session:
        event = await events.get_event(session, event_id)
        start = event.start_time_utc + timedelta(seconds=37)  # 2030-01-18 02:00:37 UTC
        event.start_time_utc, event.end_time_utc, event.timezone = start, start + timedelta(hours=2), "UTC"
        await session.commit()
    async with db.session() as session:
        event, changed = await events.update_event(session, event_id, title="Renamed", now=now)
        assert (
            changed == ["title"] and event.start_time_utc == start and event.event_date == date(2030, 1, 17)
        )
        # What the edit form sends back unchanged (the stored date, the start's wall clock).
        event, changed = await events.update_event(
            session, event_id, event_date=date(2030, 1, 17), start_time=time(2, 0), timezone="UTC", now=now
        )
        assert changed == [] and event.start_time_utc == start
        # Running: its title can change (the stored seconds do not count as a move).
        running = start + timedelta(minutes=30)
        event, changed = await events.update_event(session, event_id, title="Running", now=running)
        assert changed == ["title"]
        # Shortened so that it would have ended already: refused, nothing written.
        with pytest.raises(ValidationFailed) as caught:
            await events.update_event(session, event_id, title="Never", duration_minutes=15, now=running)
        assert caught.value.code == "end_in_past" and event.title == "Running"
        # Its start may be put right, earlier than planned (it is running: no longer "upcoming").
        event, changed = await events.update_event(session, event_id, start_time=time(1, 50), now=running)
        assert changed == ["start", "event_date"] and event.start_time_utc == datetime(
            2030, 1, 18, 1, 50, tzinfo=UTC
        )
        # A real move is computed from the start's own wall clock and date (the move above also
        # put the event's date label right: the 18th in UTC, its zone).
        event, changed = await events.update_event(session, event_id, start_time=time(3, 0), now=now)
        assert changed == ["start"] and event.event_date == date(2030, 1, 18)
        assert event.start_time_utc == datetime(2030, 1, 18, 3, 0, tzinfo=UTC)
        await session.commit()

    async with db.session() as session:
        event = await events.get_event(session, event_id)
        event.timezone = "Eastern Standard Time"  # the original's config, copied as it was
        await session.commit()
    async with db.session() as session:
        assert events.event_dict(await events.get_event(session, event_id))["local_start_time"] == "03:00"
        event, changed = await events.update_event(session, event_id, title="Still editable", now=now)
        assert changed == ["title"]
        # A valid zone repairs it: the same wall clock (read in UTC), now in New York.
        event, changed = await events.update_event(session, event_id, timezone="America/New_York", now=now)
        assert changed == ["start", "timezone"] and event.timezone == "America/New_York"


async def test_dates_zones_and_times_are_bounded(db, raider):
    await raider()
    event_id = await _event(db, event_date=(datetime.now(UTC) + timedelta(days=3)).date())
    base = dict(title="Raid", start_time=time(20, 0), timezone="UTC")
    async with db.session() as session:
        for day in (
            date(9999, 12, 31),
            date(1, 1, 1),
            datetime.now(UTC).date() + timedelta(days=5 * 366 + 10),
        ):
            with pytest.raises(ValidationFailed) as caught:
                await events.create_event(session, event_date=day, **base)
            assert caught.value.code == "bad_date"
            with pytest.raises(ValidationFailed) as caught:
                await events.update_event(session, event_id, event_date=day, start_time=time(23, 0))
            assert caught.value.code == "bad_date"
        assert events.zone("europe/london").key == "Europe/London"  # typed by hand: found all the same
        for name in ("localtime", "Factory", "posixrules", "right/UTC", "posix/Europe/Berlin"):
            with pytest.raises(ValidationFailed) as caught:
                await events.update_event(session, event_id, timezone=name)
            assert caught.value.code == "bad_zone", name
        offset = time(21, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        with pytest.raises(ValidationFailed) as caught:
            await events.update_event(session, event_id, start_time=offset)
        assert caught.value.code == "bad_time"
        with pytest.raises(ValidationFailed):
            await events.create_event(session, event_date=date(2030, 1, 4), **{**base, "start_time": offset})
        # A failed edit writes nothing, even to the fields checked before the failure.
        with pytest.raises(ValidationFailed):
            await events.update_event(session, event_id, title="Half", timezone="Factory")
        assert (await events.get_event(session, event_id)).title == "Raid"
