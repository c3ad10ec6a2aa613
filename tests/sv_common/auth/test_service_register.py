"""Registration with an invite code against the migrated database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sv_common.auth import service
from sv_common.auth.passwords import verify_password
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.models import InviteCode, Player, User


async def _invite(db, player, **kw) -> InviteCode:
    async with db.session() as s:
        return await service.create_invite(s, player_id=player.id, **kw)


async def _register(db, code: str, username: str = "newbie", password: str = "long enough pw") -> User:
    async with db.session() as s:
        return await service.register_with_invite(s, code=code, username=username, password=password)


async def _invite_row(db, invite_id: int) -> InviteCode:
    async with db.session() as s:
        return await s.get(InviteCode, invite_id)


async def test_register_creates_account_links_player_and_uses_code(db, make_player):
    player = await make_player("Mito")
    invite = await _invite(db, player)
    typed_code = f"  {invite.code.lower()} "  # as a user might paste it
    user = await _register(db, typed_code, username="  Mito.Shadow ", password="s3cret-enough")

    async with db.session() as s:
        stored = await s.get(User, user.id)
        linked = await s.get(Player, player.id)
        used = await s.get(InviteCode, invite.id)
    assert stored.email == "mito.shadow"
    assert stored.is_active and stored.token_version == 0
    assert stored.password_hash != "s3cret-enough" and verify_password("s3cret-enough", stored.password_hash)
    assert linked.website_user_id == user.id
    assert used.used_at is not None and abs(used.used_at - datetime.now(UTC)) < timedelta(minutes=1)


async def test_unknown_code(db):
    for code in ("ZZZZZZZZ", "", "x" * 200):
        with pytest.raises(NotFound) as info:
            await _register(db, code)
        assert info.value.message == "That invite code does not exist."


async def test_used_code(db, make_player):
    invite = await _invite(db, await make_player())
    await _register(db, invite.code, username="first")
    with pytest.raises(Conflict) as info:
        await _register(db, invite.code, username="second")
    assert info.value.message == "That invite code has already been used."


async def test_expired_code(db, make_player):
    invite = await _invite(db, await make_player())
    async with db.session() as s:
        (await s.get(InviteCode, invite.id)).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(ValidationFailed) as info:
        await _register(db, invite.code)
    assert info.value.message == "That invite code has expired."
    assert (await _invite_row(db, invite.id)).used_at is None


async def test_code_without_expiry_stays_valid(db, make_player):
    player = await make_player()
    async with db.session() as s:
        s.add(InviteCode(code="NEVR2EXP", player_id=player.id, expires_at=None))
    user = await _register(db, "nevr2exp")
    assert user.id is not None


async def test_code_not_bound_to_a_player(db):
    async with db.session() as s:
        s.add(InviteCode(code="UNBPUND2", player_id=None))
    with pytest.raises(ValidationFailed) as info:
        await _register(db, "UNBPUND2")
    assert "not linked" in info.value.message


async def test_player_who_already_has_an_account(db, make_player):
    player = await make_player()
    first = await _invite(db, player)
    await _register(db, first.code, username="owner")
    with pytest.raises(Conflict) as info:
        await _invite(db, player)
    assert "already has an account" in info.value.message


async def test_a_new_invite_replaces_the_players_open_one(db, make_player):
    player = await make_player()
    first, second = await _invite(db, player), await _invite(db, player)
    with pytest.raises(NotFound):
        await _register(db, first.code, username="stale")
    assert (await _register(db, second.code, username="fresh")).email == "fresh"


async def test_duplicate_username_any_case(db, make_player):
    first = await _invite(db, await make_player("A"))
    second = await _invite(db, await make_player("B"))
    await _register(db, first.code, username="Taken")
    with pytest.raises(Conflict) as info:
        await _register(db, second.code, username="tAKEN")
    assert info.value.message == "That username is already taken."
    assert (await _invite_row(db, second.id)).used_at is None


@pytest.mark.parametrize("username", ["a", "x" * 33, "has space", "bad/char", "émile"])
async def test_username_rules(db, make_player, username):
    invite = await _invite(db, await make_player())
    with pytest.raises(ValidationFailed):
        await _register(db, invite.code, username=username)
    assert (await _invite_row(db, invite.id)).used_at is None


async def test_username_limits_are_inclusive(db, make_player):
    for name in ("ab", "y" * 32):
        invite = await _invite(db, await make_player())
        assert (await _register(db, invite.code, username=name)).email == name


@pytest.mark.parametrize("password", ["short", "€" * 25])
async def test_password_policy_applies(db, make_player, password):
    player = await make_player()
    invite = await _invite(db, player)
    with pytest.raises(ValidationFailed):
        await _register(db, invite.code, password=password)
    async with db.session() as s:
        assert (await s.get(Player, player.id)).website_user_id is None
        assert await s.scalar(select(User).where(User.email == "newbie")) is None


async def test_concurrent_redemptions_of_one_code_create_one_account(db, make_player):
    invite = await _invite(db, await make_player())

    async def attempt(name: str):
        try:
            return await _register(db, invite.code, username=name)
        except Conflict as exc:
            return exc

    outcomes = await asyncio.gather(*(attempt(f"racer{n}") for n in range(4)))
    winners = [o for o in outcomes if isinstance(o, User)]
    assert len(winners) == 1
    assert all(o.message == "That invite code has already been used." for o in outcomes if o not in winners)
    async with db.session() as s:
        names = set(await s.scalars(select(User.email).where(User.email.like("racer%"))))
    assert names == {winners[0].email}
