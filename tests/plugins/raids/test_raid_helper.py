"""The Raid-Helper connector against a loopback fake of its API (real HTTP through httpx).

The fake is strict where the original integration was wrong: the base path, the
``Authorization`` header without "Bearer", the local date and time, one signup per request
and role/status slots as ``className``. Our events never depend on Raid-Helper: an outage
is recorded on the event and the next pass finishes the work without a second event.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID
from patt_host.testing.waiting import eventually
from patt_raids.services import events
from patt_raids.services import notify as raid_events
from patt_raids.services.raid_helper import (
    Connection,
    RaidHelperClient,
    event_body,
    local_date_and_time,
    signup_body,
)
from patt_raids.services.raid_helper_sync import RaidHelperConfig, sync_upcoming
from sv_common.identity import players as player_service
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.testing.fake_raid_helper import FakeRaidHelper

from .conftest import HEALER, RANGED, TANK

API_KEY = "rh-test-key-0123456789"
SERVER_ID = "800000000000000001"
LEADER_ID = "810000000000000100"
RH_ZONE = "America/New_York"  # the Raid-Helper server's own zone


@pytest.fixture
async def raid_helper():
    fake = FakeRaidHelper(api_key=API_KEY, server_id=SERVER_ID, timezone=RH_ZONE)
    await fake.start()
    yield fake
    await fake.stop()


def _config(fake: FakeRaidHelper, **changes) -> RaidHelperConfig:
    values = {
        "connection": Connection(base_url=fake.base_url, api_key=API_KEY, server_id=SERVER_ID, timeout=5),
        "leader_id": LEADER_ID,
        "template_id": "wowretail2",
        "timezone": RH_ZONE,
        "channel_id": None,
    }
    values.update(changes)
    return RaidHelperConfig(**values)


async def _link(db, player_id: int, discord_id: int) -> None:
    async with db.session() as session:
        user, _ = await upsert_discord_user(
            session, discord_id=str(discord_id), username=f"u{discord_id}", display_name=None, role_ids=[]
        )
        await player_service.link_discord(session, player_id=player_id, discord_user_id=user.id)


async def _event(db, *, day: date | None = None, at: time = time(20, 0), zone: str = "Europe/Berlin") -> int:
    day = day or (datetime.now(UTC) + timedelta(days=3)).date()
    async with db.session() as session:
        event = await events.create_event(
            session,
            title="Heroic night",
            event_date=day,
            start_time=at,
            timezone=zone,
            duration_minutes=180,
            channel_id=str(ANNOUNCE_CHANNEL_ID),
            description="Bring flasks",
        )
        return event.id


async def _stored(db, event_id: int):
    async with db.session() as session:
        event = await events.get_event(session, event_id)
        return event.raid_helper_event_id, dict(event.raid_helper_payload or {}), event.start_time_utc


# --- the request shapes ------------------------------------------------------------------------


def test_dates_and_times_are_local_and_unpadded():
    # 01:30 UTC on 5 Jan is 20:30 on 4 Jan in New York: the local day, not the UTC one.
    assert local_date_and_time(datetime(2026, 1, 5, 1, 30, tzinfo=UTC), "America/New_York") == (
        "4-1-2026",
        "20:30",
    )
    # Daylight saving moves the offset; the wall clock is what Raid-Helper shows.
    assert local_date_and_time(datetime(2026, 7, 4, 1, 0, tzinfo=UTC), "America/New_York") == (
        "3-7-2026",
        "21:00",
    )
    body = event_body(
        leader_id=LEADER_ID,
        template_id="wowretail2",
        title="t",
        description=None,
        duration_minutes=120,
        start_utc=datetime(2026, 7, 4, 1, 0, tzinfo=UTC),
        timezone="America/New_York",
    )
    assert body == {
        "leaderId": LEADER_ID, "templateId": "wowretail2", "date": "3-7-2026", "time": "21:00",
        "title": "t", "duration": 120,
    }  # fmt: skip
    assert "signups" not in body


def test_signups_use_role_and_status_slots_never_the_class():
    accepted = {"discord_id": "1" * 18, "status": "accepted"}
    assert signup_body(**accepted, role="tank", class_name="Warrior", spec="Protection") == {
        "userId": "1" * 18, "className": "Tank", "specName": "Protection1"
    }  # fmt: skip
    assert signup_body(**accepted, role="ranged", class_name="Hunter", spec="Beast Mastery")["specName"] == (
        "Beastmastery"
    )
    assert (
        signup_body(**accepted, role="melee", class_name="Death Knight", spec="Frost")["specName"] == "Frost1"
    )
    assert signup_body(**accepted, role="ranged", class_name="Mage", spec="Frost")["specName"] == "Frost"
    assert signup_body(**accepted, role=None, class_name=None, spec=None) == {
        "userId": "1" * 18, "className": "Tentative"
    }  # fmt: skip
    for status, slot in (("tentative", "Tentative"), ("bench", "Bench"), ("absent", "Absence")):
        body = signup_body(
            discord_id="1" * 18, status=status, role="healer", class_name="Priest", spec="Holy"
        )
        assert body == {"userId": "1" * 18, "className": slot}


async def test_the_fake_refuses_the_original_mistakes(raid_helper):
    """What the original sent is refused, so a test of ours fails the way production did."""
    good = {
        "leaderId": LEADER_ID,
        "templateId": "wowretail2",
        "date": "4-1-2026",
        "time": "20:30",
        "title": "x",
    }
    root = raid_helper.base_url.removesuffix("/api/v4")
    async with httpx.AsyncClient(headers={"Authorization": API_KEY}) as http:
        create = f"{raid_helper.base_url}/servers/{SERVER_ID}/channels/{ANNOUNCE_CHANNEL_ID}/event"
        # The original's base URL (api/v2) does not exist here.
        assert (
            await http.post(f"{root}/api/v2/servers/{SERVER_ID}/channels/1/event", json=good)
        ).status_code == 404
        assert (
            await http.post(create, json=good, headers={"Authorization": f"Bearer {API_KEY}"})
        ).status_code == 401
        assert (await http.post(create, json={**good, "date": "04-01-2026"})).status_code == 400
        assert (await http.post(create, json={**good, "time": "8:30 PM"})).status_code == 400
        bundled = await http.post(create, json={**good, "signups": [{"userId": "1" * 18}]})
        assert bundled.status_code == 400 and "signups" in bundled.json()["error"]
        created = await http.post(create, json=good)
        assert created.status_code == 200
        event_id = created.json()["event"]["id"]
        signups = f"{raid_helper.base_url}/events/{event_id}/signups"
        paladin = await http.post(
            signups, json={"userId": "1" * 18, "className": "Paladin", "specName": "Holy"}
        )
        assert paladin.status_code == 400 and paladin.json()["error"] == "invalid className"
        many = await http.post(signups, json=[{"userId": "1" * 18, "className": "Tank"}])
        assert many.status_code == 400
        assert (await http.post(signups, json={"userId": "1" * 18, "className": "Healer"})).status_code == 200
    # Raid-Helper read 20:30 on 4 Jan in its own zone.
    assert raid_helper.events[event_id]["startTime"] == int(
        datetime(2026, 1, 5, 1, 30, tzinfo=UTC).timestamp()
    )


# --- the sync -----------------------------------------------------------------------------------


async def test_an_event_is_created_at_its_local_time_and_each_signup_posted(
    db, raider, raid_helper, officer_client
):
    tank = await raider(spec=TANK, auto_invite=True)
    healer = await raider(spec=HEALER, auto_invite=True)
    ranged = await raider(spec=RANGED)  # tentative
    initiate = await raider(rank="Initiate", spec=RANGED)  # bench
    await raider(spec=TANK, auto_invite=True)  # no Discord account
    for number, ref in enumerate((tank, healer, ranged, initiate), start=1):
        await _link(db, ref.player_id, 830000000000000000 + number)
    # Made in Berlin at 20:00; Raid-Helper's server runs on New York time.
    event_id = await _event(db, zone="Europe/Berlin", at=time(20, 0))
    async with RaidHelperClient(_config(raid_helper).connection) as client:
        report = await sync_upcoming(db, _config(raid_helper), client)
    assert report.counts() == {
        "created": 1,
        "edited": 0,
        "deleted": 0,
        "signups": 4,
        "no_discord": 1,
        "skipped": 0,
        "errors": 0,
    }
    rh_id, payload, start = await _stored(db, event_id)
    created = raid_helper.events[rh_id]
    # The same instant, whatever zone each side shows it in.
    assert created["startTime"] == int(start.timestamp())
    assert created["channelId"] == str(ANNOUNCE_CHANNEL_ID) and created["leaderId"] == LEADER_ID
    assert payload["event"]["time"] == start.astimezone(ZoneInfo(RH_ZONE)).strftime("%H:%M")
    assert {uid: (s["className"], s["specName"]) for uid, s in raid_helper.signups(rh_id).items()} == {
        "830000000000000001": ("Tank", "Protection1"),
        "830000000000000002": ("Healer", "Holy"),
        "830000000000000003": ("Tentative", None),
        "830000000000000004": ("Bench", None),
    }
    # One request per signup, each with the bare key.
    posts = raid_helper.requests_to("POST", rf"/api/v4/events/{rh_id}/signups")
    assert len(posts) == 4 and {r.authorization for r in raid_helper.requests} == {API_KEY}
    # In step: a second pass sends nothing.
    async with RaidHelperClient(_config(raid_helper).connection) as client:
        again = await sync_upcoming(db, _config(raid_helper), client)
    assert (again.created, again.signups) == (0, 0)
    # A member's change reaches Raid-Helper as one more signup request.
    async with db.session() as session:
        await events.set_signup_status(session, event_id, ranged.player_id, "accepted", "site")
    async with RaidHelperClient(_config(raid_helper).connection) as client:
        changed = await sync_upcoming(db, _config(raid_helper), client, event_id=event_id)
    assert (changed.created, changed.signups) == (0, 1)
    assert raid_helper.signups(rh_id)["830000000000000003"]["className"] == "Ranged"
    # The officers' page adds it up: the member without Discord is why 4 of 5 went.
    page = (await officer_client.get(f"/admin/raids/events/{event_id}")).text
    assert (
        f"event {rh_id} · 4 of 5 signups sent (1 without a linked Discord account: Raid-Helper knows "
        "members by Discord id)" in page
    )
    assert "the rest go with the next sync" not in page


async def test_an_outage_is_reported_and_the_next_pass_finishes_without_a_second_event(
    db, raider, raid_helper
):
    members = [await raider(spec=TANK) for _ in range(3)]
    for number, ref in enumerate(members, start=1):
        await _link(db, ref.player_id, 840000000000000000 + number)
    event_id = await _event(db)
    config = _config(raid_helper)
    # The create and the first signup go through, then Raid-Helper goes down.
    raid_helper.fail_next(5, 503, after=2)
    async with RaidHelperClient(config.connection) as client:
        report = await sync_upcoming(db, config, client)
    assert (report.created, report.signups) == (1, 1) and "503" in report.errors[0]
    rh_id, payload, _ = await _stored(db, event_id)
    assert rh_id is not None and "503" in payload["last_error"] and len(payload["signups"]) == 1
    async with db.session() as session:  # our event is untouched by the failure
        assert (await events.get_event(session, event_id)).title == "Heroic night"
    raid_helper.recover()
    async with RaidHelperClient(config.connection) as client:
        retry = await sync_upcoming(db, config, client)
    assert (retry.created, retry.signups, retry.errors) == (0, 2, [])
    assert len(raid_helper.events) == 1 and len(raid_helper.signups(rh_id)) == 3
    assert (await _stored(db, event_id))[1]["last_error"] is None


async def test_a_refused_key_leaves_our_event_and_says_why(db, raider, raid_helper):
    await _link(db, (await raider()).player_id, 850000000000000001)
    event_id = await _event(db)
    bad = _config(raid_helper, connection=Connection(raid_helper.base_url, "Bearer " + API_KEY, SERVER_ID))
    async with RaidHelperClient(bad.connection) as client:
        report = await sync_upcoming(db, bad, client)
    assert report.created == 0 and "401" in report.errors[0]
    rh_id, payload, _ = await _stored(db, event_id)
    assert rh_id is None and "401" in payload["last_error"] and raid_helper.events == {}


async def test_past_and_cancelled_events_are_left_alone(db, raid_helper):
    event_id = await _event(db)
    async with db.session() as session:
        await events.cancel_event(session, event_id)
    async with RaidHelperClient(_config(raid_helper).connection) as client:
        report = await sync_upcoming(db, _config(raid_helper), client, event_id=event_id)
    assert report.skipped == 1 and raid_helper.requests == []


async def test_an_officers_edit_is_sent_once_as_the_changed_fields(db, raider, raid_helper):
    await _link(db, (await raider(spec=TANK)).player_id, 893000000000000001)
    event_id = await _event(db, zone="Europe/Berlin", at=time(20, 0))
    config = _config(raid_helper)
    async with RaidHelperClient(config.connection) as client:
        await sync_upcoming(db, config, client)
    rh_id = (await _stored(db, event_id))[0]
    async with db.session() as session:
        event, changed = await events.update_event(
            session, event_id, title="Mythic night", start_time=time(21, 30), description=""
        )
        await session.commit()
    async with RaidHelperClient(config.connection) as client:
        report = await sync_upcoming(db, config, client, event_id=event_id)
    assert (report.created, report.edited, report.signups, report.errors) == (0, 1, 0, [])
    [patch] = raid_helper.requests_to("PATCH", rf"/api/v4/events/{rh_id}")
    # Only what changed, the time in the Raid-Helper server's zone; the description cleared.
    local = event.start_time_utc.astimezone(ZoneInfo(RH_ZONE))
    assert patch.body == {"title": "Mythic night", "time": local.strftime("%H:%M"), "description": ""}
    there = raid_helper.events[rh_id]
    assert there["title"] == "Mythic night" and there["startTime"] == int(event.start_time_utc.timestamp())
    assert there["description"] == ""
    # In step: the next pass sends nothing; still one event there.
    async with RaidHelperClient(config.connection) as client:
        again = await sync_upcoming(db, config, client)
    assert (again.created, again.edited, again.signups) == (0, 0, 0)
    assert len(raid_helper.requests_to("PATCH", r".*")) == 1 and len(raid_helper.events) == 1


async def test_a_cancelled_event_is_deleted_there_once_even_after_an_outage(db, raider, raid_helper):
    await _link(db, (await raider(spec=TANK)).player_id, 894000000000000001)
    event_id, gone_id = await _event(db), await _event(db, at=time(22, 0))
    config = _config(raid_helper)
    async with RaidHelperClient(config.connection) as client:
        await sync_upcoming(db, config, client)
    rh_id, gone_rh_id = (await _stored(db, event_id))[0], (await _stored(db, gone_id))[0]
    async with db.session() as session:
        await events.cancel_event(session, event_id)
        await events.cancel_event(session, gone_id)
        await session.commit()
    del raid_helper.events[gone_rh_id]  # someone deleted that one in Raid-Helper already
    raid_helper.fail_next(1, 503)  # the first delete meets an outage
    async with RaidHelperClient(config.connection) as client:
        report = await sync_upcoming(db, config, client)
    assert report.deleted == 1 and "503" in report.errors[0]
    assert (await _stored(db, gone_id))[1]["deleted"] is True  # a 404 there counts as done
    assert "503" in (await _stored(db, event_id))[1]["last_error"] and rh_id in raid_helper.events
    # The retry pass (cron) picks the cancelled event up again and finishes.
    raid_helper.recover()
    async with RaidHelperClient(config.connection) as client:
        retry = await sync_upcoming(db, config, client)
    assert (retry.deleted, retry.errors) == (1, []) and raid_helper.events == {}
    payload = (await _stored(db, event_id))[1]
    assert payload["deleted"] is True and payload["last_error"] is None
    # Done: later passes leave both alone.
    count = len(raid_helper.requests)
    async with RaidHelperClient(config.connection) as client:
        later = await sync_upcoming(db, config, client)
    assert later.counts()["deleted"] == 0 and len(raid_helper.requests) == count


async def test_member_data_covers_what_was_sent_to_raid_helper(db, raider, raid_helper):
    from patt_raids.member_data import delete_raids, export_raids

    kept, gone = await raider(spec=TANK), await raider(spec=HEALER)
    await _link(db, kept.player_id, 890000000000000001)
    await _link(db, gone.player_id, 890000000000000002)
    event_id = await _event(db)
    async with RaidHelperClient(_config(raid_helper).connection) as client:
        await sync_upcoming(db, _config(raid_helper), client)
    async with db.session() as session:
        [exported] = (await export_raids(session, gone.player_id))["raid_helper_signups"]
        assert exported["event_id"] == event_id and exported["sent"]["userId"] == "890000000000000002"
        await delete_raids(session, gone.player_id)
        assert (await export_raids(session, gone.player_id))["raid_helper_signups"] == []
    payload = (await _stored(db, event_id))[1]
    assert set(payload["signups"]) == {str(kept.player_id)}  # the others' entries stay


async def test_officers_see_the_connector_failure_on_the_event(db, raider, raid_helper, officer_client):
    await _link(db, (await raider()).player_id, 891000000000000001)
    event_id = await _event(db)
    raid_helper.fail_next(1, 503)
    async with RaidHelperClient(_config(raid_helper).connection) as client:
        await sync_upcoming(db, _config(raid_helper), client)
    page = await officer_client.get(f"/admin/raids/events/{event_id}")
    assert page.status_code == 200
    assert "Raid-Helper" in page.text and "not created" in page.text and "503" in page.text
    # No bot heard of this event (no domain event here): the page says it is not posted yet.
    assert "not posted yet" in page.text


async def test_configured_by_env_it_follows_event_creation_and_signup_changes(
    db, raider, raid_helper, make_host, raid_helper_env
):
    raid_helper_env(raid_helper, LEADER_ID, TIMEZONE=RH_ZONE)
    member = await raider(spec=TANK)
    await _link(db, member.player_id, 892000000000000001)
    host = make_host(site="patt")
    assert (
        host.jobs.get("raids.raid_helper_sync") is not None
    )  # registered through its cron entry (the retry pass)
    async with host.running():
        event_id = await _event(db)
        await raid_events.event_created(host, event_id, auto_booked=False, channel_id=None)
        rh_id = await eventually(lambda: next(iter(raid_helper.events), None))
        await eventually(lambda: raid_helper.signups(rh_id).get("892000000000000001"))
        async with db.session() as session:
            change = await events.set_signup_status(session, event_id, member.player_id, "accepted", "site")
        await raid_events.signup_changed(host, change)
        await eventually(lambda: raid_helper.signups(rh_id)["892000000000000001"]["className"] == "Tank")
        # The syncs ran as background jobs: let them record their end before the host closes.
        await asyncio.gather(*[t for t in asyncio.all_tasks() if t.get_name().startswith("patt-job-raids.")])
        assert len(raid_helper.events) == 1


async def test_an_adopted_event_is_brought_in_step_and_odd_payloads_stop_nothing(db, raider, raid_helper):
    """The original stored its own create body (signups as a list) or nothing: ours treats that
    as nothing sent, and one event it cannot handle does not stop the pass."""
    await _link(db, (await raider(spec=TANK)).player_id, 895000000000000001)
    config = _config(raid_helper)
    adopted, odd, fresh = await _event(db), await _event(db, at=time(21, 0)), await _event(db, at=time(22, 0))
    async with RaidHelperClient(config.connection) as client:  # the adopted one exists in Raid-Helper
        rh_id = await client.create_event(str(ANNOUNCE_CHANNEL_ID), {
            "leaderId": LEADER_ID, "templateId": "wowretail2", "date": "1-1-2030", "time": "02:00", "title": "old",
        })  # fmt: skip
    async with db.session() as session:
        await events.set_raid_helper_event(
            session, adopted, rh_id, {"title": "old", "signups": [{"userId": "1", "className": "Tank"}]}
        )
        await events.set_raid_helper_event(session, odd, "1482924660516716999", ["not", "an", "object"])
        await session.commit()
    async with RaidHelperClient(config.connection) as client:
        report = await sync_upcoming(db, config, client)
    # The adopted event: the whole body sent once (its time now right), its signup posted.
    [patch] = raid_helper.requests_to("PATCH", rf"/api/v4/events/{rh_id}")
    start = (await _stored(db, adopted))[2]
    assert patch.body["title"] == "Heroic night" and raid_helper.events[rh_id]["startTime"] == int(
        start.timestamp()
    )
    assert "895000000000000001" in raid_helper.signups(rh_id)
    # The odd one is unknown to Raid-Helper: its error is reported; the fresh one is created anyway.
    assert any(e.startswith(f"event {odd}:") for e in report.errors)
    assert (await _stored(db, fresh))[0] in raid_helper.events
    # Officers' pages show what happened instead of failing on the odd payload.
    async with db.session() as session:
        from patt_raids.services.raid_helper_sync import status_of

        assert status_of(await events.get_event(session, odd))["error"] is not None


async def test_a_cancelled_event_with_no_payload_is_still_deleted_there(db, raid_helper):
    config = _config(raid_helper)
    event_id = await _event(db)
    async with RaidHelperClient(config.connection) as client:
        await sync_upcoming(db, config, client)
    rh_id = (await _stored(db, event_id))[0]
    async with db.session() as session:
        await events.set_raid_helper_event(session, event_id, rh_id, None)  # SQL NULL: adopted rows
        await events.cancel_event(session, event_id)
        await session.commit()
    async with RaidHelperClient(config.connection) as client:
        report = await sync_upcoming(db, config, client)  # the cron pass, not the cancel's own job
    assert report.deleted == 1 and rh_id not in raid_helper.events
