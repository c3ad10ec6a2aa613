"""Password login, token checks, revocation, password change and actors (real database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true

from sv_common.auth import service
from sv_common.auth.passwords import hash_password, set_test_rounds, verify_password
from sv_common.auth.tokens import TokenClaims, decode_token
from sv_common.errors import Forbidden, Unauthorized, ValidationFailed
from sv_common.identity.models import Player, User

SECRET = "session-test-secret-long-enough-0123456789"
PASSWORD = "original-password"


@pytest.fixture
async def member(db, make_player, make_rank):
    """A registered member whose player holds a test rank."""
    rank = await make_rank()
    player = await make_player("Shadowvaca", rank=rank)
    async with db.session() as s:
        invite = await service.create_invite(s, player_id=player.id)
    async with db.session() as s:
        user = await service.register_with_invite(
            s, code=invite.code, username="ShadowVaca", password=PASSWORD
        )
    return user, player, rank


async def _login(db, username: str, password: str) -> User:
    async with db.session() as s:
        return await service.authenticate_password(s, username=username, password=password)


async def _user_for(db, token: str) -> User:
    async with db.session() as s:
        return await service.user_for_claims(s, decode_token(token, secret=SECRET))


def _token(user: User) -> str:
    return service.token_for_user(user, secret=SECRET, expires_minutes=60)


async def test_login_is_case_insensitive_and_records_last_login(db, member):
    user, _, _ = member
    logged_in = await _login(db, "  SHADOWVACA ", PASSWORD)
    assert logged_in.id == user.id
    async with db.session() as s:
        stored = await s.get(User, user.id)
    assert abs(stored.last_login_at - datetime.now(UTC)) < timedelta(minutes=1)


async def test_wrong_password_and_unknown_user_fail_alike(db, member):
    with pytest.raises(Unauthorized) as wrong:
        await _login(db, "shadowvaca", "not-the-password")
    with pytest.raises(Unauthorized) as unknown:
        await _login(db, "nobody-here", PASSWORD)
    assert wrong.value.message == unknown.value.message == "Invalid username or password."
    assert wrong.value.code == unknown.value.code
    async with db.session() as s:
        assert (await s.get(User, member[0].id)).last_login_at is None


async def test_disabled_account(db, member):
    user, _, _ = member
    async with db.session() as s:
        (await s.get(User, user.id)).is_active = False
    with pytest.raises(Forbidden) as info:
        await _login(db, "shadowvaca", PASSWORD)
    assert info.value.message == "This account is disabled."
    # Without the right password a disabled account looks like any failed login.
    with pytest.raises(Unauthorized):
        await _login(db, "shadowvaca", "wrong-password")


async def test_weak_legacy_hash_is_upgraded_at_login(db, make_player):
    async with db.session() as s:
        user = User(email="legacy", password_hash=hash_password(PASSWORD, rounds=4))
        s.add(user)
    # The harness hashes at cost 4; raise the current cost by one to see the upgrade happen.
    set_test_rounds(5)
    try:
        await _login(db, "legacy", PASSWORD)
    finally:
        set_test_rounds(4)
    async with db.session() as s:
        upgraded = (await s.get(User, user.id)).password_hash
    assert upgraded.startswith("$2b$05$") and verify_password(PASSWORD, upgraded)


async def test_token_round_trip_to_user(db, member):
    user, _, _ = member
    assert (await _user_for(db, _token(user))).id == user.id


async def test_token_refused_for_missing_or_disabled_user(db, member):
    user, _, _ = member
    ghost = TokenClaims(
        user_id=987654321, token_version=0, issued_at=datetime.now(UTC), expires_at=datetime.now(UTC)
    )
    async with db.session() as s:
        with pytest.raises(Unauthorized):
            await service.user_for_claims(s, ghost)
    token = _token(user)
    async with db.session() as s:
        (await s.get(User, user.id)).is_active = False
    with pytest.raises(Unauthorized):
        await _user_for(db, token)


async def test_revoke_all_tokens_ends_old_sessions(db, member):
    user, _, _ = member
    old_token = _token(user)
    async with db.session() as s:
        fresh = await s.get(User, user.id)
        await service.revoke_all_tokens(s, user=fresh)
        assert fresh.token_version == 1
    with pytest.raises(Unauthorized) as info:
        await _user_for(db, old_token)
    assert info.value.code == "token_revoked"
    assert (await _user_for(db, _token(fresh))).id == user.id


async def test_revocations_from_stale_objects_both_count(db, member):
    user, _, _ = member  # loaded before either revocation: both must still bump the version
    async with db.session() as s:
        await service.revoke_all_tokens(s, user=user)
    async with db.session() as s:
        await service.revoke_all_tokens(s, user=user)
    async with db.session() as s:
        assert (await s.get(User, user.id)).token_version == 2


async def test_change_password_revokes_tokens_and_swaps_password(db, member):
    user, _, _ = member
    old_token = _token(user)
    async with db.session() as s:
        current = await s.get(User, user.id)
        await service.change_password(s, user=current, current=PASSWORD, new="brand-new-password")
    with pytest.raises(Unauthorized):
        await _user_for(db, old_token)
    with pytest.raises(Unauthorized):
        await _login(db, "shadowvaca", PASSWORD)
    relogged = await _login(db, "shadowvaca", "brand-new-password")
    assert (await _user_for(db, _token(relogged))).id == user.id


async def test_change_password_checks_current_and_policy(db, member):
    user, _, _ = member
    token = _token(user)
    async with db.session() as s:
        current = await s.get(User, user.id)
        with pytest.raises(ValidationFailed) as wrong:
            await service.change_password(s, user=current, current="guess-guess", new="brand-new-password")
        with pytest.raises(ValidationFailed) as weak:
            await service.change_password(s, user=current, current=PASSWORD, new="short")
    assert wrong.value.message == "Your current password is not correct."
    assert "at least 8" in weak.value.message
    await _login(db, "shadowvaca", PASSWORD)  # unchanged
    assert (await _user_for(db, token)).id == user.id  # and no session was ended


async def test_actor_takes_rank_and_name_from_the_player(db, member):
    user, player, rank = member
    async with db.session() as s:
        actor = await service.actor_for_user(s, user, auth_method="bearer")
    assert (actor.user_id, actor.player_id, actor.display_name) == (user.id, player.id, "Shadowvaca")
    assert (actor.rank_level, actor.rank_name, actor.auth_method) == (rank.level, rank.name, "bearer")
    assert actor.has_rank(rank.level) and not actor.has_rank(rank.level + 1)


async def test_actor_sees_rank_changes_immediately(db, member, make_rank):
    user, player, _ = member
    promoted = await make_rank()
    token = _token(user)
    async with db.session() as s:
        (await s.get(Player, player.id)).guild_rank_id = promoted.id
    async with db.session() as s:
        actor = await service.actor_for_token(s, token, secret=SECRET, auth_method="cookie")
    assert (actor.rank_level, actor.rank_name) == (promoted.level, promoted.name)


async def test_actor_without_rank_player_or_active_player_has_level_zero(db, member, make_player):
    user, player, _ = member
    async with db.session() as s:
        (await s.get(Player, player.id)).is_active = False
    async with db.session() as s:
        inactive = await service.actor_for_user(s, user, auth_method="cookie")
    assert (inactive.player_id, inactive.rank_level, inactive.rank_name) == (player.id, 0, None)

    unranked = await make_player("No Rank")
    async with db.session() as s:
        lone = User(email="lone-user", password_hash="x")
        s.add(lone)
        await s.flush()
        (await s.get(Player, unranked.id)).website_user_id = lone.id
        no_rank = await service.actor_for_user(s, lone, auth_method="cookie")
        playerless = User(email="no-player", password_hash="x")
        s.add(playerless)
        await s.flush()
        no_player = await service.actor_for_user(s, playerless, auth_method="cookie")
    assert (no_rank.player_id, no_rank.rank_level) == (unranked.id, 0)
    assert (no_player.player_id, no_player.rank_level, no_player.display_name) == (None, 0, "no-player")


async def _one_query_actor(db, user: User, **kwargs):
    claims = decode_token(_token(user), secret=SECRET)
    async with db.read() as conn:
        return await service.actor_for_claims(conn, claims, auth_method="bearer", **kwargs)


async def test_one_query_actor_matches_the_two_step_actor(db, member, make_player):
    """actor_for_claims (the per-request path) answers exactly as user_for_claims + actor_for_user."""
    user, player, _ = member
    unranked = await make_player("No Rank")
    async with db.session() as s:
        lone = User(email="lone-user", password_hash="x")
        playerless = User(email="no-player", password_hash="x")
        s.add_all([lone, playerless])
        await s.flush()
        (await s.get(Player, unranked.id)).website_user_id = lone.id

    async def both(u: User):
        async with db.session() as s:
            expected = await service.actor_for_user(s, await s.get(User, u.id), auth_method="bearer")
        return expected, await _one_query_actor(db, u)

    for u in (user, lone, playerless):
        expected, actual = await both(u)
        assert actual == expected
    async with db.session() as s:
        (await s.get(Player, player.id)).is_active = False
    expected, actual = await both(user)
    assert actual == expected and (actual.rank_level, actual.rank_name) == (0, None)


async def test_one_query_actor_refuses_what_the_token_checks_refuse(db, member):
    user, _, _ = member
    async with db.session() as s:
        live = await s.get(User, user.id)
    stale = _token(live)
    assert await _one_query_actor(db, live, refused_if=sa_false()) is not None
    assert await _one_query_actor(db, live, refused_if=sa_true()) is None  # e.g. a revoked token
    async with db.session() as s:
        await service.revoke_all_tokens(s, user=await s.get(User, user.id))
    async with db.read() as conn:
        assert (
            await service.actor_for_claims(conn, decode_token(stale, secret=SECRET), auth_method="cookie")
            is None
        )
    async with db.session() as s:
        (await s.get(User, user.id)).is_active = False
    async with db.session() as s:
        current = await s.get(User, user.id)
    assert await _one_query_actor(db, current) is None
