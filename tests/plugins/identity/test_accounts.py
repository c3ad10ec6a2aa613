"""Accounts through HTTP: invite -> register -> login -> profile, codes, passwords, sessions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from patt_host import hookimpl
from sv_common.auth.constants import AUTH_COOKIE
from sv_common.identity.models import InviteCode, Player

PASSWORD = "correct horse battery"


def form(client, **fields):
    return {"csrf_token": client.csrf_token, **fields}


def section_of(html: str, text: str) -> str | None:
    """The id of the profile ``<section>`` that shows ``text`` (None: outside every section)."""
    at = html.index(text)
    start = html.rfind("<section", 0, at)
    if start < 0 or html.rfind("</section>", 0, at) > start:
        return None
    return re.search(r'id="([^"]+)"', html[start : html.index(">", start)]).group(1)


async def test_invite_register_login_profile_flow(client, guild):
    player_id = await guild.player("Rocket", rank="Member")
    mage = await guild.character("Rocketmage", class_name="Mage", player_id=player_id)
    code = await guild.invite(player_id)

    page = await client.get(f"/register?code={code}")
    assert page.status_code == 200 and code in page.text

    response = await client.post(
        "/register",
        data=form(client, code=code.lower(), username="Rocket", password=PASSWORD, password2=PASSWORD),
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/profile?saved=welcome"
    set_cookie = response.headers["set-cookie"]
    assert f"{AUTH_COOKIE}=" in set_cookie and "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
    assert f"Max-Age={client.host.settings.jwt_expire_minutes * 60}" in set_cookie
    assert "Secure" not in set_cookie  # development: plain http

    profile = await client.get("/profile?saved=welcome")
    assert profile.status_code == 200
    assert "Welcome! Your account is ready" in profile.text and "Rocketmage" in profile.text

    frost = await guild.spec_id("Mage", "Frost")
    response = await client.post(
        "/profile/characters", data=form(client, main_character_id=str(mage), main_spec_id=str(frost))
    )
    assert response.status_code == 303, response.text
    response = await client.post(
        "/profile/info", data=form(client, display_name="Rocket Man", timezone="Europe/Berlin")
    )
    assert response.status_code == 303
    response = await client.post(
        "/profile/availability",
        data=form(
            client,
            day_0_available="on",
            day_0_start="20:30",
            day_0_hours="3.5",
            day_5_available="on",
            day_5_hours="2",
        ),
    )
    assert response.status_code == 303

    me = client.data(await client.get("/api/v1/auth/me"))
    assert me["username"] == "rocket" and me["display_name"] == "Rocket Man"
    assert me["timezone"] == "Europe/Berlin" and me["rank"] == {"name": "Member", "level": 2}
    assert me["characters"] == [
        {
            "id": mage,
            "name": "Rocketmage",
            "realm_slug": "test-realm",
            "removed_at": None,
            "is_main": True,
            "is_offspec": False,
        }
    ]
    page = await client.get("/profile")
    assert 'value="20:30"' in page.text and 'value="3.5"' in page.text

    # Log out, then back in through the form with a next= target.
    assert (await client.post("/logout", data=form(client))).status_code == 303
    assert AUTH_COOKIE not in client.cookies
    assert (await client.get("/profile")).headers["location"] == "/login?next=/profile"
    response = await client.post(
        "/login", data=form(client, username="ROCKET", password=PASSWORD, next="/roster")
    )
    assert response.status_code == 303 and response.headers["location"] == "/roster"
    assert (await client.get("/profile")).status_code == 200


async def test_profile_timezone_is_an_iana_zone_spelled_as_listed(client, guild, log_in, db):
    member = await guild.member()
    await log_in(client, member)
    page = (await client.get("/profile")).text
    # The picker lists every zone with its offset now (searchable by name or offset).
    assert '<option value="Asia/Kolkata">UTC+05:30</option>' in page
    saved = await client.post(
        "/profile/info", data=form(client, display_name="Tz Tester", timezone=" europe/BERLIN ")
    )
    assert saved.status_code == 303
    async with db.session() as s:
        assert (await s.get(Player, member.player_id)).timezone == "Europe/Berlin"
    for bad in ("Berlin", "Europe/Berlin\x00", "../../etc/passwd", "UTC+1"):
        refused = await client.post(
            "/profile/info", data=form(client, display_name="Tz Tester", timezone=bad)
        )
        assert refused.status_code == 422, bad


async def test_profile_refuses_bad_timezone_and_hours(client, guild, log_in):
    member = await guild.member()
    await log_in(client, member)
    bad_tz = await client.post("/profile/info", data=form(client, display_name="X", timezone="Mars/Olympus"))
    assert bad_tz.status_code == 422 and section_of(bad_tz.text, "Choose a timezone") == "profile-info"
    bad_hours = await client.post(
        "/profile/availability", data=form(client, day_2_available="on", day_2_hours="20")
    )
    assert bad_hours.status_code == 422
    assert section_of(bad_hours.text, "Wednesday: hours must be") == "profile-availability"
    no_hours = await client.post("/profile/availability", data=form(client, day_4_available="on"))
    assert no_hours.status_code == 422 and "Friday is ticked as available: say for how many" in no_hours.text


async def test_spec_of_another_class_is_refused(client, guild, log_in):
    member = await guild.member()
    warrior = await guild.character("Stabby", class_name="Warrior", player_id=member.player_id)
    await log_in(client, member)
    holy = await guild.spec_id("Priest", "Holy")
    response = await client.post(
        "/profile/characters", data=form(client, main_character_id=str(warrior), main_spec_id=str(holy))
    )
    assert response.status_code == 422
    assert "That spec does not belong to the character&#39;s class." in response.text
    arms = await guild.spec_id("Warrior", "Arms")
    ok = await client.post(
        "/profile/characters", data=form(client, main_character_id=str(warrior), main_spec_id=str(arms))
    )
    assert ok.status_code == 303


async def test_someone_elses_character_cannot_be_main(client, guild, log_in):
    member = await guild.member()
    other = await guild.player("Other")
    theirs = await guild.character("Notmine", player_id=other)
    await log_in(client, member)
    response = await client.post("/profile/characters", data=form(client, main_character_id=str(theirs)))
    assert response.status_code == 422 and "does not belong to this player" in response.text


async def test_a_picked_id_out_of_range_or_oddly_spelled_is_refused_on_the_page(client, guild, log_in):
    """int() took " 7", "7_0" and ids past PostgreSQL's integer (which then failed in the database)."""
    member = await guild.member()
    mine = await guild.character("Mineall", player_id=member.player_id)
    await log_in(client, member)
    for value in (str(2**31), "9" * 15, f" {mine}", f"{mine}_0", "-1", "\u0663"):
        response = await client.post("/profile/characters", data=form(client, main_character_id=value))
        assert response.status_code == 422, (value, response.text[-300:])
        assert "That choice is not valid." in response.text
    ok = await client.post("/profile/characters", data=form(client, main_character_id=str(mine)))
    assert ok.status_code == 303


def field_tag(html: str, name: str) -> str:
    """The ``<input name=...>`` tag (escaped values hold no ``>``)."""
    return re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html).group(0)


def field_value(html: str, name: str) -> str | None:
    found = re.search(r'\bvalue="([^"]*)"', field_tag(html, name))
    return found.group(1) if found else None


def selected_option(html: str, name: str) -> str | None:
    select_html = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    found = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', select_html)
    return found.group(1) if found else None


async def test_a_refused_profile_form_shows_what_was_typed(client, guild, log_in, db):
    """The refused form's fields hold what the member sent (escaped), the other forms and the
    database what is stored, and passwords are never sent back."""
    member = await guild.member(name="Typer")
    await guild.player("Taken Name")
    warrior = await guild.character("Stabby", class_name="Warrior", player_id=member.player_id)
    holy = await guild.spec_id("Priest", "Holy")
    await log_in(client, member)
    monday = await client.post(
        "/profile/availability", data=form(client, day_0_available="on", day_0_hours="3")
    )
    assert monday.status_code == 303

    # Markup typed into a field comes back as text, never as markup.
    typed = '"><script>alert(1)</script>'
    response = await client.post(
        "/profile/info", data=form(client, display_name=typed, timezone="Mars/Olympus")
    )
    assert response.status_code == 422 and section_of(response.text, "Choose a timezone") == "profile-info"
    assert field_value(response.text, "display_name") == "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<script>alert(1)" not in response.text
    assert field_value(response.text, "timezone") == "Mars/Olympus"
    # The availability form beside it keeps the stored week.
    assert "checked" in field_tag(response.text, "day_0_available")
    assert field_value(response.text, "day_0_hours") == "3.0"

    # A name someone else has: the typed name stays in the field, the stored one in the database.
    response = await client.post(
        "/profile/info", data=form(client, display_name="Taken Name", timezone="Europe/Berlin")
    )
    assert response.status_code == 409 and section_of(response.text, "Taken Name") == "profile-info"
    assert field_value(response.text, "display_name") == "Taken Name"
    assert field_value(response.text, "timezone") == "Europe/Berlin"
    async with db.session() as s:
        player = await s.get(Player, member.player_id)
        assert (player.display_name, player.timezone) != ("Taken Name", "Europe/Berlin")
        assert player.display_name == "Typer"
        stored_zone = player.timezone

    # The week as filled in, including the day that was refused; the info form shows what is stored.
    response = await client.post(
        "/profile/availability",
        data=form(client, day_2_available="on", day_2_start="21:15", day_2_hours="2", day_4_available="on"),
    )
    assert response.status_code == 422 and "Friday is ticked" in response.text
    assert "checked" not in field_tag(response.text, "day_0_available")  # unticked in what was sent
    assert field_value(response.text, "day_0_hours") == ""
    assert "checked" in field_tag(response.text, "day_2_available")
    assert (field_value(response.text, "day_2_start"), field_value(response.text, "day_2_hours")) == (
        "21:15",
        "2",
    )
    assert "checked" in field_tag(response.text, "day_4_available")
    assert field_value(response.text, "display_name") == "Typer"
    assert field_value(response.text, "timezone") == stored_zone
    page = (await client.get("/profile")).text  # nothing of the refused week was stored
    assert "checked" in field_tag(page, "day_0_available") and "checked" not in field_tag(
        page, "day_2_available"
    )

    # The characters form keeps the picked character and spec.
    response = await client.post(
        "/profile/characters", data=form(client, main_character_id=str(warrior), main_spec_id=str(holy))
    )
    assert response.status_code == 422
    assert selected_option(response.text, "main_character_id") == str(warrior)
    assert selected_option(response.text, "main_spec_id") == str(holy)
    async with db.session() as s:
        assert (await s.get(Player, member.player_id)).main_character_id is None

    # Passwords are not echoed back, in either form that takes one.
    response = await client.post(
        "/profile/password",
        data=form(
            client, current_password="wrong horse 1", new_password="abcdefghij", new_password2="abcdefghij"
        ),
    )
    assert response.status_code == 422
    assert section_of(response.text, "Your current password is not correct.") == "profile-password"
    response2 = await client.post("/profile/delete", data=form(client, password="wrong horse 2"))
    assert response2.status_code == 403
    assert section_of(response2.text, "Your password is not correct.") == "profile-data"
    for html in (response.text, response2.text):
        assert "wrong horse" not in html and "abcdefghij" not in html
        for name in ("current_password", "new_password", "new_password2", "password"):
            assert field_value(html, name) is None


async def test_register_api_refuses_bad_codes(client, guild, db):
    async def register(code, username, password=PASSWORD):
        return await client.post(
            "/api/v1/auth/register", json={"code": code, "username": username, "password": password}
        )

    unknown = await register("ZZZZZZZZ", "nobody")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "ok": False,
        "error": {"code": "not_found", "message": "That invite code does not exist."},
    }

    player_id = await guild.player("Used")
    code = await guild.invite(player_id)
    first = await register(code, "firstuser")
    assert first.status_code == 201 and first.json()["data"]["token"]
    client.cookies.clear()
    again = await register(code, "seconduser")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "That invite code has already been used."

    stale_player = await guild.player("Late")
    stale = await guild.invite(stale_player)
    async with db.session() as s:
        await s.execute(
            update(InviteCode)
            .where(InviteCode.code == stale)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    expired = await register(stale, "lateuser")
    assert expired.status_code == 422
    assert expired.json()["error"]["message"] == "That invite code has expired."

    fresh = await guild.invite(await guild.player("Weak"))
    weak = await register(fresh, "weakuser", "short")
    assert weak.status_code == 422 and "at least 8 characters" in weak.json()["error"]["message"]


async def test_register_form_shows_errors(client, guild):
    player_id = await guild.player("Typo")
    code = await guild.invite(player_id)
    mismatch = await client.post(
        "/register",
        data=form(client, code=code, username="typo", password=PASSWORD, password2=PASSWORD + "x"),
    )
    assert mismatch.status_code == 422 and "The two passwords do not match." in mismatch.text
    unknown = await client.post(
        "/register",
        data=form(client, code="ABCDEFGH", username="typo", password=PASSWORD, password2=PASSWORD),
    )
    assert unknown.status_code == 404 and "That invite code does not exist." in unknown.text


async def test_wrong_password_and_unknown_user_fail_alike(client, guild):
    member = await guild.member()
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": member.username, "password": "not it at all"}
    )
    unknown = await client.post("/api/v1/auth/login", json={"username": "ghost", "password": "not it at all"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["error"] == {
            "code": "invalid_credentials",
            "message": "Invalid username or password.",
        }
    assert AUTH_COOKIE not in client.cookies
    page = await client.post("/login", data=form(client, username=member.username, password="nope nope"))
    assert page.status_code == 401 and "Invalid username or password." in page.text


async def test_api_login_returns_a_bearer_token_and_rank_comes_from_the_database(client, guild, db):
    member = await guild.member("Member")
    response = await client.post(
        "/api/v1/auth/login", json={"username": member.username, "password": PASSWORD}
    )
    data = client.data(response)
    assert (
        data["token_type"] == "bearer" and data["expires_in"] == client.host.settings.jwt_expire_minutes * 60
    )
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {data['token']}"}
    me = client.data(await client.get("/api/v1/auth/me", headers=headers))
    assert me["rank"]["name"] == "Member"
    # A promotion applies to the very next request with the same token.
    from sv_common.identity.ranks import set_rank_override

    async with db.session() as s:
        await set_rank_override(s, member.player_id, await guild.rank_id("Officer"))
    me = client.data(await client.get("/api/v1/auth/me", headers=headers))
    assert me["rank"] == {"name": "Officer", "level": 4}


async def test_invalid_tokens_are_anonymous(client):
    for headers in ({"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}):
        response = await client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    client.cookies.set(AUTH_COOKIE, "garbage")
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    # A junk bearer header never falls back to a (valid) cookie: CSRF is skipped for bearer requests.


async def test_junk_bearer_header_does_not_ride_on_the_cookie(client, guild, log_in):
    member = await guild.member()
    await log_in(client, member)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    response = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer junk"})
    assert response.status_code == 401


async def test_logout_revokes_that_token(client, guild, log_in):
    member = await guild.member()
    token = await log_in(client, member)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    response = await client.post("/api/v1/auth/logout")
    assert response.status_code == 200 and client.data(response) == {"logged_out": True}
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_logout_everywhere_revokes_every_token(make_client, guild, log_in):
    member = await guild.member()
    laptop = await make_client()
    phone = await make_client(host=laptop.host)
    laptop_token = await log_in(laptop, member)
    phone_token = await log_in(phone, member)
    response = await phone.post("/api/v1/auth/logout-all")
    assert client_ok(response)
    for token in (laptop_token, phone_token):
        refused = await laptop.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
    assert (await laptop.get("/api/v1/auth/me")).status_code == 401  # its cookie holds a revoked token too


def client_ok(response) -> bool:
    return response.status_code == 200 and response.json()["ok"] is True


async def test_password_change_ends_other_sessions(make_client, guild, log_in):
    member = await guild.member()
    here = await make_client()
    there = await make_client(host=here.host)
    await log_in(here, member)
    other_token = await log_in(there, member)

    wrong = await here.post(
        "/api/v1/auth/password", json={"current_password": "nope nope", "new_password": "x" * 10}
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_password"

    changed = await here.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "a brand new secret"}
    )
    new_token = here.data(changed)["token"]
    assert (await here.get("/api/v1/auth/me")).status_code == 200  # this session got a fresh cookie
    assert (
        await there.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other_token}"})
    ).status_code == 401
    assert (
        await there.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {new_token}"})
    ).status_code == 200
    old = await there.post("/api/v1/auth/login", json={"username": member.username, "password": PASSWORD})
    assert old.status_code == 401


async def test_password_change_form(client, guild, log_in):
    member = await guild.member()
    await log_in(client, member)
    mismatch = await client.post(
        "/profile/password",
        data=form(client, current_password=PASSWORD, new_password="abcdefghij", new_password2="abcdefghik"),
    )
    assert mismatch.status_code == 422 and "do not match" in mismatch.text
    # The refusal is in the password section, beside its button, not at the page's top.
    assert section_of(mismatch.text, "The two new passwords do not match.") == "profile-password"
    # Password managers learn whose password this is (a username field that is not sent).
    assert f'autocomplete="username" value="{member.username}" readonly hidden' in mismatch.text
    done = await client.post(
        "/profile/password",
        data=form(client, current_password=PASSWORD, new_password="abcdefghij", new_password2="abcdefghij"),
    )
    # Back to the password section's button, where the answer is.
    assert (
        done.status_code == 303
        and done.headers["location"] == "/profile?saved=password#profile-password-done"
    )
    page = (await client.get("/profile?saved=password")).text
    assert section_of(page, "Your password is changed") == "profile-password"


async def test_logout_everywhere_form(client, guild, log_in):
    member = await guild.member()
    token = await log_in(client, member)
    response = await client.post("/profile/logout-all", data=form(client))
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401


async def test_logout_page_nav_button_and_menu(client, guild, log_in):
    anonymous = await client.get("/roster")
    assert 'href="/login"' in anonymous.text and 'href="/register"' in anonymous.text
    assert 'action="/logout"' not in anonymous.text and 'href="/profile"' not in anonymous.text
    assert (await client.get("/logout")).headers["location"] == "/"

    await log_in(client, await guild.member())
    page = await client.get("/roster")
    assert 'action="/logout"' in page.text and 'href="/profile"' in page.text
    assert f'name="csrf_token" value="{client.csrf_token}"' in page.text
    assert 'href="/login"' not in page.text
    confirm = await client.get("/logout")
    assert confirm.status_code == 200 and "Log out?" in confirm.text


async def test_account_without_a_player_sees_a_limited_profile(client, db):
    from sv_common.auth.tokens import issue_token
    from sv_common.identity.models import User

    async with db.session() as s:
        user = User(email="loner", password_hash="!", is_active=True, token_version=0)
        s.add(user)
        await s.flush()
        user_id = user.id
    token = issue_token(user_id=user_id, token_version=0, secret=client.host.secret, expires_minutes=5)
    headers = {"Authorization": f"Bearer {token}"}
    page = await client.get("/profile", headers=headers)
    assert page.status_code == 200 and "not linked to a guild member yet" in page.text
    me = client.data(await client.get("/api/v1/auth/me", headers=headers))
    assert me["player_id"] is None and me["rank"] is None and me["characters"] == []
    refused = await client.post(
        "/profile/info", data={"display_name": "X", "timezone": "UTC"}, headers=headers
    )
    assert refused.status_code == 404


class PreferencesPlugin:
    """Another plugin adding its notification preferences to the profile page."""

    name = "prefsplugin"

    @hookimpl
    def template_slot(self, slot, context):
        if slot == "profile_sections":
            return f'<section class="panel" id="prefs">Crafting pings for {context["actor"].display_name}</section>'
        return None


async def test_other_plugins_add_profile_sections(make_client, guild, log_in):
    client = await make_client(plugins=["identity", "prefsplugin"], extra_plugins=[PreferencesPlugin])
    await log_in(client, await guild.member(name="Pinged"))
    page = await client.get("/profile")
    assert '<section class="panel" id="prefs">Crafting pings for Pinged</section>' in page.text
    assert "prefs" not in (await client.get("/roster")).text


async def test_the_register_pages_password_hint_states_the_rules_the_form_enforces(client, guild):
    """Each rule in the hint is one the password policy applies: breaking it is refused with
    that reason, instead of the member learning the rule only from the error."""
    code = await guild.invite(await guild.player("Rocket Man", rank="Member"))
    page = (await client.get(f"/register?code={code}")).text
    hint = page.split('id="register-password-help">')[1].split("</span>")[0]
    assert hint == (
        "8 to 72 characters, at least 4 of them different; not a common password, "
        "and not containing your username or your name in the guild."
    )
    assert 'aria-describedby="register-password-help"' in page
    refused = {
        "Shorty1": "at least 8 characters",
        "x" * 73: "too long",
        "abababababab": "too few different characters",
        "Password123!": "one of the first that attackers try",
        "my-rocketeer-pass": "may not contain your username",  # the username is "rocketeer"
        "zx RocketMan 42": "may not contain your name",  # the player's name in the guild
    }
    for password, reason in refused.items():
        response = await client.post(
            "/register",
            data=form(client, code=code, username="rocketeer", password=password, password2=password),
        )
        assert response.status_code == 422 and reason in response.text, password
    fine = "violet kettle drum"
    response = await client.post(
        "/register", data=form(client, code=code, username="rocketeer", password=fine, password2=fine)
    )
    assert response.status_code == 303


async def test_the_profile_says_what_the_timezone_is_for(client, guild, log_in):
    """Raid availability is kept in the member's zone; event times on the site are shown in the
    viewing device's zone (``time.js-time``), so the help does not claim they follow the setting."""
    await log_in(client, await guild.member())
    page = (await client.get("/profile")).text
    help_text = page.split('id="profile-timezone-help">')[1].split("</span>")[0]
    assert "Your raid availability below is in this timezone" in help_text
    assert "Event times on the site show in this device's timezone" in help_text
    assert "raid times below are in this timezone" not in page
