"""Defect 3: control characters and oversize ints are refused at the edge with a 422 naming
the field (they used to reach PostgreSQL and answer 500)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from urllib.parse import quote

import pytest

from patt_host.testing.pytest_plugin import TEST_SECRET
from sv_common.auth.tokens import issue_token


def fields(response) -> set[str]:
    assert response.status_code == 422, (response.status_code, response.text)
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    return {d["field"] for d in error["details"]}


async def _officer(make_client, guild, log_in):
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    return client


async def test_nul_bytes_in_login_and_registration_are_422(client, guild):
    assert "username" in fields(
        await client.post("/api/v1/auth/login", json={"username": "bob\x00", "password": "x"})
    )
    assert "code" in fields(
        await client.post(
            "/api/v1/auth/register",
            json={"code": "AB\x00CD", "username": "bob", "password": "long enough pw"},
        )
    )
    page = await client.post(
        "/register",
        data={
            "csrf_token": client.csrf_token,
            "code": "A\x00",
            "username": "u",
            "password": "p",
            "password2": "p",
        },
    )
    assert page.status_code == 422 and "<html" in page.text.lower()


async def test_control_characters_in_query_and_path_are_422(make_client, guild, log_in):
    client = await _officer(make_client, guild, log_in)
    assert "query.job" in fields(await client.get("/api/v1/jobs/runs", params={"job": "a\x00b"}))
    assert "path.name" in fields(await client.post("/api/v1/jobs/x%00y/run"))


async def test_ids_above_int32_in_path_and_body_are_422(make_client, guild, log_in):
    client = await _officer(make_client, guild, log_in)
    player = await guild.player("Target")
    assert "path.player_id" in fields(
        await client.patch("/api/v1/admin/players/2147483648", json={"notes": "x"})
    )
    assert "rank_override_id" in fields(
        await client.patch(f"/api/v1/admin/players/{player}", json={"rank_override_id": 2**31})
    )
    assert "player_id" in fields(
        await client.put("/api/v1/admin/characters/1/player", json={"player_id": 2**40})
    )
    # In range but unknown is still an honest 404.
    assert (await client.patch("/api/v1/admin/players/2147483647", json={"notes": "x"})).status_code == 404


async def test_display_names_with_nul_are_422(make_client, guild, log_in):
    client = await _officer(make_client, guild, log_in)
    assert "display_name" in fields(
        await client.post("/api/v1/admin/players", json={"display_name": "A\x00B"})
    )


async def test_negative_job_run_limit_is_422(make_client, guild, log_in):
    client = await _officer(make_client, guild, log_in)
    assert "query.limit" in fields(await client.get("/api/v1/jobs/runs", params={"limit": -5}))
    assert "query.limit" in fields(await client.get("/api/v1/jobs/runs", params={"limit": "²"}))
    assert client.data(await client.get("/api/v1/jobs/runs", params={"limit": 5})) == []


async def test_one_job_run_by_id_is_bounded_and_unknown_is_404(make_client, guild, log_in):
    client = await _officer(make_client, guild, log_in)
    for spelling in ("0", "-1", str(2**31), "1.0", "07", "x"):
        assert fields(await client.get(f"/api/v1/jobs/runs/{spelling}")) == {"path.run_id"}, spelling
    assert (await client.get("/api/v1/jobs/runs/2147483647")).status_code == 404


async def test_an_outbox_notification_id_is_bounded_like_every_other_id(make_client, guild, log_in):
    """Retry took any int: 0 and -1 reached the outbox and came back 404, not the 422 of every id."""
    client = await _officer(make_client, guild, log_in)
    for spelling in ("0", "-1", str(2**31), "1.0", "x"):
        retry = await client.post(f"/api/v1/notifications/{spelling}/retry")
        assert fields(retry) == {"path.notification_id"}, spelling
    assert (await client.post("/api/v1/notifications/2147483647/retry")).status_code == 404


async def test_a_bearer_token_with_an_oversize_user_id_is_refused_not_500(client):
    token = issue_token(user_id=2**40, token_version=0, secret=TEST_SECRET, expires_minutes=5)
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_ids_spelled_otherwise_are_422_naming_the_field(make_client, guild, log_in):
    """``/players/7.0`` or ``/players/07`` reached player 7; ``"1_0000000000"`` got past the range check."""
    client = await _officer(make_client, guild, log_in)
    player = await guild.player("Target")
    for spelling in (f"{player}.0", f"0{player}", f"+{player}", f"%20{player}", f"{player}_0"):
        assert fields(await client.patch(f"/api/v1/admin/players/{spelling}", json={"notes": "x"})) == {
            "path.player_id"
        }, spelling
    assert "rank_override_id" in fields(
        await client.patch(f"/api/v1/admin/players/{player}", json={"rank_override_id": "1_0000000000"})
    )
    assert (await client.patch(f"/api/v1/admin/players/{player}", json={"notes": "x"})).status_code == 200


async def test_too_long_text_is_counted_in_characters(make_client, guild, log_in):
    """A text field checked after its validator (CleanStr) used to say "at most 200 items after validation"."""
    client = await _officer(make_client, guild, log_in)
    response = await client.post(
        "/api/v1/admin/raids/events",
        json={"title": "x" * 201, "event_date": "2030-01-04", "start_time": "20:00", "timezone": "UTC"},
    )
    assert response.status_code == 422, response.text
    [title] = [d for d in response.json()["error"]["details"] if d["field"] == "title"]
    assert title["message"] == "Value should have at most 200 characters, not 201"


# --- an edge review's leftovers: duplicate events, lax JSON types, nulls, job names --------------

EVENTS = "/api/v1/admin/raids/events"


def _event_body(**changes):
    day = (date.today() + timedelta(days=12)).isoformat()
    return {
        "title": "Heroic raid",
        "event_date": day,
        "start_time": "20:00",
        "timezone": "Europe/Paris",
        **changes,
    }


async def _raid_events(db, title_like: str) -> list[tuple[int, bool]]:
    from sqlalchemy import select

    from patt_raids.models import RaidEvent

    async with db.session() as session:
        rows = await session.execute(
            select(RaidEvent.id, RaidEvent.cancelled_at.is_not(None))
            .where(RaidEvent.title.ilike(title_like))
            .order_by(RaidEvent.id)
        )
        return [tuple(r) for r in rows]


async def test_the_same_raid_event_twice_at_once_is_made_once_and_the_second_is_a_409_naming_it(
    make_client, guild, log_in, db
):
    """A double click (or two officers) on "Create" made two identical events and two Discord posts."""
    officer = await _officer(make_client, guild, log_in)
    other = await _officer(make_client, guild, log_in)
    answers = await asyncio.gather(
        officer.post(EVENTS, json=_event_body()), other.post(EVENTS, json=_event_body())
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    made = next(a for a in answers if a.status_code == 201).json()["data"]
    error = next(a for a in answers if a.status_code == 409).json()["error"]
    assert error["code"] == "duplicate_event" and error["details"] == {"event_id": made["id"]}
    assert f"#{made['id']}" in error["message"] and "Heroic raid" in error["message"]
    assert "20:00" in error["message"] and "Europe/Paris" in error["message"]
    assert await _raid_events(db, "heroic raid") == [(made["id"], False)]

    # The same title as people read it (case, spaces at the ends) is the same event ...
    again = await officer.post(EVENTS, json=_event_body(title="  HEROIC raid "))
    assert again.status_code == 409 and again.json()["error"]["details"] == {"event_id": made["id"]}
    # ... another start, zone or title is another event ...
    later = await officer.post(EVENTS, json=_event_body(start_time="21:00"))
    assert later.status_code == 201, later.text
    # ... and an edit cannot move one onto the other.
    moved = await officer.patch(f"{EVENTS}/{later.json()['data']['id']}", json={"start_time": "20:00"})
    assert moved.status_code == 409 and moved.json()["error"]["details"] == {"event_id": made["id"]}
    # A cancelled event frees its slot.
    assert (await officer.post(f"{EVENTS}/{made['id']}/cancel")).status_code == 200
    remade = await officer.post(EVENTS, json=_event_body())
    assert remade.status_code == 201, remade.text
    assert len(await _raid_events(db, "heroic raid")) == 3


async def test_json_numbers_refuse_booleans_and_yes_no_fields_refuse_numbers_and_strings(
    make_client, guild, log_in, db
):
    """Lax parsing took ``season_number: true`` as season 1, ``quantity: true`` as 1 and 0, 1 or
    "true" as booleans: each is now a 422 naming the field, for every plugin's JSON bodies."""
    from patt_guild_sync.services.upload import validate_upload
    from sv_common.errors import ValidationFailed

    officer = await _officer(make_client, guild, log_in)
    player = await guild.player("Typed")
    season = {"expansion_name": "Typed", "start_date": "2025-01-01"}
    cases = [
        ("POST", "/api/v1/admin/seasons", {**season, "season_number": True}, "season_number"),
        ("POST", "/api/v1/admin/seasons", {**season, "season_number": 2, "is_active": 1}, "is_active"),
        ("POST", "/api/v1/crafting/orders", {"recipe_id": 1, "quantity": True}, "quantity"),
        ("PUT", "/api/v1/crafting/preferences", {"ping_for_orders": 1}, "ping_for_orders"),
        ("PUT", "/api/v1/crafting/preferences", {"ping_for_orders": "true"}, "ping_for_orders"),
        ("PUT", "/api/v1/raids/me/settings", {"auto_invite_events": 0}, "auto_invite_events"),
        ("PUT", "/api/v1/raids/me/settings", {"auto_invite_events": "false"}, "auto_invite_events"),
        ("POST", "/api/v1/admin/raids/recurring-events", {"label": "T", "day_of_week": True}, "day_of_week"),
        (
            "POST",
            "/api/v1/admin/raids/recurring-events",
            {"label": "T", "day_of_week": 2, "is_active": "true"},
            "is_active",
        ),
        ("POST", EVENTS, _event_body(title="Typed", duration_minutes=True), "duration_minutes"),
        ("PATCH", f"/api/v1/admin/players/{player}", {"is_active": 0}, "is_active"),
        ("POST", "/api/v1/admin/ranks", {"name": "Typed", "level": True}, "level"),
        ("POST", "/api/v1/admin/guild-sync/sync", {"full": 1}, "full"),
        ("PATCH", "/api/v1/discord/config", {"bot_dm_enabled": 1}, "bot_dm_enabled"),
        ("PATCH", "/api/v1/discord/config", {"role_sync_interval_hours": True}, "role_sync_interval_hours"),
        ("PATCH", "/api/v1/discord/config", {"dm_features": {"raids": "yes"}}, "dm_features.raids"),
        (
            "POST",
            "/api/v1/admin/campaigns",
            {"title": "T", "start_at": "2030-01-01T00:00:00Z", "duration_hours": True},
            "duration_hours",
        ),
        (
            "POST",
            "/api/v1/admin/campaigns",
            {"title": "T", "start_at": "2030-01-01T00:00:00Z", "duration_hours": 2, "exact_picks": 1},
            "exact_picks",
        ),
        ("POST", "/api/v1/campaigns/1/vote", {"picks": [{"entry_id": 1, "rank": True}]}, "picks.0.rank"),
    ]
    for method, path, body, field in cases:
        response = await officer.request(method, path, json=body)
        assert field in fields(response), (method, path, body, response.text)
    for entry in (
        {"name": "Aa", "level": True},
        {"name": "Aa", "is_online": 1},
        {"name": "Aa", "rank": True},
    ):
        with pytest.raises(ValidationFailed) as refused:
            validate_upload({"characters": [entry]}, max_characters=10)
        assert refused.value.details["bad_entries"] == 1, entry
    # The spellings the pages send still pass.
    made = await officer.post(
        "/api/v1/admin/seasons", json={**season, "season_number": 2, "is_active": False}
    )
    assert made.status_code == 201 and made.json()["data"]["season_number"] == 2
    assert (await officer.put("/api/v1/raids/me/settings", json={"auto_invite_events": True})).is_success


async def test_null_for_a_weekly_night_field_is_a_422_naming_it_as_for_events_and_seasons(
    make_client, guild, log_in, synced_channels
):
    """PATCH of a weekly night dropped null without a word (events and seasons answer 422); the
    channel's null keeps its meaning: it clears the channel, as "" does."""
    channel = "810000000000000077"
    await synced_channels({channel: "text"})
    officer = await _officer(make_client, guild, log_in)
    nights = "/api/v1/admin/raids/recurring-events"
    night = officer.data(
        await officer.post(nights, json={"label": "Nulls", "day_of_week": 2, "discord_channel_id": channel})
    )
    for name in (
        "label",
        "event_type",
        "day_of_week",
        "default_start_time",
        "default_duration_minutes",
        "is_active",
        "display_on_public",
    ):
        assert fields(await officer.patch(f"{nights}/{night['id']}", json={name: None})) == {name}, name
    kept = officer.data(await officer.get(nights))
    assert [n for n in kept if n["id"] == night["id"]] == [night]  # nothing was written
    cleared = officer.data(await officer.patch(f"{nights}/{night['id']}", json={"discord_channel_id": None}))
    assert cleared["discord_channel_id"] is None and cleared["label"] == "Nulls"


async def test_a_job_name_to_run_is_bounded_and_never_echoed_at_length(make_client, guild, log_in):
    """``POST /api/v1/jobs/{name}/run`` took a name of any length and echoed it whole in its 404."""
    officer = await _officer(make_client, guild, log_in)
    for name in (
        "x" * 5000,
        "drift." + "s" * 200,
        "nope",
        "drift.",
        ".scan",
        "Drift.scan",
        "drift.a b",
    ):
        response = await officer.post(f"/api/v1/jobs/{quote(name, safe='')}/run", json={})
        assert fields(response) == {"path.name"}, name
        assert len(response.text) < 1000, name
    unknown = await officer.post("/api/v1/jobs/drift.no_such_job/run", json={})
    assert unknown.status_code == 404 and "drift.no_such_job" in unknown.json()["error"]["message"]
