"""Password reset: officer-issued links and "forgot password" by Discord DM; single use,
expiring, one live link per account, rate-limited — over HTTP on real rows."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from patt_host.testing import PattClient
from patt_identity.auth.services.login import login_guesser_key
from patt_identity.models import PasswordReset
from sv_common.discord.config import update_discord_config
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import InviteCode, Player
from sv_common.notify.models import NotificationOutbox

NEW_PASSWORD = "a brand new passphrase"


def token_of(url: str) -> str:
    return re.search(r"/reset-password\?token=([\w-]+)$", url).group(1)


async def set_password(client, token: str, password: str = NEW_PASSWORD, again: str | None = None):
    await client.get("/login")
    form = {
        "csrf_token": client.csrf_token,
        "token": token,
        "password": password,
        "password2": again or password,
    }
    return await client.post("/reset-password", data=form)


async def officer_link(client, player_id: int):
    return await client.post(f"/api/v1/admin/players/{player_id}/password-reset")


async def test_officer_link_sets_a_new_password_once(make_client, guild, log_in):
    officer_client = await make_client()
    await log_in(officer_client, await guild.member("Officer"))
    member = await guild.member("Member", name="Forgetful")
    member_client = await make_client()
    await log_in(member_client, member)

    response = await officer_link(officer_client, member.player_id)
    assert response.status_code == 201
    issued = officer_client.data(response)
    assert issued["dm_sent"] is False and "not configured" in issued["reason"]  # honest: no bot here
    token = token_of(issued["reset_url"])

    anonymous = await make_client()
    assert (await anonymous.get(f"/reset-password?token={token}")).status_code == 200
    done = await set_password(anonymous, token)
    assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"
    assert "Your password is set." in (await anonymous.get("/login?reset=1")).text

    # The new password works, the old one does not, the member's old session is over.
    login = await anonymous.post(
        "/api/v1/auth/login", json={"username": member.username, "password": NEW_PASSWORD}
    )
    assert login.status_code == 200
    old = await anonymous.post(
        "/api/v1/auth/login", json={"username": member.username, "password": member.password}
    )
    assert old.status_code == 401
    assert (await member_client.get("/api/v1/auth/me")).status_code == 401

    # Single use.
    again = await set_password(anonymous, token, "yet another passphrase")
    assert again.status_code == 422 and "not valid any more" in again.text
    assert (await anonymous.get(f"/reset-password?token={token}")).status_code == 410


async def test_a_new_link_voids_the_old_one_and_links_expire(make_client, guild, log_in, db):
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    member = await guild.member("Member")
    first = token_of(client.data(await officer_link(client, member.player_id))["reset_url"])
    second = token_of(client.data(await officer_link(client, member.player_id))["reset_url"])
    anonymous = await make_client()
    assert (await set_password(anonymous, first)).status_code == 422
    async with db.session() as s:
        await s.execute(update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    expired = await set_password(anonymous, second)
    assert expired.status_code == 422 and "expired" in expired.text


async def test_bad_requests_are_refused_without_a_500(make_client, guild, log_in):
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    nobody = await guild.player("Unregistered")
    refused = await officer_link(client, nobody)
    assert refused.status_code == 409 and "send an invite instead" in refused.json()["error"]["message"]
    assert (await officer_link(client, 2**31)).status_code == 422
    assert (await officer_link(client, 999_999)).status_code == 404
    anonymous = await make_client()
    for token in ("", "x" * 100, "\x00bad"):
        assert (await set_password(anonymous, token)).status_code == 422
    mismatch = await set_password(anonymous, "whatever", "one password", "another one")
    assert mismatch.status_code == 422 and "do not match" in mismatch.text


async def test_only_officers_issue_links(client, guild, log_in):
    target = await guild.member("Member")
    await log_in(client, await guild.member("Member"))
    assert (await officer_link(client, target.player_id)).status_code == 403


async def test_reset_attempts_are_rate_limited_per_client(make_client, monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_RESET_IP_LIMIT", "3")
    client = await make_client()
    answers = [(await set_password(client, f"guess{i}")).status_code for i in range(5)]
    assert answers[:3] == [422, 422, 422] and answers[3:] == [429, 429]


async def test_forgot_password_without_the_bot_points_to_an_officer(client):
    direct = await client.get("/reset-password")
    assert (
        direct.status_code == 200
        and "Open the reset link" in direct.text
        and 'name="password"' not in direct.text
    )
    page = await client.get("/forgot-password")
    assert "Ask an officer" in page.text and 'name="username"' not in page.text
    assert 'href="/forgot-password"' in (await client.get("/login")).text
    await client.get("/forgot-password")
    refused = await client.post("/forgot-password", data={"csrf_token": client.csrf_token, "username": "x"})
    assert refused.status_code == 422


async def link_discord(db, player_id: int, discord_id: str) -> None:
    async with db.session() as s:
        discord, _ = await upsert_discord_user(
            s, discord_id=discord_id, username=f"d{discord_id[-6:]}", display_name="D", role_ids=()
        )
        await s.execute(update(Player).where(Player.id == player_id).values(discord_user_id=discord.id))


async def dm_switches(db, *, password_reset: bool, invite: bool) -> None:
    async with db.session() as s:
        await update_discord_config(
            s, bot_dm_enabled=True, feature_password_reset_dm=password_reset, feature_invite_dm=invite
        )


async def test_reset_links_have_their_own_dm_switch(make_client, guild, log_in, db):
    """Invites and reset links are different messages: switching one off leaves the other."""
    client = await make_client(discord_bot_token="fake-token-for-tests")
    await log_in(client, await guild.member("Officer"))
    member = await guild.member("Member", name="Resettable")
    await link_discord(db, member.player_id, "423456789012345678")
    newcomer = await guild.player("Invitee")
    await link_discord(db, newcomer, "523456789012345678")

    await dm_switches(db, password_reset=False, invite=True)
    refused = client.data(await officer_link(client, member.player_id))
    assert refused["dm_sent"] is False and "password_reset" in refused["reason"]
    assert client.data(await client.post(f"/api/v1/admin/players/{newcomer}/invite"))["dm_sent"] is True

    await dm_switches(db, password_reset=True, invite=False)
    assert client.data(await officer_link(client, member.player_id))["dm_sent"] is True
    invite = client.data(await client.post(f"/api/v1/admin/players/{newcomer}/invite"))
    assert invite["dm_sent"] is False and "'invite'" in invite["reason"]


async def test_forgot_password_sends_a_link_by_discord_dm(make_client, guild, db):
    client = await make_client(discord_bot_token="fake-token-for-tests")
    member = await guild.member("Member", name="Dmable")
    await link_discord(db, member.player_id, "323456789012345678")
    await dm_switches(db, password_reset=True, invite=False)

    async def ask(username: str):
        await client.get("/forgot-password")
        return await client.post(
            "/forgot-password", data={"csrf_token": client.csrf_token, "username": username}
        )

    known, unknown = await ask(member.username.upper()), await ask("nobody-like-this")
    # Same answer either way: the form does not reveal which accounts exist.
    for answer in (known, unknown):
        assert answer.status_code == 200 and "a reset link is on its way" in answer.text
    async with db.session() as s:
        rows = list(
            await s.scalars(select(NotificationOutbox).where(NotificationOutbox.dedupe_key.like("reset:%")))
        )
    assert len(rows) == 1 and rows[0].player_id == member.player_id
    token = token_of(
        re.search(r"(http\S+/reset-password\?token=[\w-]+)", rows[0].payload["content"]).group(1)
    )
    assert (await set_password(await make_client(), token)).status_code == 303
    # Asking again and again for one username is limited.
    statuses = [(await ask(member.username)).status_code for _ in range(4)]
    assert 429 in statuses


async def latest_dm_link(db) -> str:
    """The reset token in the newest reset DM waiting in the outbox (what the member receives)."""
    async with db.session() as s:
        content = await s.scalar(
            select(NotificationOutbox.payload["content"].astext)
            .where(NotificationOutbox.dedupe_key.like("reset:%"))
            .order_by(NotificationOutbox.id.desc())
            .limit(1)
        )
    return token_of(re.search(r"(http\S+/reset-password\?token=[\w-]+)", content).group(1))


async def test_forgot_password_by_a_stranger_voids_no_link(make_client, guild, log_in, db):
    """Anyone who knows a username can ask for a link: that must not cancel the officer's
    link or an earlier "forgot password" link; using any one voids the others."""
    officer = await make_client(discord_bot_token="fake-token-for-tests")
    await log_in(officer, await guild.member("Officer"))
    member = await guild.member("Member", name="Locked Out Lee")
    await link_discord(db, member.player_id, "623456789012345678")
    await dm_switches(db, password_reset=True, invite=False)
    answer = officer.data(await officer_link(officer, member.player_id))
    assert answer["dm_sent"] is True and "reset_url" not in answer  # DMed: the officer never sees it
    officers = await latest_dm_link(db)

    stranger = await make_client(discord_bot_token="fake-token-for-tests")

    async def forgot() -> str:
        await stranger.get("/forgot-password")
        answer = await stranger.post(
            "/forgot-password", data={"csrf_token": stranger.csrf_token, "username": member.username}
        )
        assert answer.status_code == 200 and "a reset link is on its way" in answer.text
        return await latest_dm_link(db)

    first_self, second_self = await forgot(), await forgot()
    member_device = await make_client()
    for token in (officers, first_self, second_self):  # every link the member holds still works
        assert (await member_device.get(f"/reset-password?token={token}")).status_code == 200
    assert (await set_password(member_device, first_self)).status_code == 303
    # The password changed: the remaining links are void.
    for token in (officers, second_self):
        assert (await member_device.get(f"/reset-password?token={token}")).status_code == 410
    assert (await set_password(member_device, second_self, "someone elses passphrase")).status_code == 422
    async with db.session() as s:
        live = await s.scalar(
            select(func.count()).select_from(PasswordReset).where(PasswordReset.used_at.is_(None))
        )
    assert live == 0


async def test_forgot_password_cannot_be_jammed_from_another_address(make_client, guild, db):
    """3 requests an hour per username from any address locked the member out of asking;
    now the count is per username and address, and live links are capped, not voided."""
    member = await guild.member("Member", name="Jammed Jo")
    await link_discord(db, member.player_id, "723456789012345678")
    await dm_switches(db, password_reset=True, invite=False)

    async def forgot(client) -> int:
        await client.get("/forgot-password")
        data = {"csrf_token": client.csrf_token, "username": member.username}
        return (await client.post("/forgot-password", data=data)).status_code

    attacker = await make_client(discord_bot_token="fake-token-for-tests")
    attacker_statuses = [await forgot(attacker) for _ in range(5)]
    assert attacker_statuses[:3] == [200, 200, 200] and 429 in attacker_statuses
    async with PattClient(attacker.app, client_address="203.0.113.7") as member_client:
        assert await forgot(member_client) == 200  # the member's own address is not used up
    async with db.session() as s:
        links = list(await s.scalars(select(PasswordReset).where(PasswordReset.kind == "self")))
        dms = await s.scalar(
            select(func.count())
            .select_from(NotificationOutbox)
            .where(NotificationOutbox.dedupe_key.like("reset:%"))
        )
    # The attacker's requests made links only for the member's own Discord DMs, none voided,
    # at most three live (no DM flood).
    assert len(links) == 3 and all(link.used_at is None for link in links) and dms == 3


async def test_pages_with_a_secret_in_the_url_send_no_referer_and_are_not_cached(make_client, guild, log_in):
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    member = await guild.member("Member")
    token = token_of(client.data(await officer_link(client, member.player_id))["reset_url"])
    anonymous = await make_client()
    pages = [
        await anonymous.get(f"/reset-password?token={token}"),
        await set_password(anonymous, token, "one passphrase", "another passphrase"),
        await anonymous.get(f"/register?code={await guild.invite(await guild.player('Newbie'))}"),
    ]
    for page in pages:
        assert page.headers["referrer-policy"] == "no-referrer", page.url
        assert page.headers["cache-control"] == "no-store", page.url


async def test_parallel_links_leave_one_live_link(make_client, guild, log_in, db, monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_RESET_IP_LIMIT", "100")
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    member = await guild.member("Member")
    responses = await asyncio.gather(*(officer_link(client, member.player_id) for _ in range(20)))
    assert {r.status_code for r in responses} == {201}
    async with db.session() as s:
        live = await s.scalar(
            select(func.count()).select_from(PasswordReset).where(PasswordReset.used_at.is_(None))
        )
    assert live == 1


async def test_using_a_link_while_new_ones_are_issued_never_fails_or_leaves_two(
    make_client, guild, log_in, db, monkeypatch
):
    monkeypatch.setenv("PATT_IDENTITY_RESET_IP_LIMIT", "100")
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    member = await guild.member("Member")
    token = token_of(client.data(await officer_link(client, member.player_id))["reset_url"])
    anonymous = await make_client()
    await anonymous.get("/login")
    form = {
        "csrf_token": anonymous.csrf_token,
        "token": token,
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    answers = await asyncio.gather(
        *(officer_link(client, member.player_id) for _ in range(5)),
        *(anonymous.post("/reset-password", data=form) for _ in range(5)),
    )
    assert [r.status_code for r in answers[:5]] == [201] * 5
    used = sorted(r.status_code for r in answers[5:])
    assert used in ([303] + [422] * 4, [422] * 5)
    async with db.session() as s:
        live = await s.scalar(
            select(func.count()).select_from(PasswordReset).where(PasswordReset.used_at.is_(None))
        )
    # Never two; none when the link was used after the last new one (using a link voids the rest).
    assert live == 1 if used == [422] * 5 else live in (0, 1)


async def test_officers_never_read_a_reset_link_or_invite_code_in_the_outbox(make_client, guild, log_in, db):
    """The guild leader's own "forgot password" DM sits in the outbox every officer can list."""
    await dm_switches(db, password_reset=True, invite=True)
    leader = await guild.member("Guild Leader", name="Leader Lia")
    await link_discord(db, leader.player_id, "723456789012345678")
    invitee = await guild.player("Invitee Ivy", rank="Initiate")
    await link_discord(db, invitee, "823456789012345678")
    site = await make_client(discord_bot_token="fake-token-for-tests")
    await site.get("/forgot-password")
    await site.post("/forgot-password", data={"csrf_token": site.csrf_token, "username": leader.username})
    officer = await make_client(discord_bot_token="fake-token-for-tests")
    await log_in(officer, await guild.member("Officer"))
    invite = officer.data(await officer.post(f"/api/v1/admin/players/{invitee}/invite"))
    assert invite["dm_sent"] is True and "code" not in invite

    async with db.session() as s:
        code = (await s.get(InviteCode, invite["id"])).code
        [reset_dm] = await s.scalars(
            select(NotificationOutbox).where(NotificationOutbox.feature == "password_reset")
        )
        token = token_of(
            re.search(r"(http\S+/reset-password\?token=[\w-]+)", reset_dm.payload["content"]).group(1)
        )
    listed = officer.data(await officer.get("/api/v1/notifications"))
    page = (await officer.get("/admin/notifications")).text
    assert len(listed) == 2
    for shown in (str(listed), page):
        assert token not in shown and code not in shown
    assert any("hidden" in item["summary"] for item in listed)


async def test_a_reset_lifts_the_login_delay_the_forgetful_member_earned(make_client, guild, log_in):
    """Whoever forgot their password has usually failed to log in a few times from their own
    address: the new password must work at once there."""
    officer = await make_client()
    await log_in(officer, await guild.member("Officer"))
    member = await guild.member("Member", name="Forgetful Fay")
    token = token_of(officer.data(await officer_link(officer, member.player_id))["reset_url"])
    own_device = await make_client()
    runtime = own_device.host.plugin_state("identity")
    for _ in range(12):  # failures from this address: the wait is now minutes long
        await runtime.login_backoff.failed(login_guesser_key(member.username, "127.0.0.1"))
    login = {"username": member.username, "password": member.password}
    assert (await own_device.post("/api/v1/auth/login", json=login)).status_code == 429

    assert (await set_password(own_device, token)).status_code == 303
    login["password"] = NEW_PASSWORD
    assert (await own_device.post("/api/v1/auth/login", json=login)).status_code == 200


async def test_no_link_for_a_closed_account(make_client, guild, log_in, db):
    officer = await make_client()
    await log_in(officer, await guild.member("Officer"))
    leaver = await guild.member("Member", name="Leaving Lou")
    own = await make_client()
    await log_in(own, leaver)
    assert (await own.post("/api/v1/me/delete", json={"password": leaver.password})).status_code == 200
    refused = await officer_link(officer, leaver.player_id)
    assert refused.status_code == 409 and "closed" in refused.json()["error"]["message"], refused.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PasswordReset)) == 0


async def test_forgot_password_answers_before_looking_the_account_up(make_client, guild, db):
    """The answer leaves before any account-dependent work, so its timing cannot tell a real
    username from a made-up one (the DM is queued right after)."""
    app = (await make_client(discord_bot_token="fake-token-for-tests")).app
    member = await guild.member("Member", name="Timed Tim")
    await link_discord(db, member.player_id, "923456789012345678")
    await dm_switches(db, password_reset=True, invite=False)
    at_answer = []

    async def outbox_rows() -> int:
        async with db.session() as s:
            return await s.scalar(select(func.count()).select_from(NotificationOutbox))

    async def spy(scope, receive, send):
        async def watched(message):
            final_body = message["type"] == "http.response.body" and not message.get("more_body")
            if final_body and scope["method"] == "POST":
                at_answer.append(await outbox_rows())
            await send(message)

        await app(scope, receive, watched)

    spy.state = app.state
    async with PattClient(spy) as client:
        await client.get("/forgot-password")
        answer = await client.post(
            "/forgot-password", data={"csrf_token": client.csrf_token, "username": member.username}
        )
    assert answer.status_code == 200 and "a reset link is on its way" in answer.text
    assert at_answer == [0] and await outbox_rows() == 1


@pytest.mark.parametrize("weak", ["{username}2024!", "my {display} pass", "xx{squeezed}xx"])
async def test_a_reset_link_applies_the_name_checks_of_registration(make_client, guild, log_in, db, weak):
    # The reset form skipped the username check that registration and a password change make.
    officer = await make_client()
    await log_in(officer, await guild.member("Officer"))
    member = await guild.member("Member", name="Stormy Weather")
    token = token_of(officer.data(await officer_link(officer, member.player_id))["reset_url"])
    password = weak.format(username=member.username, display="Stormy Weather", squeezed="stormyweather")
    refused = await set_password(await make_client(), token, password)
    assert refused.status_code == 422 and "may not contain your" in refused.text
    async with db.session() as s:
        row = await s.scalar(select(PasswordReset).order_by(PasswordReset.id.desc()).limit(1))
    assert row.used_at is None  # the link still works for a good password
    assert row.delivered_via == "shown" and row.created_by_player_id is not None
