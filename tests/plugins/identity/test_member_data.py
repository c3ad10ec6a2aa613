"""A member's own data: export across plugins, and deletion with password re-entry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from patt_host import hookimpl
from sv_common.auth.constants import AUTH_COOKIE
from sv_common.identity.aliases import add_note_alias
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import Player, PlayerCharacter, User

PASSWORD = "correct horse battery"


class NotesPlugin:
    """Another plugin that stores something about players."""

    name = "notesplugin"

    def __init__(self):
        self.deleted = []

    @hookimpl
    def export_member_data(self, player_id):
        return {"favourite_raid": f"raid of player {player_id}"}

    @hookimpl
    def delete_member_data(self, player_id):
        self.deleted.append(player_id)
        return 3


@pytest.fixture
async def member_client(make_client, guild, log_in, db):
    client = await make_client(plugins=["identity", "notesplugin"], extra_plugins=[NotesPlugin])
    member = await guild.member(name="Leaver")
    mage = await guild.character("Leavermage", class_name="Mage", player_id=member.player_id)
    await guild.set_main(member.player_id, mage)
    async with db.session() as s:
        user, _ = await upsert_discord_user(
            s, discord_id="500000000000000001", username="leaver", display_name="Leaver", role_ids=[]
        )
        (await s.get(Player, member.player_id)).discord_user_id = user.id
        await add_note_alias(s, player_id=member.player_id, alias="leavy", source="manual")
    await log_in(client, member)
    form = {
        "csrf_token": client.csrf_token,
        "day_3_available": "on",
        "day_3_start": "19:00",
        "day_3_hours": "2",
    }
    assert (await client.post("/profile/availability", data=form)).status_code == 303
    client.member = member
    client.mage = mage
    return client


async def test_export_collects_every_plugin(member_client):
    client = member_client
    response = await client.get("/api/v1/me/export")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    data = client.data(response)
    assert data["account"]["username"] == client.member.username
    identity = data["plugins"]["identity"]
    assert identity["player"]["display_name"] == "Leaver"
    assert identity["discord"]["username"] == "leaver"
    assert identity["characters"] == [
        {"name": "Leavermage", "realm_slug": "test-realm", "link_source": "manual"}
    ]
    # The form stores the whole week: the other six days say "not available".
    assert len(identity["availability"]) == 7
    assert [d for d in identity["availability"] if d["available"]] == [
        {"day_of_week": 3, "available": True, "earliest_start": "19:00", "available_hours": 2.0}
    ]
    assert identity["note_aliases"] == ["leavy"]
    assert data["plugins"]["notesplugin"] == {"favourite_raid": f"raid of player {client.member.player_id}"}
    client.cookies.clear()
    assert (await client.get("/api/v1/me/export")).status_code == 401


async def test_delete_needs_the_password_then_removes_everything(member_client, db):
    client = member_client
    wrong = await client.post("/api/v1/me/delete", json={"password": "not my password"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_password"
    roster = client.data(await client.get("/api/v1/guild/roster"))
    assert [p["display_name"] for p in roster["players"]] == ["Leaver"]

    response = await client.post("/api/v1/me/delete", json={"password": PASSWORD})
    result = client.data(response)
    assert result["deleted"] is True
    assert result["plugins"]["identity"] == 8  # the week of availability rows and the note alias
    assert result["plugins"]["notesplugin"] == 3
    assert client.host.plugin("notesplugin").obj.deleted == [client.member.player_id]
    assert AUTH_COOKIE not in client.cookies

    async with db.session() as s:
        player = await s.get(Player, client.member.player_id)
        assert player.display_name == f"Former member {player.id}" and player.is_active is False
        assert player.discord_user_id is None and player.main_character_id is None
        assert await s.scalar(select(PlayerCharacter).where(PlayerCharacter.player_id == player.id)) is None
        user = await s.get(User, player.website_user_id)
        assert user.is_active is False and user.email != client.member.username
    assert client.data(await client.get("/api/v1/guild/roster"))["players"] == []
    login = await client.post(
        "/api/v1/auth/login", json={"username": client.member.username, "password": PASSWORD}
    )
    assert login.status_code == 401
    export = await client.get("/api/v1/me/export")
    assert export.status_code == 401


async def test_delete_through_the_profile_form(member_client):
    client = member_client
    wrong = await client.post(
        "/profile/delete", data={"csrf_token": client.csrf_token, "password": "nope nope"}
    )
    assert wrong.status_code == 403 and "Your password is not correct." in wrong.text
    done = await client.post("/profile/delete", data={"csrf_token": client.csrf_token, "password": PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert (await client.get("/profile")).status_code == 303  # logged out
