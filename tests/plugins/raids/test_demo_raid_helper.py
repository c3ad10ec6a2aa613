"""``patt demo`` runs the Raid-Helper connector against its in-process fake of Raid-Helper when no
real one is configured: the officers' panel says so, the connection test answers, and the demo's
events reach the fake through the real sync job (created, edited, deleted), also after a restart.
A real configuration wins; a site that is not the demo starts no fake."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from patt_host.jobs.models import JobRun
from patt_host.testing.waiting import eventually
from patt_raids.demo import DEMO_RH_KEY, DEMO_RH_SERVER_ID
from patt_raids.services import events
from sv_common.testing.fake_raid_helper import FakeRaidHelper

PLUGINS = ["identity", "raids"]
TEST_URL = "/api/v1/admin/raids/raid-helper/test"
JOB = "raids.raid_helper_sync"


async def seed(make_host) -> tuple[str, str]:
    """The demo data, seeded as `patt demo` does (the host running, its startup hooks called)."""
    host = make_host(plugins=PLUGINS, patt_demo=True)
    async with host.running(), host.db.session() as session:
        summaries = await host.hooks.seed_demo_data(session)
        # The seeding run starts the fake too, but syncs nothing: that process ends at once.
        assert host.plugin_state("raids").demo_raid_helper is not None
    username, password = re.search(r"officer login: (\S+) / (\S+)$", summaries["identity"]).groups()
    return username, password


async def serve_demo(make_client, login: tuple[str, str]):
    client = await make_client(plugins=PLUGINS, patt_demo=True)
    username, password = login
    answer = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return client


async def mirrored(db) -> dict[int, tuple[str | None, dict]]:
    """Upcoming event id -> (Raid-Helper id, stored payload)."""
    async with db.session() as session:
        return {
            e.id: (e.raid_helper_event_id, dict(e.raid_helper_payload or {}))
            for e in await events.list_events(session, upcoming=True)
        }


async def stored(db, event_id: int) -> tuple[str | None, dict]:
    async with db.session() as session:
        event = await events.get_event(session, event_id)
        return event.raid_helper_event_id, dict(event.raid_helper_payload or {})


async def jobs_done() -> None:
    """Let the background syncs record their end before the host closes."""
    await asyncio.gather(*[t for t in asyncio.all_tasks() if t.get_name().startswith("patt-job-raids.")])


async def test_the_demo_mirrors_its_events_into_its_fake_raid_helper(make_host, make_client, db):
    login = await seed(make_host)
    assert all(rh_id is None for rh_id, _ in (await mirrored(db)).values())  # nothing synced yet

    officer = await serve_demo(make_client, login)
    host = officer.host
    state = host.plugin_state("raids")
    fake = state.demo_raid_helper
    assert isinstance(fake, FakeRaidHelper) and fake.base_url.startswith("http://127.0.0.1:")
    assert state.settings.raid_helper_configured and state.settings.raid_helper_base_url == fake.base_url
    assert not host.plugin_settings("raids").raid_helper_configured  # the process's configuration stays
    assert host.jobs.schedules_for(JOB)  # the retry pass is scheduled, as on a configured site

    # The serving process's first sync pass (the job, as the cron runs it) creates the seeded events.
    upcoming = await mirrored(db)
    assert len(upcoming) >= 2
    await eventually(lambda: len(fake.events) == len(upcoming), timeout=20)
    await jobs_done()
    upcoming = await mirrored(db)
    for rh_id, payload in upcoming.values():
        assert rh_id in fake.events and payload["last_error"] is None
    first = next(iter(upcoming))
    assert len(fake.signups(upcoming[first][0])) == len(upcoming[first][1]["signups"]) > 5
    async with db.session() as session:
        run = await session.scalar(select(JobRun).where(JobRun.job_name == JOB))
    assert run.triggered_by == "patt demo" and run.status == "succeeded", run.error
    assert {r.authorization for r in fake.requests} == {DEMO_RH_KEY}

    # The officers' panel: on, against the demo's fake (labelled so), never the key; the test answers.
    page = (await officer.get("/admin/raids")).text
    assert 'data-configured="true"' in page and 'data-demo="true"' in page
    assert 'id="raids-raid-helper-demo"' in page and "demo fake" in page
    assert "raids-raid-helper-off" not in page and DEMO_RH_KEY not in page
    answer = await officer.post(TEST_URL, json={})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == {
        "connected": True,
        "server_id": DEMO_RH_SERVER_ID,
        "event_count": len(upcoming),
        "base_url": fake.base_url,
    }
    event_page = (await officer.get(f"/admin/raids/events/{first}")).text
    assert f"event {upcoming[first][0]}" in event_page and 'id="raids-rh-demo"' in event_page

    # An officer's new event, its edit and its cancellation reach the fake through the sync job.
    day = (datetime.now(UTC) + timedelta(days=5)).date()
    created = await officer.post(
        "/api/v1/admin/raids/events",
        json={"title": "Demo mythic night", "event_date": day.isoformat(), "start_time": "20:30",
              "timezone": "America/New_York", "duration_minutes": 150},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    event_id = created.json()["data"]["id"]
    rh_id = await eventually(
        lambda: next((k for k, e in fake.events.items() if e["title"] == "Demo mythic night"), None)
    )
    await eventually(lambda: stored_id_is(db, event_id, rh_id))
    # (The job is exclusive: a change made while a pass runs waits for the next pass.)
    await jobs_done()
    edited = await officer.patch(
        f"/api/v1/admin/raids/events/{event_id}", json={"title": "Demo heroic night"}
    )
    assert edited.status_code == 200, edited.text
    await eventually(lambda: fake.events[rh_id]["title"] == "Demo heroic night")
    assert fake.requests_to("PATCH", rf"/api/v4/events/{rh_id}")[-1].body == {"title": "Demo heroic night"}
    await jobs_done()
    cancelled = await officer.post(f"/api/v1/admin/raids/events/{event_id}/cancel", json={})
    assert cancelled.status_code == 200, cancelled.text
    await eventually(lambda: rh_id not in fake.events)
    await jobs_done()
    assert (await stored(db, event_id))[1]["deleted"] is True
    page = (await officer.get(f"/admin/raids/events/{event_id}")).text
    assert f"event {rh_id} deleted there" in page


async def stored_id_is(db, event_id: int, rh_id: str) -> bool:
    return (await stored(db, event_id))[0] == rh_id


async def test_a_restarted_demo_gives_its_fake_back_what_was_sent(make_host, make_client, db):
    login = await seed(make_host)
    first = await serve_demo(make_client, login)
    before = first.host.plugin_state("raids").demo_raid_helper
    await eventually(lambda: len(before.events) >= 2, timeout=20)
    await jobs_done()
    sent = {rh_id: e for rh_id, e in before.events.items()}

    again = await serve_demo(make_client, login)  # another process on the same database
    fake = again.host.plugin_state("raids").demo_raid_helper
    assert fake is not before and set(fake.events) == set(sent)
    by_user = lambda signups: sorted(signups, key=lambda s: s["userId"])  # noqa: E731 - in any order
    for rh_id, event in fake.events.items():
        assert event["startTime"] == sent[rh_id]["startTime"] and event["title"] == sent[rh_id]["title"]
        assert by_user(event["signUps"]) == by_user(sent[rh_id]["signUps"])
    assert (await again.post(TEST_URL, json={})).json()["data"]["event_count"] == len(sent)
    await jobs_done()  # its own first pass: nothing to send
    assert not fake.requests_to("POST", r".*") and not fake.requests_to("PATCH", r".*")

    # An edit after the restart is an edit of the restored event (no 404), and a new event gets
    # an id of its own.
    event_id, (rh_id, _) = next(iter((await mirrored(db)).items()))
    edited = await again.patch(f"/api/v1/admin/raids/events/{event_id}", json={"title": "Moved night"})
    assert edited.status_code == 200, edited.text
    await eventually(lambda: fake.events[rh_id]["title"] == "Moved night")
    await jobs_done()
    assert (await stored(db, event_id))[1]["last_error"] is None
    day = (datetime.now(UTC) + timedelta(days=4)).date()
    created = await again.post(
        "/api/v1/admin/raids/events",
        json={"title": "After the restart", "event_date": day.isoformat(), "start_time": "21:00",
              "timezone": "Europe/London"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    await eventually(lambda: len(fake.events) == len(sent) + 1)
    await jobs_done()


async def test_a_real_configuration_wins_over_the_demo_fake(make_client, raid_helper_env):
    real = FakeRaidHelper(api_key="rh-real-key-0123456789", server_id="800000000000000444")
    await real.start()
    try:
        raid_helper_env(real, "810000000000000444")
        client = await make_client(plugins=PLUGINS, patt_demo=True)
        state = client.host.plugin_state("raids")
        assert state.demo_raid_helper is None
        assert state.settings is client.host.plugin_settings("raids")
        assert state.settings.raid_helper_base_url == real.base_url
    finally:
        await real.stop()


async def test_a_site_that_is_not_the_demo_starts_no_fake(make_client):
    client = await make_client(plugins=PLUGINS)
    state = client.host.plugin_state("raids")
    assert state.demo_raid_helper is None and not state.settings.raid_helper_configured
    assert client.host.jobs.get(JOB) is not None and not client.host.jobs.schedules_for(JOB)
