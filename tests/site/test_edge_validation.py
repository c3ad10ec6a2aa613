"""Defect 3: control characters and oversize ints are refused at the edge with a 422 naming
the field (they used to reach PostgreSQL and answer 500)."""

from __future__ import annotations

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
