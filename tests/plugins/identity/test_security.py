"""Rate limits, CSRF and redirects of the account routes."""

from __future__ import annotations

import pytest

from patt_host.testing.client import PattClient
from patt_host.testing.waiting import eventually

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


async def test_wrong_passwords_from_elsewhere_never_lock_the_real_user_out(make_client, guild):
    """Defect 1: ten wrong passwords used to lock the account for everyone for 15 minutes."""
    member = await guild.member()
    client = await make_client()
    attacker = PattClient(client.app, client_address="203.0.113.7")
    statuses = []
    for _ in range(12):
        response = await attacker.post(
            "/api/v1/auth/login", json={"username": member.username, "password": "wrong pw"}
        )
        statuses.append(response.status_code)
    # The attacker is slowed down: after three free failures it must wait before guessing again.
    assert statuses[:3] == [401, 401, 401] and 429 in statuses[3:]
    assert set(statuses) <= {401, 429}
    # The real user, from their own address and with the right password, gets in at once.
    real = PattClient(client.app, client_address="198.51.100.2")
    response = await real.post(
        "/api/v1/auth/login", json={"username": member.username.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    await attacker.aclose()
    await real.aclose()


async def test_login_delay_grows_with_each_failure_per_username_and_address(make_client, guild, monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_LOGIN_BACKOFF_FREE", "0")
    # Polling below must meet only the per-(username, IP) delay, not the per-IP limit (20 per
    # 5 minutes), which a fast machine's polling would otherwise exhaust within the 1 s delay.
    monkeypatch.setenv("PATT_IDENTITY_LOGIN_IP_LIMIT", "1000")
    member = await guild.member()
    client = await make_client()
    wrong = {"username": member.username, "password": "wrong pw"}
    assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401
    first = await client.post("/api/v1/auth/login", json=wrong)
    assert first.status_code == 429 and first.json()["error"]["code"] == "rate_limited"
    assert first.headers["retry-after"] == "1"
    # The right password does not skip the wait either: this address is the one guessing.
    right = {"username": member.username, "password": PASSWORD}
    assert (await client.post("/api/v1/auth/login", json=right)).status_code == 429
    # Another account from the same address is unaffected.
    other = await guild.member()
    assert (
        await client.post("/api/v1/auth/login", json={"username": other.username, "password": PASSWORD})
    ).status_code == 200
    # Once the delay has passed, a second failure doubles it.
    second = await eventually(lambda: _not_limited(client, wrong), timeout=5)
    assert second.status_code == 401
    doubled = await client.post("/api/v1/auth/login", json=wrong)
    assert doubled.status_code == 429 and doubled.headers["retry-after"] == "2"


async def _not_limited(client, body):
    response = await client.post("/api/v1/auth/login", json=body)
    return response if response.status_code != 429 else None


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


async def test_an_api_key_header_does_not_exempt_a_cookie_request_from_csrf(client, guild, log_in):
    """Defect 6: any X-API-Key header used to skip the CSRF check while the cookie authenticated."""
    member = await guild.member()
    await log_in(client, member)
    client.send_csrf = False
    forged = await client.post("/api/v1/auth/logout-all", headers={"X-API-Key": "anything"})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
    client.send_csrf = True
    me = await client.get("/api/v1/auth/me")
    assert me.status_code == 200  # the session survived the forged request


async def test_member_data_responses_are_not_cached(client, guild, log_in):
    officer = await guild.member("Officer")
    login = await client.post(
        "/api/v1/auth/login", json={"username": officer.username, "password": officer.password}
    )
    assert login.headers["cache-control"] == "no-store"  # it carries the token
    paths = ("/api/v1/auth/me", "/profile", "/api/v1/me/export", "/api/v1/admin/players", "/admin/players")
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["cache-control"] == "no-store", path


async def test_a_csrf_pair_planted_before_login_is_worthless_after_it(client, guild):
    """Defect 6: the CSRF token was not tied to the session, so a pre-planted anonymous pair
    was accepted once an officer logged in."""
    officer = await guild.member("Officer")
    planted = client.csrf_token  # what an attacker could have set in the victim's browser
    login = await client.post("/api/v1/auth/login", json={"username": officer.username, "password": PASSWORD})
    assert login.status_code == 200
    assert client.csrf_token != planted  # rotated by the login response
    client.send_csrf = False
    client.cookies.delete("patt_csrf")
    client.cookies.set("patt_csrf", planted)
    forged = await client.post("/api/v1/auth/logout-all", headers={"X-CSRF-Token": planted})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
    assert (await client.get("/api/v1/auth/me")).status_code == 200


async def test_the_rotated_csrf_token_works_and_production_uses_a_host_prefixed_cookie(make_client, guild):
    member = await guild.member()
    client = await make_client()
    await client.post("/api/v1/auth/login", json={"username": member.username, "password": PASSWORD})
    assert (await client.post("/api/v1/auth/logout-all")).status_code == 200  # the new token is accepted

    production = await make_client(app_env="production")
    login = await production.post(
        "/api/v1/auth/login", json={"username": member.username, "password": PASSWORD}
    )
    cookies = login.headers.get_list("set-cookie")
    csrf = next(c for c in cookies if c.startswith("__Host-patt_csrf="))
    assert "Secure" in csrf and "Path=/" in csrf and "Domain" not in csrf
