"""The ``schedule_summary`` hook's raids answer: the active, public weekly nights in one line,
in the guild's zone (site setting ``schedule_timezone``), from a real database."""

from __future__ import annotations

from datetime import time

from patt_raids.services import schedule


async def add_nights(db, *nights: dict) -> None:
    async with db.session() as session:
        for night in nights:
            await schedule.create_recurring(session, **night)
        await session.commit()


async def summary_of(host) -> str | None:
    async with host.db.session() as session:
        return await host.hooks.schedule_summary(session)


async def test_no_public_night_means_no_answer(make_host, db):
    host = make_host()  # the PATT site: raids enabled
    async with host.running():
        assert await summary_of(host) is None
        await add_nights(
            db,
            {
                "label": "Alt run",
                "day_of_week": 6,
                "default_start_time": time(18),
                "display_on_public": False,
            },
            {"label": "Old night", "day_of_week": 0, "default_start_time": time(20), "is_active": False},
        )
        assert await summary_of(host) is None  # a hidden night and an inactive one say nothing


async def test_the_weekly_nights_in_the_guilds_zone(make_host, db):
    from patt_host import site_settings

    host = make_host()
    async with host.running():
        await add_nights(
            db,
            {"label": "Raid night", "day_of_week": 5, "default_start_time": time(21)},
            {"label": "Raid night", "day_of_week": 4, "default_start_time": time(21)},
            {"label": "Secret", "day_of_week": 1, "default_start_time": time(19), "display_on_public": False},
            {"label": "Retired", "day_of_week": 0, "default_start_time": time(20), "is_active": False},
        )
        # The PATT site's default zone.
        assert await summary_of(host) == "Raids: Fridays and Saturdays at 21:00 (America/New_York)."
        await site_settings.save(host, {"schedule_timezone": "Europe/Paris"}, updated_by="test")
        assert await summary_of(host) == "Raids: Fridays and Saturdays at 21:00 (Europe/Paris)."


async def test_nights_at_different_times_are_listed_by_time_in_week_order(make_host, db):
    host = make_host()
    async with host.running():
        await add_nights(
            db,
            {"label": "Prog", "day_of_week": 1, "default_start_time": time(20)},
            {"label": "Farm", "day_of_week": 3, "default_start_time": time(21, 30)},
            {"label": "Prog", "day_of_week": 6, "default_start_time": time(20)},
        )
        assert await summary_of(host) == (
            "Raids: Tuesdays and Sundays at 20:00; Thursdays at 21:30 (America/New_York)."
        )
