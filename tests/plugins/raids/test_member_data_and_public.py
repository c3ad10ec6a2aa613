"""Member data export/delete, the home page's schedule slot (and its fallback), no member's time
zone in anything anonymous visitors or other members can fetch, and the demo data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from patt_host.testing import log_in
from patt_host.testing.routes import app_routes
from patt_raids.member_data import delete_raids, export_raids
from patt_raids.models import RaidAttendance, RaidEvent, RaidPlayerSettings, RecurringEvent
from patt_raids.services import attendance, events, schedule

ODD_ZONE = "Pacific/Chatham"  # unusual enough that finding it anywhere means it leaked


async def test_export_and_delete_cover_signups_attendance_and_the_flag(db, raider):
    member = await raider(auto_invite=True)
    other = await raider()
    async with db.session() as session:
        past = await events.create_event(
            session,
            title="Past",
            event_date=date(2026, 1, 9),
            start_time=time(20, 0),
            timezone="UTC",
            created_by_player_id=member.player_id,
        )
        await attendance.mark_attendance(session, past.id, {member.player_id: "attended"})
    async with db.session() as session:
        exported = await export_raids(session, member.player_id)
    assert exported["auto_invite_events"] is True
    assert exported["events_created"] == [past.id]
    assert exported["signups"] == [
        {
            "event_id": past.id,
            "event": "Past",
            "starts_at": "2026-01-09T20:00:00+00:00",
            "status": "accepted",
            "source": "auto",
            "attendance": "attended",
        }
    ]
    async with db.session() as session:
        removed = await delete_raids(session, member.player_id)
    assert removed == 3
    async with db.session() as session:
        left = list(await session.scalars(select(RaidAttendance.player_id)))
        assert left == [other.player_id]
        assert await session.get(RaidPlayerSettings, member.player_id) is None
        assert (await session.get(RaidEvent, past.id)).created_by_player_id is None
        assert (await export_raids(session, member.player_id))["signups"] == []


async def test_the_member_data_hooks_include_raids(member_client, raider, db):
    async with db.session() as session:
        await events.create_event(
            session, title="Raid", event_date=date(2031, 1, 3), start_time=time(20, 0), timezone="UTC"
        )
        await session.commit()
    exported = await member_client.get("/api/v1/me/export")
    assert exported.status_code == 200
    assert exported.json()["data"]["plugins"]["raids"] == {
        "auto_invite_events": False,
        "signups": [],  # the fixture's member has no main character: not signed up
        "events_created": [],
        "raid_helper_signups": [],
    }


async def test_home_schedule_comes_from_public_recurring_events(client, db):
    text_fallback = await client.get("/")
    assert "Heroic raid" in text_fallback.text  # the site's default schedule text
    async with db.session() as session:
        await schedule.create_recurring(
            session,
            label="Mythic prog",
            day_of_week=2,
            default_start_time=time(19, 30),
            default_duration_minutes=150,
        )
        await schedule.create_recurring(
            session,
            label="Secret alt run",
            day_of_week=5,
            default_start_time=time(12, 0),
            display_on_public=False,
        )
        await session.commit()
    page = await client.get("/")
    assert page.status_code == 200
    assert "Mythic prog" in page.text and "2.5 h" in page.text
    assert "Secret alt run" not in page.text
    assert "Tuesday 20:00 3 Heroic raid" not in page.text and page.text.count('id="home-schedule"') == 1
    async with db.session() as session:
        zone_entries = await schedule.public_schedule(
            session, "America/New_York", datetime(2026, 12, 6, tzinfo=UTC)
        )
    assert zone_entries[0]["next_start"] == datetime(2026, 12, 10, 0, 30, tzinfo=UTC)  # Wed 19:30 EST


async def test_no_members_time_zone_is_served_to_others(client, make_client, raider, db):
    """The original served every member's time zone at /api/v1/guild/availability to anyone.
    Walk every GET route without path parameters, anonymously and as another member."""
    hidden = await raider(tz=ODD_ZONE, account=True, availability={4: (time(20, 0), 3.0)})
    viewer = await raider(account=True)
    async with db.session() as session:
        await events.create_event(
            session,
            title="Raid",
            event_date=date.today() + timedelta(days=3),
            start_time=time(20, 0),
            timezone="UTC",
        )
        await session.commit()
    member = await make_client(host=client.host)
    await log_in(member, viewer)
    paths = sorted(
        {
            route.path
            for route in app_routes(client.app)
            if "GET" in getattr(route, "methods", ())
            and "{" not in route.path
            and not route.path.startswith("/static")
        }
    )
    assert "/api/v1/raids/events" in paths and "/roster" in paths
    checked = 0
    for path in paths:
        if (
            path.startswith("/admin")
            or path.startswith("/api/v1/admin")
            # the viewer's own profile lists every zone in its picker
            or path in ("/logout", "/api/v1/me/export", "/profile")
        ):
            continue
        for who in (client, member):
            response = await who.get(path)
            checked += 1
            assert ODD_ZONE not in response.text, f"{path} shows a member's time zone"
    assert checked > 20
    # The member's own account still shows it.
    owner = await make_client(host=client.host)
    await log_in(owner, hidden)
    assert (await owner.get("/api/v1/auth/me")).json()["data"]["timezone"] == ODD_ZONE


async def test_demo_populates_every_raids_page(make_client, db):
    import re

    client = await make_client(plugins=["identity", "raids"])
    async with db.session() as session:
        summaries = await client.host.hooks.seed_demo_data(session)
    assert "booked" in summaries["raids"], summaries
    username, password = re.search(r"officer login: (\S+) / (\S+)$", summaries["identity"]).groups()
    login = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200

    async with db.session() as session:
        upcoming = await events.list_events(session, upcoming=True)
        past = await events.list_events(session, upcoming=False)
        nights = await session.scalar(select(func.count()).select_from(RecurringEvent))
        first_signups = await session.scalar(
            select(func.count()).select_from(RaidAttendance).where(RaidAttendance.event_id == upcoming[0].id)
        )
        attended = await session.scalar(
            select(func.count())
            .select_from(RaidAttendance)
            .where(RaidAttendance.event_id == past[0].id, RaidAttendance.attended.is_(True))
        )
    assert nights == 2 and len(upcoming) == 2 and len(past) == 1 and first_signups > 10 and attended > 5

    availability = client.data(await client.get("/api/v1/admin/raids/availability"))
    tuesday = next(d for d in availability["days"] if d["day_of_week"] == 1)
    assert tuesday["available_count"] > 5 and tuesday["recurring_event"]["label"] == "Heroic raid"
    detail = client.data(await client.get(f"/api/v1/raids/events/{upcoming[0].id}"))
    assert len(detail["signups"]) == first_signups and detail["counts"]["absent"] >= 1
    for url in (
        "/admin/raids",
        "/admin/raids/availability",
        f"/admin/raids/events/{past[0].id}",
        "/raids",
        f"/raids/events/{upcoming[0].id}",
        "/",
    ):
        page = await client.get(url)
        assert page.status_code == 200, url
    assert (await client.get("/")).text.count("Heroic raid") >= 1
    async with db.session() as session:
        again = await client.host.hooks.seed_demo_data(session)
    assert "already present" in again["raids"]
