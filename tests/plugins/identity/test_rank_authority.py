"""Defect 2: officers cannot escalate themselves or act on players at or above their rank."""

from __future__ import annotations


async def _officer(make_client, guild, log_in):
    await guild.player("The Guild Leader", rank="Guild Leader")
    officer = await guild.member("Officer", name="Officer Olaf")
    client = await make_client()
    await log_in(client, officer)
    return client, officer


async def test_an_officer_cannot_raise_themselves_or_touch_the_guild_leader(make_client, guild, log_in):
    client, officer = await _officer(make_client, guild, log_in)
    leader = await guild.member("Guild Leader", name="Leader Lia")
    gl_rank = await guild.rank_id("Guild Leader")

    own = await client.patch(f"/api/v1/admin/players/{officer.player_id}", json={"rank_override_id": gl_rank})
    assert own.status_code == 403 and own.json()["error"]["code"] == "rank_too_high"
    demote = await client.patch(
        f"/api/v1/admin/players/{leader.player_id}", json={"rank_override_id": await guild.rank_id("Member")}
    )
    assert demote.status_code == 403
    deactivate = await client.patch(f"/api/v1/admin/players/{leader.player_id}", json={"is_active": False})
    assert deactivate.status_code == 403
    invite = await client.post(
        f"/api/v1/admin/players/{await guild.player('Unregistered GL', rank='Guild Leader')}/invite"
    )
    assert invite.status_code == 403

    me = client.data(await client.get("/api/v1/auth/me"))
    assert me["rank"]["name"] == "Officer"
    players = {p["id"]: p for p in client.data(await client.get("/api/v1/admin/players"))["players"]}
    assert players[leader.player_id]["rank"]["name"] == "Guild Leader"
    assert players[leader.player_id]["is_active"] is True


async def test_an_officer_grants_up_to_their_own_rank_only(make_client, guild, log_in):
    client, _officer_member = await _officer(make_client, guild, log_in)
    member = await guild.player("Plain Member", rank="Member")
    too_high = await client.patch(
        f"/api/v1/admin/players/{member}", json={"rank_override_id": await guild.rank_id("Guild Leader")}
    )
    assert too_high.status_code == 403
    veteran = await client.patch(
        f"/api/v1/admin/players/{member}", json={"rank_override_id": await guild.rank_id("Veteran")}
    )
    assert veteran.status_code == 200, veteran.text
    players = {p["id"]: p for p in client.data(await client.get("/api/v1/admin/players"))["players"]}
    assert players[member]["rank"]["name"] == "Veteran"


async def test_rank_edits_stop_below_the_officers_own_rank(make_client, guild, log_in):
    client, _officer_member = await _officer(make_client, guild, log_in)
    officer_rank = await guild.rank_id("Officer")
    raise_own = await client.patch(f"/api/v1/admin/ranks/{officer_rank}", json={"level": 99})
    assert raise_own.status_code == 403
    leader_rank = await guild.rank_id("Guild Leader")
    rename_gl = await client.patch(f"/api/v1/admin/ranks/{leader_rank}", json={"name": "Former Leader"})
    assert rename_gl.status_code == 403
    # Remapping a lower rank to the leader's Discord role would let role sync grant it.
    new_rank = await client.post("/api/v1/admin/ranks", json={"name": "Overlord", "level": 50})
    assert new_rank.status_code == 403
    ranks = {r["name"]: r for r in client.data(await client.get("/api/v1/admin/ranks"))}
    assert ranks["Officer"]["level"] == 4 and "Guild Leader" in ranks and "Overlord" not in ranks
    # Below their own rank an officer still manages ranks.
    fine = await client.patch(f"/api/v1/admin/ranks/{await guild.rank_id('Veteran')}", json={"name": "Elder"})
    assert fine.status_code == 200, fine.text


async def test_a_character_link_cannot_give_a_player_a_rank_above_the_officer(make_client, guild, log_in):
    client, _officer_member = await _officer(make_client, guild, log_in)
    member = await guild.player("Link Target")
    # A character holding the in-game Guild Master rank (index 0) would make its owner Guild Leader.
    character = await guild.character("Gmchar", wow_rank_index=0)
    response = await client.put(f"/api/v1/admin/characters/{character}/player", json={"player_id": member})
    assert response.status_code == 403, response.text
    players = {p["id"]: p for p in client.data(await client.get("/api/v1/admin/players"))["players"]}
    assert players[member]["rank"] is None or players[member]["rank"]["name"] != "Guild Leader"


async def test_the_guild_leader_may_do_all_of_it(make_client, guild, log_in):
    leader = await guild.member("Guild Leader", name="Leader Lia")
    client = await make_client()
    await log_in(client, leader)
    officer = await guild.player("Some Officer", rank="Officer")
    response = await client.patch(
        f"/api/v1/admin/players/{officer}", json={"rank_override_id": await guild.rank_id("Guild Leader")}
    )
    assert response.status_code == 200, response.text
