"""Defect 4: simultaneous requests end in one consistent state, never a 500 or a duplicate."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from sv_common.identity.models import InviteCode, Player


async def test_simultaneous_availability_saves_all_succeed(client, guild, log_in):
    member = await guild.member()
    await log_in(client, member)

    async def save(hours: str):
        form = {"csrf_token": client.csrf_token, "day_1_available": "on", "day_1_hours": hours}
        return await client.post("/profile/availability", data=form)

    responses = await asyncio.gather(*(save(str(h)) for h in range(1, 11)))
    assert [r.status_code for r in responses] == [303] * 10
    profile = await client.get("/profile")
    assert profile.status_code == 200


async def test_fifty_parallel_invites_leave_one_live_code(make_client, guild, log_in, db):
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    player = await guild.player("Newcomer")
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/admin/players/{player}/invite") for _ in range(50))
    )
    assert {r.status_code for r in responses} <= {201, 409}, {r.status_code for r in responses}
    async with db.session() as s:
        live = list(
            await s.scalars(
                select(InviteCode.code).where(InviteCode.player_id == player, InviteCode.used_at.is_(None))
            )
        )
    assert len(live) == 1
    # The one live code is the one the last successful request handed out... and it works.
    register = await client.post(
        "/api/v1/auth/register",
        json={"code": live[0], "username": "newcomer", "password": "correct horse battery"},
    )
    assert register.status_code == 201, register.text


async def test_a_new_invite_replaces_the_previous_one(make_client, guild, log_in):
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    player = await guild.player("Twice Invited")
    first = client.data(await client.post(f"/api/v1/admin/players/{player}/invite"))["code"]
    second = client.data(await client.post(f"/api/v1/admin/players/{player}/invite"))["code"]
    assert first != second
    stale = await client.post(
        "/api/v1/auth/register",
        json={"code": first, "username": "twice", "password": "correct horse battery"},
    )
    assert stale.status_code == 404


async def test_fifty_parallel_creates_of_one_name_make_one_player(make_client, guild, log_in, db):
    client = await make_client()
    await log_in(client, await guild.member("Officer"))
    responses = await asyncio.gather(
        *(client.post("/api/v1/admin/players", json={"display_name": "Same Name"}) for _ in range(50))
    )
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1 and statuses.count(409) == 49, statuses
    async with db.session() as s:
        count = await s.scalar(
            select(func.count()).select_from(Player).where(func.lower(Player.display_name) == "same name")
        )
    assert count == 1
