"""``seed_demo_data`` (what ``patt demo`` runs): a whole demo guild, idempotent, with an officer login."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from sv_common.identity.models import DiscordUser, Player, PlayerCharacter, User, WowCharacter


async def seed(host) -> str:
    async with host.db.session() as session:
        return (await host.hooks.seed_demo_data(session))["identity"]


async def counts(db) -> dict[str, int]:
    async with db.session() as s:
        return {
            model.__name__: await s.scalar(select(func.count()).select_from(model))
            for model in (Player, WowCharacter, PlayerCharacter, DiscordUser, User)
        }


def credentials(summary: str) -> tuple[str, str]:
    match = re.search(r"officer login: (\S+) / (\S+)$", summary)
    assert match, summary
    return match.group(1), match.group(2)


async def test_demo_seed_is_idempotent_and_prints_a_working_officer_login(client, db):
    host = client.host
    first = await seed(host)
    assert first.startswith("40 players")
    after_first = await counts(db)
    assert after_first["Player"] == 40 and after_first["User"] == 1
    assert after_first["WowCharacter"] >= 60 and after_first["DiscordUser"] >= 25
    username, password = credentials(first)

    login = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    me = client.data(
        await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {client.data(login)['token']}"}
        )
    )
    assert me["rank"]["name"] == "Officer"
    assert (await client.get("/admin/players")).status_code == 200

    roster = client.data(await client.get("/api/v1/guild/roster"))
    assert len(roster["players"]) == 40
    assert len(roster["composition"]["classes"]) == 13 and len(roster["composition"]["roles"]) == 4

    second = await seed(host)
    assert "already present" in second
    assert await counts(db) == after_first
    _same_user, new_password = credentials(second)
    assert new_password != password
    client.cookies.clear()
    old = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert old.status_code == 401
    new = await client.post("/api/v1/auth/login", json={"username": username, "password": new_password})
    assert new.status_code == 200


async def _officer_pages_open(client, username: str, password: str) -> bool:
    client.cookies.clear()
    login = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    me = client.data(await client.get("/api/v1/auth/me"))
    return (
        me["rank"] is not None
        and me["rank"]["name"] == "Officer"
        and ((await client.get("/admin/players")).status_code == 200)
    )


async def test_the_printed_login_works_after_the_demo_officer_deleted_their_own_data(client, db):
    host = client.host
    username, password = credentials(await seed(host))
    assert await _officer_pages_open(client, username, password)
    deleted = await client.post("/api/v1/me/delete", json={"password": password})
    assert deleted.status_code == 200, deleted.text

    again = await seed(host)
    assert "already present (40 players)" in again  # the officer was recreated, not a 41st player
    username, password = credentials(again)
    assert await _officer_pages_open(client, username, password)
    async with db.session() as s:
        with_login = select(Player).where(Player.website_user_id.is_not(None), Player.is_active.is_(True))
        officers = (await s.scalars(with_login)).all()
    assert len(officers) == 1 and officers[0].is_active and officers[0].main_character_id is not None
