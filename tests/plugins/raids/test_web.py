"""The raids routes through HTTP: officers' schedule and events, members' answers, the domain
events other plugins react to, the pages, and who may see what."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select, text

from patt_host.testing import eventually
from patt_raids.models import RaidAttendance, RaidEvent, RecurringEvent
from patt_raids.services import events


def recorded(client, name):
    return [e for e in client.host.plugin("recorder").obj.events if e.name == name]


def future_date(days=10) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


async def test_officer_routes_refuse_members_and_anonymous(site, member):
    routes = [
        ("GET", "/api/v1/admin/raids/availability", None),
        ("GET", "/api/v1/admin/raids/attendance", None),
        ("GET", "/api/v1/admin/raids/recurring-events", None),
        ("POST", "/api/v1/admin/raids/recurring-events", {"label": "X", "day_of_week": 1}),
        ("PATCH", "/api/v1/admin/raids/recurring-events/1", {"label": "X"}),
        ("DELETE", "/api/v1/admin/raids/recurring-events/1", None),
        ("GET", "/api/v1/admin/raids/events", None),
        (
            "POST",
            "/api/v1/admin/raids/events",
            {"title": "X", "event_date": future_date(), "start_time": "20:00", "timezone": "UTC"},
        ),
        ("PATCH", "/api/v1/admin/raids/events/1", {"title": "X"}),
        ("POST", "/api/v1/admin/raids/events/1/cancel", {}),
        ("PUT", "/api/v1/admin/raids/events/1/signup", {"player_id": 1, "status": "accepted"}),
        ("PUT", "/api/v1/admin/raids/events/1/attendance", {"marks": {"1": "attended"}}),
    ]
    for method, url, body in routes:
        kwargs = {"json": body} if body is not None else {}
        assert (await member.request(method, url, **kwargs)).status_code == 403, url
        assert (await site.request(method, url, **kwargs)).status_code == 401, url
    for url in ("/admin/raids", "/admin/raids/availability", "/admin/raids/events/1"):
        assert (await member.get(url)).status_code == 403, url
        anonymous = await site.get(url)
        assert anonymous.status_code in (302, 303, 307, 401), url
    # Members' pages and API need a login too.
    for url in ("/raids", "/raids/events/1", "/api/v1/raids/events", "/api/v1/raids/me/settings"):
        assert (await site.get(url)).status_code in (302, 303, 307, 401), url


async def test_recurring_events_crud_with_one_active_night_per_weekday(officer):
    body = {
        "label": "Heroic",
        "day_of_week": 4,
        "default_start_time": "21:00",
        "default_duration_minutes": 180,
    }
    created = await officer.post("/api/v1/admin/raids/recurring-events", json=body)
    assert created.status_code == 201, created.text
    night = created.json()["data"]
    assert night["day_name"] == "Friday" and night["default_start_time"] == "21:00"

    clash = await officer.post("/api/v1/admin/raids/recurring-events", json={**body, "label": "Other"})
    assert clash.status_code == 409
    inactive = await officer.post(
        "/api/v1/admin/raids/recurring-events", json={**body, "label": "Spare", "is_active": False}
    )
    assert inactive.status_code == 201
    spare = inactive.json()["data"]["id"]
    # Turning the spare on while Friday is taken: 409; moving it to Saturday first works.
    assert (
        await officer.patch(f"/api/v1/admin/raids/recurring-events/{spare}", json={"is_active": True})
    ).status_code == 409
    moved = await officer.patch(
        f"/api/v1/admin/raids/recurring-events/{spare}", json={"is_active": True, "day_of_week": 5}
    )
    assert moved.status_code == 200 and moved.json()["data"]["day_of_week"] == 5

    for bad in (
        {**body, "day_of_week": 7},
        {**body, "label": ""},
        {**body, "label": "a\x07b"},
        {**body, "default_duration_minutes": 5},
        {**body, "default_start_time": "25:00"},
        {**body, "default_start_time": "21:00+02:00"},  # the guild's zone places it; was dropped
        {**body, "default_start_time": 75600},  # read as seconds after midnight UTC
        {**body, "discord_channel_id": "general"},
        {**body, "surprise": 1},
    ):
        assert (await officer.post("/api/v1/admin/raids/recurring-events", json=bad)).status_code == 422, bad

    listed = (await officer.get("/api/v1/admin/raids/recurring-events")).json()["data"]
    assert [(n["day_of_week"], n["label"]) for n in listed] == [(4, "Heroic"), (5, "Spare")]
    assert (await officer.delete(f"/api/v1/admin/raids/recurring-events/{night['id']}")).status_code == 200
    assert (await officer.delete(f"/api/v1/admin/raids/recurring-events/{night['id']}")).status_code == 404


async def test_a_night_deleted_while_another_officer_saves_or_deletes_it_is_a_404(officer, db):
    """Two officers on one weekly night: the delete of one lands while the other's save or
    delete is under way. That one read the row unlocked and then wrote to a row gone meanwhile
    (a 500) or "deleted" it a second time (200); it now waits for the row and answers 404."""

    async def waiting_on_a_lock() -> bool:
        async with db.read() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            return bool(await conn.scalar(text(query + " AND datname = current_database()")))

    url = "/api/v1/admin/raids/recurring-events"
    for method, body in (("PATCH", {"label": "Mythic"}), ("DELETE", None)):
        night = officer.data(await officer.post(url, json={"label": "Heroic", "day_of_week": 2}))["id"]
        async with db.session() as session:  # the first officer's delete, committed on leaving
            await session.execute(delete(RecurringEvent).where(RecurringEvent.id == night))
            second = asyncio.create_task(officer.request(method, f"{url}/{night}", json=body))
            await eventually(waiting_on_a_lock)
        response = await second
        assert response.status_code == 404, (method, response.text)
        assert response.json()["error"]["code"] == "recurring_not_found"


async def test_channels_must_be_synced_text_channels(officer, synced_channels):
    text, voice, unknown = "810000000000000001", "810000000000000002", "810000000000000003"
    night = {"label": "Heroic", "day_of_week": 2, "default_start_time": "21:00"}
    # Nothing synced yet: nothing can check the id, so it is refused with what to do.
    early = await officer.post(
        "/api/v1/admin/raids/recurring-events", json={**night, "discord_channel_id": text}
    )
    assert early.status_code == 422 and "synced yet" in early.json()["error"]["message"]
    await synced_channels({text: "text", voice: "voice"})
    for channel in (voice, unknown):
        refused = await officer.post(
            "/api/v1/admin/raids/recurring-events", json={**night, "discord_channel_id": channel}
        )
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_channel"
    created = await officer.post(
        "/api/v1/admin/raids/recurring-events", json={**night, "discord_channel_id": text}
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/admin/raids/recurring-events/{created.json()['data']['id']}"
    assert (await officer.patch(url, json={"discord_channel_id": voice})).status_code == 422
    # The channel is deleted in Discord: the night keeps it and its other fields can still change.
    await synced_channels({voice: "voice"})
    page = (await officer.get("/admin/raids")).text  # shown as it is, so saving the row keeps it
    assert f'<option value="{text}" selected>A channel not synced (any more): {text}</option>' in page
    kept = await officer.patch(url, json={"discord_channel_id": text, "label": "Heroic+"})
    assert kept.status_code == 200 and kept.json()["data"]["discord_channel_id"] == text
    cleared = await officer.patch(url, json={"discord_channel_id": ""})
    assert cleared.status_code == 200 and cleared.json()["data"]["discord_channel_id"] is None

    event = {"title": "Raid", "event_date": future_date(), "start_time": "20:00", "timezone": "UTC"}
    refused = await officer.post("/api/v1/admin/raids/events", json={**event, "channel_id": text})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_channel"
    await synced_channels({text: "text"})
    made = await officer.post("/api/v1/admin/raids/events", json={**event, "channel_id": text})
    assert made.status_code == 201 and made.json()["data"]["discord_channel_id"] == text


async def test_officer_creates_an_event_and_members_answer(officer, member, raider, db):
    bench = await raider(rank="Initiate")
    response = await officer.post(
        "/api/v1/admin/raids/events",
        json={
            "title": "Heroic night",
            "event_date": future_date(),
            "start_time": "20:00",
            "timezone": "Europe/Berlin",
            "duration_minutes": 150,
            "description": "Flasks please",
            "player_overrides": {str(officer.ref.player_id): "accepted"},
        },
    )
    assert response.status_code == 201, response.text
    event = response.json()["data"]
    assert event["local_start_time"] == "20:00" and event["timezone"] == "Europe/Berlin"
    created = recorded(officer, "raids.event_created")
    assert [e.data["event_id"] for e in created] == [event["id"]]

    detail = (await member.get(f"/api/v1/raids/events/{event['id']}")).json()["data"]
    statuses = {s["player_id"]: s["status"] for s in detail["signups"]}
    assert statuses == {
        officer.ref.player_id: "accepted",
        member.ref.player_id: "tentative",
        bench.player_id: "bench",
    }
    assert detail["my_status"] == "tentative"
    healer = next(c for c in detail["composition"] if c["role"] == "healer")
    assert healer["accepted"] == 1 and healer["target"] == 4 and healer["missing"] == 3

    answer = await member.put(f"/api/v1/raids/events/{event['id']}/signup", json={"status": "accepted"})
    assert answer.status_code == 200 and answer.json()["data"]["changed"] is True
    changed = recorded(member, "raids.event_changed")
    assert changed[-1].data == {
        "event_id": event["id"],
        "reason": "signup",
        "player_id": member.ref.player_id,
        "status": "accepted",
        "source": "site",
    }
    again = await member.put(f"/api/v1/raids/events/{event['id']}/signup", json={"status": "accepted"})
    assert again.json()["data"]["changed"] is False
    assert len(recorded(member, "raids.event_changed")) == len(changed)  # a repeated click is silent
    assert (
        await member.put(f"/api/v1/raids/events/{event['id']}/signup", json={"status": "maybe"})
    ).status_code == 422

    tank = next(
        c
        for c in (await member.get(f"/api/v1/raids/events/{event['id']}")).json()["data"]["composition"]
        if c["role"] == "tank"
    )
    assert tank["accepted"] == 1

    page = await member.get(f"/raids/events/{event['id']}")
    assert page.status_code == 200
    assert "Heroic night" in page.text and 'aria-pressed="true"' in page.text and "Flasks please" in page.text
    # The booked date and time read as words, not "Europe/Berlin: 2026-12-08 20:00".
    day = date.fromisoformat(event["event_date"])
    written = (
        f'<time class="js-time" data-style="date" datetime="{day}">{day:%a} {day.day} {day:%b %Y}</time>'
    )
    assert f"{written}, 20:00 (Europe/Berlin)" in page.text and f"Europe/Berlin: {day}" not in page.text
    admin_page = (await officer.get(f"/admin/raids/events/{event['id']}")).text
    assert f"(booked {written}, 20:00 Europe/Berlin)" in admin_page
    listing = await member.get("/raids")
    assert listing.status_code == 200 and f"/raids/events/{event['id']}" in listing.text

    cancelled = await officer.post(f"/api/v1/admin/raids/events/{event['id']}/cancel", json={})
    assert cancelled.status_code == 200 and cancelled.json()["data"]["cancelled"] is True
    assert recorded(officer, "raids.event_changed")[-1].data["reason"] == "cancelled"
    late = await member.put(f"/api/v1/raids/events/{event['id']}/signup", json={"status": "absent"})
    assert late.status_code == 409


async def test_officer_edits_an_event_and_the_plugins_hear_of_it(officer, member, db):
    created = await officer.post(
        "/api/v1/admin/raids/events",
        json={
            "title": "Heroic night",
            "event_date": future_date(),
            "start_time": "20:00",
            "timezone": "Europe/Berlin",
            "description": "Flasks please",
        },
    )
    event = created.json()["data"]
    url = f"/api/v1/admin/raids/events/{event['id']}"
    page = await officer.get(f"/admin/raids/events/{event['id']}")
    assert page.status_code == 200 and 'id="raids-event-edit"' in page.text

    moved = await officer.patch(url, json={"start_time": "21:15", "title": "Mythic night", "description": ""})
    assert moved.status_code == 200, moved.text
    data = moved.json()["data"]
    assert data["changed"] == ["title", "description", "start"]
    assert (data["title"], data["local_start_time"], data["description"]) == ("Mythic night", "21:15", None)
    assert data["duration_minutes"] == event["duration_minutes"]
    assert recorded(officer, "raids.event_changed")[-1].data == {
        "event_id": event["id"],
        "reason": "edited",
        "player_id": None,
        "status": None,
        "source": "officer",
    }
    # Members see the new title and time.
    detail = (await member.get(f"/api/v1/raids/events/{event['id']}")).json()["data"]["event"]
    assert detail["title"] == "Mythic night" and detail["local_start_time"] == "21:15"
    # Saving the same values tells nobody.
    told = len(recorded(officer, "raids.event_changed"))
    same = await officer.patch(url, json={"title": "Mythic night", "start_time": "21:15"})
    assert same.status_code == 200 and same.json()["data"]["changed"] == []
    assert len(recorded(officer, "raids.event_changed")) == told

    for bad in (
        {"channel_id": "123456789012345678"},  # the post lives in its channel
        {"timezone": "Atlantis/Capital"},
        {"duration_minutes": 721},
        {"title": "x" * 201},
        {"title": "bad\u0000title"},
        {"start_time": "25:00"},
        {"event_date": (datetime.now(UTC).date() - timedelta(days=2)).isoformat()},  # in the past
        {"event_date": "9999-12-31", "start_time": "23:00"},  # too far ahead (and past datetime's end)
        {"title": None},  # only the description may be null
        {"duration_minutes": None},
        {"start_time": "21:00+05:00"},  # a wall-clock time: the zone is the event's
        {"timezone": "localtime"},  # means whatever the server's clock says
    ):
        response = await officer.patch(url, json=bad)
        assert response.status_code == 422, (bad, response.text)
    assert (await officer.patch("/api/v1/admin/raids/events/999999", json={"title": "X"})).status_code == 404
    await officer.post(f"{url}/cancel", json={})
    refused = await officer.patch(url, json={"title": "Back on"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "event_cancelled"
    page = await officer.get(f"/admin/raids/events/{event['id']}")
    assert 'id="raids-event-edit"' not in page.text  # nothing left to edit


async def test_event_creation_refuses_bad_input_at_the_edge(officer):
    base = {"title": "Raid", "event_date": future_date(), "start_time": "20:00", "timezone": "UTC"}
    for bad in (
        {**base, "timezone": "Atlantis/Capital"},
        {**base, "start_time": "2pm"},
        {**base, "duration_minutes": 0},
        {**base, "title": "x" * 201},
        {**base, "player_overrides": {"abc": "accepted"}},
        {**base, "player_overrides": {"5": "maybe"}},
        {**base, "event_date": "2026-02-30"},
        {**base, "event_date": "9999-12-31", "start_time": "23:00"},  # a typo's year: 422, not a 500
        {**base, "start_time": "20:00+02:00"},
        {**base, "event_date": (datetime.now(UTC).date() - timedelta(days=1)).isoformat()},  # over already
    ):
        response = await officer.post("/api/v1/admin/raids/events", json=bad)
        assert response.status_code == 422, (bad, response.text)
    # A number is no time: pydantic read it as seconds after midnight UTC, then refused the
    # offset that gave it, naming neither the field nor the mistake.
    number = await officer.post("/api/v1/admin/raids/events", json={**base, "start_time": 72000})
    assert [d["field"] for d in number.json()["error"]["details"]] == ["start_time"], number.text
    missing = await officer.post("/api/v1/admin/raids/events", json={**base, "recurring_event_id": 999})
    assert missing.status_code == 404
    skipped = await officer.post(
        "/api/v1/admin/raids/events",
        json={**base, "event_date": "2030-03-31", "start_time": "02:30", "timezone": "Europe/Berlin"},
    )
    assert skipped.status_code == 422 and "skip" in skipped.json()["error"]["message"]


async def test_blank_or_invisible_titles_and_labels_are_422_naming_the_field(officer):
    """A title or label of spaces or invisible characters only displayed as nothing."""
    event = {"title": "Raid", "event_date": future_date(), "start_time": "20:00", "timezone": "UTC"}
    night = {"label": "Heroic", "day_of_week": 2}
    created = (await officer.post("/api/v1/admin/raids/events", json=event)).json()["data"]
    weekly = (await officer.post("/api/v1/admin/raids/recurring-events", json=night)).json()["data"]
    for blank in ("   ", "\u200b", "\u2060\ufeff", " \u00ad ", "\u180e"):
        for method, url, body, field in (
            ("POST", "/api/v1/admin/raids/events", {**event, "title": blank}, "title"),
            ("PATCH", f"/api/v1/admin/raids/events/{created['id']}", {"title": blank}, "title"),
            ("POST", "/api/v1/admin/raids/recurring-events", {**night, "label": blank}, "label"),
            ("PATCH", f"/api/v1/admin/raids/recurring-events/{weekly['id']}", {"label": blank}, "label"),
        ):
            response = await officer.request(method, url, json=body)
            assert response.status_code == 422, (method, url, repr(blank), response.text)
            assert [d["field"] for d in response.json()["error"]["details"]] == [field]
    # One visible character is enough; a description of invisible characters only is no description.
    kept = await officer.patch(
        f"/api/v1/admin/raids/events/{created['id']}",
        json={"title": " ⚔\ufe0f Raid ", "description": "\u200b\n\u2060"},
    )
    assert kept.status_code == 200, kept.text
    assert (kept.json()["data"]["title"], kept.json()["data"]["description"]) == ("⚔\ufe0f Raid", None)


async def test_attendance_in_bulk_after_the_start(officer, member, raider, db):
    walk_in = await raider(rank="Member")
    async with db.session() as session:
        event = await events.create_event(
            session,
            title="Past raid",
            event_date=date.today() - timedelta(days=2),
            start_time=time(20, 0),
            timezone="UTC",
        )
        future = await events.create_event(
            session,
            title="Later",
            event_date=date.today() + timedelta(days=3),
            start_time=time(20, 0),
            timezone="UTC",
        )
        await session.commit()
        event_id, future_id = event.id, future.id
    # walk_in was created after the event: marked anyway (came without signing up).
    marks = {
        str(officer.ref.player_id): "attended",
        str(member.ref.player_id): "noted_absence",
        str(walk_in.player_id): "attended",
    }
    response = await officer.put(f"/api/v1/admin/raids/events/{event_id}/attendance", json={"marks": marks})
    assert response.status_code == 200, response.text
    assert (
        await officer.put(f"/api/v1/admin/raids/events/{future_id}/attendance", json={"marks": marks})
    ).status_code == 409
    assert (
        await officer.put(
            f"/api/v1/admin/raids/events/{event_id}/attendance", json={"marks": {"999999": "attended"}}
        )
    ).status_code == 422
    assert (
        await officer.put(f"/api/v1/admin/raids/events/{event_id}/attendance", json={"marks": {"1": "late"}})
    ).status_code == 422

    async with db.session() as session:
        rows = {
            r.player_id: (r.attended, r.noted_absence, r.marked_at is not None)
            for r in await session.scalars(select(RaidAttendance).where(RaidAttendance.event_id == event_id))
        }
    assert rows[officer.ref.player_id] == (True, False, True)
    assert rows[member.ref.player_id] == (False, True, True)
    assert rows[walk_in.player_id] == (True, False, True)

    mine = (await member.get("/api/v1/raids/me/attendance")).json()["data"]
    assert [(s["attended"], s["noted_absence"], s["marked"]) for s in mine] == [(0, 1, 1)]
    page = await officer.get(f"/admin/raids/events/{event_id}")
    assert page.status_code == 200 and "noted absence" in page.text
    manager = await officer.get("/admin/players")
    assert manager.status_code == 200 and "player_manager.js" in manager.text
    totals = (await officer.get("/api/v1/admin/raids/attendance")).json()["data"]
    assert totals["players"][str(officer.ref.player_id)]["attended"] == 1
    assert totals["players"][str(member.ref.player_id)]["noted_absence"] == 1
    assert (await member.get("/api/v1/admin/raids/attendance")).status_code == 403
    profile = await member.get("/profile")
    assert (
        profile.status_code == 200
        and 'id="profile-raids"' in profile.text
        and "raids-my-attendance" in profile.text
    )


async def test_auto_invite_switch_is_the_members_own(member, officer, db):
    assert (await member.get("/api/v1/raids/me/settings")).json()["data"] == {"auto_invite_events": False}
    saved = await member.put("/api/v1/raids/me/settings", json={"auto_invite_events": True})
    assert saved.status_code == 200 and saved.json()["data"]["auto_invite_events"] is True
    assert (
        await member.put("/api/v1/raids/me/settings", json={"auto_invite_events": "yes please"})
    ).status_code == 422
    created = await officer.post(
        "/api/v1/admin/raids/events",
        json={"title": "Raid", "event_date": future_date(), "start_time": "20:00", "timezone": "UTC"},
    )
    event_id = created.json()["data"]["id"]
    async with db.session() as session:
        status = await session.scalar(
            select(RaidAttendance.status).where(
                RaidAttendance.event_id == event_id, RaidAttendance.player_id == member.ref.player_id
            )
        )
    assert status == "accepted"


async def test_officer_pages_render_with_data(officer, db):
    await officer.post(
        "/api/v1/admin/raids/recurring-events",
        json={"label": "Tuesday heroic", "day_of_week": 1, "default_start_time": "20:00"},
    )
    admin = await officer.get("/admin/raids")
    assert admin.status_code == 200 and "Tuesday heroic" in admin.text
    availability = await officer.get("/admin/raids/availability")
    assert availability.status_code == 200 and "raids-days" in availability.text
    async with db.session() as session:
        assert await session.scalar(select(RaidEvent.id)) is None  # a page view books nothing
