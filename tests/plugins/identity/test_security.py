"""Rate limits, CSRF and redirects of the account routes."""

from __future__ import annotations

import pytest

PASSWORD = "correct horse battery"


async def test_login_rate_limit_per_ip_is_shared_through_redis(make_client, guild, monkeypatch, redis_url):
    monkeypatch.setenv("PATT_IDENTITY_LOGIN_IP_LIMIT", "3")
    member = await guild.member()
    client = await make_client(redis_url=redis_url)
    assert client.host.redis is not None
    for attempt in range(3):
        response = await client.post(
            "/api/v1/auth/login", json={"username": f"nobody{attempt}", "password": "x"}
        )
        assert response.status_code == 401
    # A second web process on the same Redis sees the same counter.
    other_process = await make_client(redis_url=redis_url)
    limited = await other_process.post(
        "/api/v1/auth/login", json={"username": member.username, "password": PASSWORD}
    )
    assert limited.status_code == 429
    body = limited.json()
    assert body["ok"] is False and body["error"]["code"] == "rate_limited"
    assert body["error"]["message"].startswith("Too many attempts.")
    assert 1 <= int(limited.headers["retry-after"]) <= 300

    page = await client.post(
        "/login", data={"csrf_token": client.csrf_token, "username": member.username, "password": PASSWORD}
    )
    assert page.status_code == 429 and "Too many attempts" in page.text and "<form" in page.text
    assert int(page.headers["retry-after"]) >= 1


async def test_login_rate_limit_per_username(make_client, guild, monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_LOGIN_USERNAME_LIMIT", "2")
    member = await guild.member()
    client = await make_client()
    for _ in range(2):
        wrong = await client.post(
            "/api/v1/auth/login", json={"username": member.username, "password": "wrong pw"}
        )
        assert wrong.status_code == 401
    # The right password no longer helps: that account is being guessed.
    blocked = await client.post(
        "/api/v1/auth/login", json={"username": member.username.upper(), "password": PASSWORD}
    )
    assert blocked.status_code == 429 and "retry-after" in blocked.headers
    # Another account from the same address is unaffected.
    other = await guild.member()
    assert (
        await client.post("/api/v1/auth/login", json={"username": other.username, "password": PASSWORD})
    ).status_code == 200


async def test_registration_and_invite_redemption_are_rate_limited(make_client, guild, monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_REGISTER_IP_LIMIT", "2")
    client = await make_client()
    for guess in ("AAAAAAAA", "BBBBBBBB"):
        response = await client.post(
            "/api/v1/auth/register", json={"code": guess, "username": "guesser", "password": PASSWORD}
        )
        assert response.status_code == 404
    code = await guild.invite(await guild.player("Real"))
    limited = await client.post(
        "/api/v1/auth/register", json={"code": code, "username": "real", "password": PASSWORD}
    )
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    page = await client.post(
        "/register",
        data={
            "csrf_token": client.csrf_token,
            "code": code,
            "username": "real",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert page.status_code == 429 and "Too many attempts" in page.text


async def test_csrf_is_required_on_cookie_authenticated_posts_and_the_login_form(client, guild, log_in):
    member = await guild.member()
    client.send_csrf = False
    form = await client.post("/login", data={"username": member.username, "password": PASSWORD})
    assert form.status_code == 403 and "CSRF" in form.text

    client.send_csrf = True
    await log_in(client, member)
    client.send_csrf = False
    for path in ("/api/v1/auth/logout-all", "/api/v1/auth/logout"):
        refused = await client.post(path)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    refused = await client.post("/profile/info", data={"display_name": "Hacked", "timezone": "UTC"})
    assert refused.status_code == 403
    client.send_csrf = True
    assert (await client.get("/api/v1/auth/me")).status_code == 200  # still logged in: nothing happened
    assert client.data(await client.get("/api/v1/auth/me"))["display_name"] != "Hacked"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil.example",
    ],
)
async def test_next_redirects_stay_on_site(client, guild, target):
    member = await guild.member()
    response = await client.post(
        "/login",
        data={
            "csrf_token": client.csrf_token,
            "username": member.username,
            "password": PASSWORD,
            "next": target,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    # Logged in now: GET /login?next= redirects at once, through the same check.
    again = await client.get("/login", params={"next": target})
    assert again.status_code == 303 and again.headers["location"] == "/"


async def test_next_redirect_keeps_same_site_paths(client, guild):
    member = await guild.member()
    response = await client.post(
        "/login",
        data={
            "csrf_token": client.csrf_token,
            "username": member.username,
            "password": PASSWORD,
            "next": "/admin/players?x=1",
        },
    )
    assert response.headers["location"] == "/admin/players?x=1"


async def test_session_cookie_is_secure_in_production(make_client, guild):
    member = await guild.member()
    client = await make_client(app_env="production")
    response = await client.post(
        "/api/v1/auth/login", json={"username": member.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Secure" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]
