"""Invite codes in the database: create, list, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sv_common.auth import service
from sv_common.auth.invites import INVITE_ALPHABET
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.models import InviteCode, Player, User


async def test_create_invite_binds_code_to_player_with_expiry(db, make_player):
    player = await make_player("Invitee")
    officer = await make_player("Officer")
    async with db.session() as s:
        invite = await service.create_invite(
            s, player_id=player.id, created_by_player_id=officer.id, expires_in=timedelta(hours=2)
        )
    async with db.session() as s:
        stored = await s.scalar(select(InviteCode).where(InviteCode.id == invite.id))
    assert len(stored.code) == 8 and set(stored.code) <= set(INVITE_ALPHABET)
    assert (stored.player_id, stored.created_by_player_id, stored.generated_by) == (
        player.id,
        officer.id,
        "manual",
    )
    assert stored.used_at is None
    remaining = stored.expires_at - datetime.now(UTC)
    assert timedelta(hours=1, minutes=59) < remaining <= timedelta(hours=2)


async def test_default_expiry_is_72_hours_and_generated_by_is_kept(db, make_player):
    player = await make_player()
    async with db.session() as s:
        invite = await service.create_invite(s, player_id=player.id, generated_by="auto_onboarding")
    assert invite.generated_by == "auto_onboarding"
    assert timedelta(hours=71, minutes=59) < invite.expires_at - datetime.now(UTC) <= timedelta(hours=72)


async def test_create_invite_refuses_bad_targets(db, make_player):
    async with db.session() as s:
        with pytest.raises(NotFound):
            await service.create_invite(s, player_id=987654321)
    player = await make_player()
    async with db.session() as s:
        with pytest.raises(NotFound):
            await service.create_invite(s, player_id=player.id, created_by_player_id=987654321)
        with pytest.raises(ValidationFailed):
            await service.create_invite(s, player_id=player.id, expires_in=timedelta(0))
    async with db.session() as s:
        user = User(email="already", password_hash="x")
        s.add(user)
        await s.flush()
        (await s.get(Player, player.id)).website_user_id = user.id
    async with db.session() as s:
        with pytest.raises(Conflict):
            await service.create_invite(s, player_id=player.id)


async def test_list_and_revoke_invites(db, make_player):
    first, second = await make_player("One"), await make_player("Two")
    async with db.session() as s:
        unused = await service.create_invite(s, player_id=first.id)
        used = await service.create_invite(s, player_id=second.id)
        used.used_at = datetime.now(UTC)
    async with db.session() as s:
        every = {i.id for i in await service.list_invites(s)}
        open_only = {i.id for i in await service.list_invites(s, include_used=False)}
    assert {unused.id, used.id} <= every
    assert unused.id in open_only and used.id not in open_only

    async with db.session() as s:
        await service.revoke_invite(s, unused.id)
    async with db.session() as s:
        assert await s.get(InviteCode, unused.id) is None
        with pytest.raises(Conflict):
            await service.revoke_invite(s, used.id)
        with pytest.raises(NotFound):
            await service.revoke_invite(s, unused.id)
