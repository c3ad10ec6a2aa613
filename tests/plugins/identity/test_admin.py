"""Officers' Player Manager, invites and reference tables, through HTTP as an officer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from patt_host import hookimpl
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import DiscordConfig, InviteCode, Player
from sv_common.notify.models import NotificationOutbox

PASSWORD = "correct horse battery"


class EventRecorder:
    """A test plugin that records the domain events it receives."""

    name = "recorder"

    def __init__(self):
        self.events = []

    @hookimpl
    def handle_event(self, event):
        self.events.append(event)


@pytest.fixture
async def officer_client(make_client, guild, log_in):
    client = await make_client(plugins=["identity", "recorder"], extra_plugins=[EventRecorder])
    officer = await guild.member("Officer", name="Boss")
    await log_in(client, officer)
    client.officer = officer
    client.events = client.host.plugin("recorder").obj.events
    return client


async def discord_user(db, discord_id: str, username: str, role_ids=()) -> int:
    async with db.session() as s:
        user, _ = await upsert_discord_user(
            s, discord_id=discord_id, username=username, display_name=username.title(), role_ids=role_ids
        )
        return user.id


async def test_player_manager_create_rename_link_and_deactivate(officer_client, guild, db):
    client = officer_client
    created = await client.post("/api/v1/admin/players", json={"display_name": "Newbie"})
    assert created.status_code == 201
    player_id = client.data(created)["id"]

    renamed = await client.patch(f"/api/v1/admin/players/{player_id}", json={"display_name": "Newcomer"})
    assert client.data(renamed)["display_name"] == "Newcomer"

    character = await guild.character("Newcomerdk", class_name="Death Knight", spec="Blood")
    linked = await client.put(f"/api/v1/admin/characters/{character}/player", json={"player_id": player_id})
    assert client.data(linked) == {"character_id": character, "player_id": player_id}
    assert any(
        e.name == "player.linked" and e.data == {"player_id": player_id, "character_id": character}
        for e in client.events
    )

    discord_id = await discord_user(db, "123456789012345678", "newcomer")
    assert (
        await client.put(f"/api/v1/admin/players/{player_id}/discord", json={"discord_user_id": discord_id})
    ).status_code == 200
    other = client.data(await client.post("/api/v1/admin/players", json={"display_name": "Thief"}))["id"]
    clash = await client.put(f"/api/v1/admin/players/{other}/discord", json={"discord_user_id": discord_id})
    assert clash.status_code == 409 and "already linked to Newcomer" in clash.json()["error"]["message"]

    data = client.data(await client.get("/api/v1/admin/players"))
    row = next(p for p in data["players"] if p["id"] == player_id)
    assert (
        row["display_name"] == "Newcomer"
        and row["discord_username"] == "newcomer"
        and row["registered"] is False
    )
    char_row = next(c for c in data["characters"] if c["id"] == character)
    assert char_row["player_id"] == player_id and char_row["link_source"] == "manual"
    assert next(d for d in data["discord_users"] if d["id"] == discord_id)["player_id"] == player_id

    unlinked = await client.put(f"/api/v1/admin/characters/{character}/player", json={"player_id": None})
    assert client.data(unlinked)["player_id"] is None
    deactivated = await client.patch(f"/api/v1/admin/players/{player_id}", json={"is_active": False})
    assert client.data(deactivated)["is_active"] is False
    missing = await client.patch("/api/v1/admin/players/999999", json={"display_name": "Ghost"})
    assert missing.status_code == 404
    bad = await client.patch(f"/api/v1/admin/players/{player_id}", json={"display_name": ""})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_failed"


async def test_rank_override_emits_rank_changed(officer_client, guild):
    client = officer_client
    player_id = await guild.player("Promotee")
    veteran = await guild.rank_id("Veteran")
    response = await client.patch(f"/api/v1/admin/players/{player_id}", json={"rank_override_id": veteran})
    assert response.status_code == 200
    changes = [e.data for e in client.events if e.name == "player.rank_changed"]
    assert changes == [
        {"player_id": player_id, "old_rank_id": None, "new_rank_id": veteran, "source": "admin_override"}
    ]
    cleared = await client.patch(f"/api/v1/admin/players/{player_id}", json={"rank_override_id": None})
    assert cleared.status_code == 200
    data = client.data(await client.get("/api/v1/admin/players"))
    assert next(p for p in data["players"] if p["id"] == player_id)["rank"] is None


async def test_send_invite_without_a_bot_shows_the_code_once(officer_client, guild, db):
    client = officer_client
    player_id = await guild.player("Invitee")
    response = await client.post(f"/api/v1/admin/players/{player_id}/invite")
    assert response.status_code == 201
    invite = client.data(response)
    assert len(invite["code"]) == 8 and invite["dm_sent"] is False and invite["delivery"] == "shown"
    assert "DISCORD_BOT_TOKEN" in invite["reason"]
    assert invite["register_url"].endswith(f"/register?code={invite['code']}")
    assert invite["masked"] == invite["code"][:2] + "•" * 6
    listed = client.data(await client.get("/api/v1/admin/invites"))
    # Shown once: the list never carries the code again, only a masked hint.
    assert "code" not in listed[0] and invite["code"] not in str(listed)
    assert listed[0]["code_hint"] == invite["masked"] and listed[0]["status"] == "open"
    assert listed[0]["player_name"] == "Invitee" and listed[0]["created_by"] == "Boss"
    assert listed[0]["delivered_via"] == "shown" and listed[0]["used_by"] is None
    page = (await client.get("/admin/invites")).text
    assert invite["code"] not in page and "shown to the officer" in page

    revoked = await client.delete(f"/api/v1/admin/invites/{invite['id']}")
    assert client.data(revoked)["revoked"] is True
    client.cookies.clear()
    redeem = await client.post(
        "/api/v1/auth/register", json={"code": invite["code"], "username": "invitee", "password": PASSWORD}
    )
    assert redeem.status_code == 404


async def test_a_second_invite_says_it_replaced_the_first(officer_client, guild, db):
    """A second "Invite" deleted the first code without a word: the answer says so now."""
    client = officer_client
    player_id = await guild.player("Twice")
    first = client.data(await client.post(f"/api/v1/admin/players/{player_id}/invite"))
    assert first["replaced"] is False
    second = client.data(await client.post(f"/api/v1/admin/players/{player_id}/invite"))
    assert second["replaced"] is True
    # The list holds the new code only; the old one no longer registers anyone.
    listed = [
        i for i in client.data(await client.get("/api/v1/admin/invites")) if i["player_id"] == player_id
    ]
    assert [i["id"] for i in listed] == [second["id"]]
    assert "replaces the player's earlier unused code" in (await client.get("/admin/invites")).text
    # An earlier code that had expired already was no live code: nothing to warn about.
    async with db.session() as s:
        await s.execute(
            update(InviteCode)
            .where(InviteCode.id == second["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(hours=1))
        )
    third = client.data(await client.post(f"/api/v1/admin/players/{player_id}/invite"))
    assert third["replaced"] is False
    client.cookies.clear()
    redeem = await client.post(
        "/api/v1/auth/register", json={"code": first["code"], "username": "twice", "password": PASSWORD}
    )
    assert redeem.status_code == 404


async def test_send_invite_queues_a_dm_when_discord_allows(make_client, guild, db, log_in):
    client = await make_client(discord_bot_token="fake-token-for-tests")
    officer = await guild.member("Officer")
    await log_in(client, officer)
    player_id = await guild.player("Dmme")
    discord_id = await discord_user(db, "223456789012345678", "dmme")
    async with db.session() as s:
        await s.execute(update(Player).where(Player.id == player_id).values(discord_user_id=discord_id))

    off = client.data(await client.post(f"/api/v1/admin/players/{player_id}/invite"))
    assert off["dm_sent"] is False and "switched off" in off["reason"]

    async with db.session() as s:
        config = await s.scalar(select(DiscordConfig))
        config.bot_dm_enabled = True
        config.feature_invite_dm = True
    response = await client.post(f"/api/v1/admin/players/{player_id}/invite")
    on = client.data(response)
    assert on["dm_sent"] is True and on["reason"] is None and on["delivery"] == "dm"
    async with db.session() as s:
        queued = await s.scalar(select(NotificationOutbox).where(NotificationOutbox.status == "pending"))
        invite = await s.get(InviteCode, on["id"])
    # The member gets the code; the officer who asked for it does not (it would let them
    # register as that member).
    assert queued.player_id == player_id and invite.code in str(queued.payload)
    assert invite.code not in response.text and "register_url" not in on and "code" not in on
    assert invite.delivered_via == "dm" and invite.created_by_player_id == officer.player_id
    listed = client.data(await client.get("/api/v1/admin/invites"))
    assert listed[0]["delivered_via"] == "dm" and invite.code not in str(listed)


async def test_wow_rank_mapping_edit_recomputes_ranks(officer_client, guild, db):
    client = officer_client
    player_id = await guild.player("Climber")
    await guild.character("Climberpal", class_name="Paladin", player_id=player_id, wow_rank_index=2)
    async with db.session() as s:
        from sv_common.identity.ranks import recompute_player_rank

        await recompute_player_rank(s, player_id)
    ranks = {r["name"]: r for r in client.data(await client.get("/api/v1/admin/ranks"))}
    assert ranks["Veteran"]["wow_rank_index"] == 2

    clash = await client.patch(f"/api/v1/admin/ranks/{ranks['Member']['id']}", json={"wow_rank_index": 2})
    assert clash.status_code == 409 and "Clear it there first" in clash.json()["error"]["message"]

    cleared = client.data(
        await client.patch(f"/api/v1/admin/ranks/{ranks['Veteran']['id']}", json={"wow_rank_index": None})
    )
    assert cleared["wow_rank_index"] is None and cleared["players_changed"] == 1
    moved = client.data(
        await client.patch(f"/api/v1/admin/ranks/{ranks['Member']['id']}", json={"wow_rank_index": 2})
    )
    assert moved["wow_rank_index"] == 2 and moved["players_changed"] == 1
    data = client.data(await client.get("/api/v1/admin/players"))
    climber = next(p for p in data["players"] if p["id"] == player_id)
    assert climber["rank"]["name"] == "Member" and climber["rank_source"] == "wow_character"
    assert [e.data["new_rank_id"] for e in client.events if e.name == "player.rank_changed"][-2:] == [
        None,
        ranks["Member"]["id"],
    ]


async def test_discord_role_mapping_edit_recomputes_ranks(officer_client, guild, db):
    client = officer_client
    player_id = await guild.player("Roley")
    discord_id = await discord_user(db, "323456789012345678", "roley", role_ids=["777000777000777000"])
    await client.put(f"/api/v1/admin/players/{player_id}/discord", json={"discord_user_id": discord_id})
    veteran = await guild.rank_id("Veteran")
    result = client.data(
        await client.patch(f"/api/v1/admin/ranks/{veteran}", json={"discord_role_id": "777000777000777000"})
    )
    assert result["discord_role_id"] == "777000777000777000" and result["players_changed"] == 1
    bad = await client.patch(f"/api/v1/admin/ranks/{veteran}", json={"discord_role_id": "not-a-snowflake"})
    assert bad.status_code == 422


async def test_rank_create_and_delete(make_client, guild, log_in):
    # Ranks above every officer's own (level 6 here) are the guild leader's to create.
    client = await make_client()
    await log_in(client, await guild.member("Guild Leader"))
    await guild.player("An Officer", rank="Officer")
    created = await client.post(
        "/api/v1/admin/ranks", json={"name": "Raider", "level": 6, "scheduling_weight": 2}
    )
    assert created.status_code == 201
    rank = client.data(created)
    duplicate = await client.post("/api/v1/admin/ranks", json={"name": "Raider", "level": 7})
    assert duplicate.status_code == 409
    assert client.data(await client.delete(f"/api/v1/admin/ranks/{rank['id']}"))["deleted"] is True
    officer_rank = await guild.rank_id("Officer")
    in_use = await client.delete(f"/api/v1/admin/ranks/{officer_rank}")
    assert in_use.status_code == 409 and "in use" in in_use.json()["error"]["message"]


async def test_roles_and_classes(officer_client):
    client = officer_client
    roles = client.data(await client.get("/api/v1/admin/roles"))
    tank = next(r for r in roles if r["name"] == "Tank")
    assert (
        client.data(await client.patch(f"/api/v1/admin/roles/{tank['id']}", json={"name": "Tanks"}))["name"]
        == "Tanks"
    )
    reference = client.data(await client.get("/api/v1/admin/classes"))
    assert len(reference["classes"]) == 13
    devourer = next(s for s in reference["specializations"] if s["name"] == "Devourer")
    assert devourer["class_name"] == "Demon Hunter"


async def test_blank_or_invisible_names_are_422_naming_the_field(make_client, guild, log_in):
    """A rank or role name of spaces only was saved (a role's as ""), one of zero-width characters
    displayed as nothing; a player's name was refused, but without naming the field."""
    client = await make_client()
    await log_in(client, await guild.member("Guild Leader"))
    player = await guild.player("Named")
    veteran = await guild.rank_id("Veteran")
    roles = client.data(await client.get("/api/v1/admin/roles"))
    for blank in ("   ", "\u200b", "\u2060\ufeff", " \u00ad ", "\u180e"):
        for method, url, body, field in (
            ("POST", "/api/v1/admin/ranks", {"name": blank, "level": 6}, "name"),
            ("PATCH", f"/api/v1/admin/ranks/{veteran}", {"name": blank}, "name"),
            ("PATCH", f"/api/v1/admin/roles/{roles[0]['id']}", {"name": blank}, "name"),
            ("POST", "/api/v1/admin/players", {"display_name": blank}, "display_name"),
            ("PATCH", f"/api/v1/admin/players/{player}", {"display_name": blank}, "display_name"),
        ):
            response = await client.request(method, url, json=body)
            assert response.status_code == 422, (method, url, repr(blank), response.text)
            assert [d["field"] for d in response.json()["error"]["details"]] == [field]
    assert [r["name"] for r in client.data(await client.get("/api/v1/admin/roles"))] == [
        r["name"] for r in roles
    ]
    # One visible character is enough.
    created = await client.post("/api/v1/admin/ranks", json={"name": "Raider 🛡\ufe0f", "level": 6})
    assert created.status_code == 201, created.text


async def test_admin_pages_render_for_officers(officer_client, guild):
    client = officer_client
    player_id = await guild.player("Pagey")
    await guild.character("Pageychar", player_id=player_id)
    await client.post(f"/api/v1/admin/players/{player_id}/invite")
    expectations = {
        "/admin/players": ["Player Manager", "Pagey"],
        f"/admin/players/{player_id}": ["Pagey", "Pageychar", "Invite"],
        "/admin/players?filter=unlinked": ["Unlinked characters", "Every character belongs to a player."],
        "/admin/matching/aliases": ["Guild-note aliases", "No aliases yet."],
        "/admin/ranks": ["Guild Leader", "Devourer", "Scheduling weight"],
        "/admin/invites": ["Pagey", "open"],
        "/admin/matching": ["Pending suggestions", "Run matching now"],
    }
    for path, needles in expectations.items():
        page = await client.get(path)
        assert page.status_code == 200, path
        for needle in needles:
            assert needle in page.text, (path, needle)
    dashboard = await client.get("/admin")
    for link in ("/admin/players", "/admin/ranks", "/admin/invites", "/admin/matching"):
        assert f'href="{link}"' in dashboard.text


async def test_rank_cannot_map_to_a_role_the_bot_can_never_assign(make_client, guild, log_in, fake_discord):
    import discord

    from patt_host.testing.discord import FAKE_TOKEN, GUILD_ID, RANK_ROLE_IDS
    from sv_common.testing.fake_discord import connected

    booster, high = 810000000000000077, 810000000000000078
    fake_discord.add_role(GUILD_ID, booster, "Server Booster", position=2, managed=True)
    fake_discord.add_role(GUILD_ID, high, "Guild Master", position=12)
    client = await make_client(discord_guild_id=GUILD_ID)
    await log_in(client, await guild.member("Officer"))
    veteran = await guild.rank_id("Veteran")
    url = f"/api/v1/admin/ranks/{veteran}"

    everyone = await client.patch(url, json={"discord_role_id": str(GUILD_ID)})  # known without a bot
    assert everyone.status_code == 409 and "@everyone" in everyone.json()["error"]["message"]
    async with connected(discord.Client(intents=discord.Intents.default()), FAKE_TOKEN) as bot:
        client.host.bot = bot
        try:
            managed = await client.patch(url, json={"discord_role_id": str(booster)})
            fine = await client.patch(url, json={"discord_role_id": str(RANK_ROLE_IDS[2])})
            # Above the bot's role: fixable in Discord, so saved, and the page says what to do.
            above = await client.patch(
                f"/api/v1/admin/ranks/{await guild.rank_id('Officer')}", json={"discord_role_id": str(high)}
            )
            page = (await client.get("/admin/ranks")).text
        finally:
            client.host.bot = None
    assert managed.status_code == 409 and "Managed by an integration" in managed.json()["error"]["message"]
    assert fine.status_code == 200 and above.status_code == 200
    assert "@Rank 2: the bot can assign it" in page
    assert "Bot cannot assign @Guild Master: Not below the bot&#39;s highest role" in page
