"""Defect 2: officers cannot escalate themselves or act on players at or above their rank."""

from __future__ import annotations

from sqlalchemy import func, select

from patt_identity.models import PasswordReset
from sv_common.identity.models import InviteCode, Player


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


async def test_an_officer_cannot_reset_mark_delete_or_revoke_above_their_rank(make_client, guild, log_in, db):
    """A reset link hands its URL to the officer: for the guild leader that was an account takeover."""
    client, _officer_member = await _officer(make_client, guild, log_in)
    leader = await guild.member("Guild Leader", name="Leader Lia")
    peer = await guild.member("Officer", name="Peer Pia")
    for target in (leader, peer):
        reset = await client.post(f"/api/v1/admin/players/{target.player_id}/password-reset")
        assert reset.status_code == 403 and reset.json()["error"]["code"] == "rank_too_high", reset.text
        assert "reset_url" not in reset.text

    unregistered_gl = await guild.player("Unregistered GL", rank="Guild Leader")
    character = await guild.character("Glalt", player_id=unregistered_gl)
    role = await client.put(
        f"/api/v1/admin/players/{unregistered_gl}/characters/{character}/role", json={"role": "main"}
    )
    assert role.status_code == 403, role.text
    delete = await client.delete(f"/api/v1/admin/players/{unregistered_gl}")
    assert delete.status_code == 403, delete.text
    invite_id = await guild_invite_id(db, await guild.invite(unregistered_gl))
    revoke = await client.delete(f"/api/v1/admin/invites/{invite_id}")
    assert revoke.status_code == 403, revoke.text

    async with db.session() as s:
        player = await s.get(Player, unregistered_gl)
        assert player is not None and player.main_character_id is None
        assert await s.get(InviteCode, invite_id) is not None
        assert await s.scalar(select(func.count()).select_from(PasswordReset)) == 0

    # Below their rank the same actions work.
    member = await guild.member("Member", name="Plain Pete")
    assert (await client.post(f"/api/v1/admin/players/{member.player_id}/password-reset")).status_code == 201
    low = await guild.player("Low Lou", rank="Member")
    low_char = await guild.character("Lowchar", player_id=low)
    marked = await client.put(
        f"/api/v1/admin/players/{low}/characters/{low_char}/role", json={"role": "main"}
    )
    assert marked.status_code == 200, marked.text
    assert (await client.delete(f"/api/v1/admin/players/{low}")).status_code == 200


async def guild_invite_id(db, code: str) -> int:
    async with db.session() as s:
        return await s.scalar(select(InviteCode.id).where(InviteCode.code == code))


async def test_no_officer_reads_invite_codes_from_the_list(make_client, guild, log_in):
    """Redeeming a member's open invite would make the officer that member: the list shows
    a masked hint to everyone, and revoking stays within the rank ceiling."""
    client, _officer_member = await _officer(make_client, guild, log_in)
    co_leader = await guild.player("Co Leader", rank="Guild Leader")
    high_code = await guild.invite(co_leader)
    low_code = await guild.invite(await guild.player("Recruit Rob", rank="Initiate"))

    listed = {i["player_name"]: i for i in client.data(await client.get("/api/v1/admin/invites"))}
    assert listed["Co Leader"]["code_hint"] == high_code[:2] + "••••••"
    assert listed["Co Leader"]["revocable"] is False and listed["Recruit Rob"]["revocable"] is True
    page = (await client.get("/admin/invites")).text
    assert high_code not in page and low_code not in page and "Recruit Rob" in page

    leader_client = await make_client()
    await log_in(leader_client, await guild.member("Guild Leader", name="Leader Lia"))
    listed = leader_client.data(await leader_client.get("/api/v1/admin/invites"))
    assert high_code not in str(listed) and low_code not in str(listed)
