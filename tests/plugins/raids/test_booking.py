"""Auto-booking: next week's event from each recurring event exactly once, also with two
workers at the same moment and after a restart; DST-correct times; cancelled nights stay off."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from patt_host.jobs import run_job
from patt_raids.models import RaidAttendance, RaidEvent, RecurringEvent
from patt_raids.services import events
from patt_raids.services.booking import book_upcoming

from .conftest import EventRecorder

NY = "America/New_York"


async def _nights(db, *specs):
    async with db.session() as session:
        rows = [
            RecurringEvent(label=label, day_of_week=day, default_start_time=at) for label, day, at in specs
        ]
        session.add_all(rows)
        await session.commit()
        return [r.id for r in rows]


async def _events(db):
    async with db.session() as session:
        return list(
            (
                await session.execute(
                    select(
                        RaidEvent.recurring_event_id,
                        RaidEvent.event_date,
                        RaidEvent.start_time_utc,
                        RaidEvent.auto_booked,
                    ).order_by(RaidEvent.start_time_utc)
                )
            ).all()
        )


async def test_books_each_occurrence_in_the_horizon_once_with_dst(db, raider):
    await raider()
    tuesday, friday = await _nights(db, ("Tuesday", 1, time(20, 0)), ("Friday", 4, time(21, 0)))
    # Saturday 2026-10-31, noon in New York: the horizon holds Tue 3 Nov (EST, after the
    # change on 1 Nov) and Fri 6 Nov; not Fri 30 Oct (past).
    now = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    async with db.session() as session:
        created, skipped = await book_upcoming(session, NY, 7, now)
        await session.commit()
    assert len(created) == 2 and skipped == 0
    rows = await _events(db)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (tuesday, date(2026, 11, 3), datetime(2026, 11, 4, 1, 0, tzinfo=UTC), True),
        (friday, date(2026, 11, 6), datetime(2026, 11, 7, 2, 0, tzinfo=UTC), True),
    ]
    async with db.session() as session:
        signups = await session.scalar(select(func.count()).select_from(RaidAttendance))
    assert signups == 2  # one raider on each event

    # The next run, a day later: nothing new but Tuesday 10 Nov is not in reach yet either.
    async with db.session() as session:
        again, _ = await book_upcoming(session, NY, 7, datetime(2026, 11, 1, 16, 0, tzinfo=UTC))
        await session.commit()
    assert again == []
    assert len(await _events(db)) == 2


async def test_a_night_whose_event_an_officer_made_already_is_not_booked_again(db, raider):
    """The booking pass booked a second event (and post) beside an officer's own with the same
    title, date, start and zone; once that one is cancelled, the night is booked."""
    await raider()
    (friday,) = await _nights(db, ("Friday", 4, time(21, 0)))
    async with db.session() as session:
        made = await events.create_event(
            session, title="Friday", event_date=date(2026, 11, 6), start_time=time(21, 0), timezone=NY
        )
        await session.commit()
    now = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    async with db.session() as session:
        created, skipped = await book_upcoming(session, NY, 7, now)
        await session.commit()
    assert (created, skipped) == ([], 0)
    assert [(r[0], r[1]) for r in await _events(db)] == [(None, date(2026, 11, 6))]
    async with db.session() as session:
        await events.cancel_event(session, made.id)
        await session.commit()
    async with db.session() as session:
        (booked,), _ = await book_upcoming(session, NY, 7, now)
        await session.commit()
    rows = await _events(db)  # the cancelled one and the booked one, at the same start
    assert len(rows) == 2 and {(r[0], r[1]) for r in rows} == {
        (None, date(2026, 11, 6)),
        (friday, date(2026, 11, 6)),
    }


async def test_two_workers_at_once_book_each_night_once(db, raider):
    for _ in range(5):
        await raider()
    await _nights(db, ("Tuesday", 1, time(20, 0)), ("Thursday", 3, time(20, 0)), ("Sunday", 6, time(15, 0)))
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

    async def worker():
        async with db.session() as session:
            created, _ = await book_upcoming(session, NY, 7, now)
            await session.commit()
            return created

    results = await asyncio.gather(*(worker() for _ in range(2)))
    assert sorted(results[0] + results[1]) == sorted({*results[0], *results[1]})
    assert len(results[0]) + len(results[1]) == 3
    rows = await _events(db)
    assert len(rows) == 3
    async with db.session() as session:
        per_event = (
            await session.execute(
                select(RaidAttendance.event_id, func.count()).group_by(RaidAttendance.event_id)
            )
        ).all()
    assert sorted(n for _, n in per_event) == [5, 5, 5]  # the loser wrote no signups


async def test_the_job_across_two_hosts_and_a_restart_announces_once(db, raider, make_host):
    await raider()
    await _nights(db, *[(f"Night {d}", d, time(20, 0)) for d in range(7)])

    def host():
        return make_host(plugins=["identity", "raids", "recorder"], extra_plugins=[EventRecorder])

    first, second = host(), host()
    async with first.running(), second.running():
        runs = await asyncio.gather(
            run_job(first, "raids.book_events", trigger="cron"),
            run_job(second, "raids.book_events", trigger="cron"),
        )
        assert all(run.status == "succeeded" for run in runs), [run.error for run in runs]
        announced = [
            e.data["event_id"]
            for h in (first, second)
            for e in h.plugin("recorder").obj.events
            if e.name == "raids.event_created"
        ]
    rows = await _events(db)
    assert 6 <= len(rows) <= 7  # every night whose start is still ahead within 7 days
    assert sorted(announced) == sorted(set(announced)) and len(announced) == len(rows)

    restarted = host()
    async with restarted.running():
        run = await run_job(restarted, "raids.book_events", trigger="cron")
        assert run.status == "succeeded", run.error
        assert [e for e in restarted.plugin("recorder").obj.events if e.name == "raids.event_created"] == []
    assert len(await _events(db)) == len(rows)


async def test_a_cancelled_night_is_not_booked_again_and_inactive_nights_never(db, raider):
    await raider()
    active, inactive = await _nights(db, ("Tuesday", 1, time(20, 0)), ("Wednesday", 2, time(20, 0)))
    async with db.session() as session:
        (await session.get(RecurringEvent, inactive)).is_active = False
        await session.commit()
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    async with db.session() as session:
        (created,), _ = await book_upcoming(session, NY, 7, now)
        await session.commit()
    async with db.session() as session:
        await events.cancel_event(session, created)
        await session.commit()
    async with db.session() as session:
        again, _ = await book_upcoming(session, NY, 7, now)
        await session.commit()
    assert again == []
    rows = await _events(db)
    assert [r[0] for r in rows] == [active]


async def test_a_night_in_the_spring_forward_gap_is_skipped_not_moved(db, raider):
    await raider()
    await _nights(db, ("Late Sunday", 6, time(2, 30)))
    # Sunday 2027-03-14 02:30 does not exist in New York.
    async with db.session() as session:
        created, skipped = await book_upcoming(session, NY, 7, datetime(2027, 3, 10, 12, 0, tzinfo=UTC))
        await session.commit()
    assert created == [] and skipped == 1
