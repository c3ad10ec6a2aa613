"""Account services: invites, registration, password login, token checks, revocation, actors.

Every function takes the caller's ``AsyncSession`` and plain values; it flushes but never
commits (the caller owns the transaction). Errors are ``sv_common.errors`` exceptions
whose messages are safe to show. bcrypt work runs in a thread (``*_async``) so a login
never stalls the event loop.

Login names: the original platform stores the lowercased Discord username in
``common.users.email``; we keep that column and that rule.
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from sv_common.auth.actor import Actor
from sv_common.auth.invites import generate_invite_code, invite_expired, normalise_invite_code
from sv_common.auth.passwords import (
    check_password_policy,
    hash_password,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from sv_common.auth.tokens import TokenClaims, decode_token, issue_token
from sv_common.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from sv_common.identity.models import GuildRank, InviteCode, Player, User
from sv_common.validation import INT32_MAX

USERNAME_MIN, USERNAME_MAX = 2, 32
# Discord's current username rules (lowercase letters, digits, '_' and '.'), plus '-' for older names.
_USERNAME_RE = re.compile(r"^[a-z0-9_.\-]+$")
_INVITE_CODE_MAX = 20  # column width; longer input cannot be a code
_CODE_ATTEMPTS = 5

BAD_CREDENTIALS = "Invalid username or password."
INVITE_NOT_FOUND = "That invite code does not exist."
INVITE_USED = "That invite code has already been used."
INVITE_EXPIRED = "That invite code has expired."
PLAYER_INACTIVE = "That member is no longer active in the guild; ask an officer."
INVITE_UNBOUND = "That invite code is not linked to a guild member; ask an officer for a new one."


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both failures cost the same bcrypt
    time and response timing does not reveal which usernames exist."""
    return hash_password(secrets.token_urlsafe(16))


def _utcnow() -> datetime:
    return datetime.now(UTC)


def normalise_username(text: str | None) -> str:
    """The stored login name: trimmed and lowercased."""
    return (text or "").strip().lower()


def check_username(username: str) -> None:
    """Raise ValidationFailed unless the (normalised) username is 2–32 allowed characters."""
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
        raise ValidationFailed(f"Usernames are {USERNAME_MIN} to {USERNAME_MAX} characters long.")
    if not _USERNAME_RE.match(username):
        raise ValidationFailed("Usernames may contain only letters, digits, '_', '.' and '-'.")


async def _user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == username))


# --- invites ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvite:
    """A new invite, and whether it replaced the player's earlier code that still worked."""

    invite: InviteCode
    replaced: bool


async def issue_invite(
    session: AsyncSession,
    *,
    player_id: int,
    created_by_player_id: int | None = None,
    expires_in: timedelta = timedelta(hours=72),
    generated_by: str = "manual",
) -> IssuedInvite:
    """A new single-use code that lets the player ``player_id`` create their account.

    A player has at most one live code: the new one replaces (deletes) any unused earlier
    one, and ``replaced`` says whether one of those had not expired yet (a code the member
    may hold, which stops working now). The player row is locked first, so simultaneous
    requests queue up and leave exactly one.
    """
    if expires_in <= timedelta(0):
        raise ValidationFailed("An invite must expire in the future.")
    player = await session.scalar(select(Player).where(Player.id == player_id).with_for_update())
    if player is None:
        raise NotFound("That player does not exist.")
    if player.website_user_id is not None:
        raise Conflict("That player already has an account.")
    if not player.is_active:
        raise Conflict(PLAYER_INACTIVE)
    earlier = await session.scalars(
        delete(InviteCode)
        .where(InviteCode.player_id == player_id, InviteCode.used_at.is_(None))
        .returning(InviteCode.expires_at)
    )
    now = _utcnow()
    replaced = any(expires_at is None or expires_at > now for expires_at in earlier.all())
    if created_by_player_id is not None and await session.get(Player, created_by_player_id) is None:
        raise NotFound("The inviting player does not exist.")
    for _ in range(_CODE_ATTEMPTS):
        invite = InviteCode(
            code=generate_invite_code(),
            player_id=player_id,
            created_by_player_id=created_by_player_id,
            expires_at=now + expires_in,
            generated_by=generated_by,
        )
        try:
            async with session.begin_nested():  # a code collision rolls back only this insert
                session.add(invite)
                await session.flush()
        except IntegrityError:
            continue
        return IssuedInvite(invite, replaced)
    raise Conflict("Could not generate a unique invite code; please try again.")


async def create_invite(
    session: AsyncSession,
    *,
    player_id: int,
    created_by_player_id: int | None = None,
    expires_in: timedelta = timedelta(hours=72),
    generated_by: str = "manual",
) -> InviteCode:
    """``issue_invite``'s new code alone (for callers that need not say what it replaced)."""
    issued = await issue_invite(
        session,
        player_id=player_id,
        created_by_player_id=created_by_player_id,
        expires_in=expires_in,
        generated_by=generated_by,
    )
    return issued.invite


async def list_invites(session: AsyncSession, *, include_used: bool = True) -> list[InviteCode]:
    """Invite codes, newest first."""
    query = select(InviteCode).order_by(InviteCode.created_at.desc(), InviteCode.id.desc())
    if not include_used:
        query = query.where(InviteCode.used_at.is_(None))
    return list(await session.scalars(query))


async def revoke_invite(session: AsyncSession, code_id: int) -> None:
    """Delete an unused invite so it can no longer be redeemed."""
    invite = await session.get(InviteCode, code_id)
    if invite is None:
        raise NotFound("That invite code does not exist.")
    if invite.used_at is not None:
        raise Conflict(INVITE_USED)
    await session.execute(delete(InviteCode).where(InviteCode.id == code_id))
    await session.flush()


# --- registration and login ---------------------------------------------------------------


async def _redeemable_invite(session: AsyncSession, code: str) -> tuple[InviteCode, Player]:
    """The invite and its player, both row-locked so two registrations cannot use one code."""
    normalised = normalise_invite_code(code)
    if not normalised or len(normalised) > _INVITE_CODE_MAX:
        raise NotFound(INVITE_NOT_FOUND)
    invite = await session.scalar(select(InviteCode).where(InviteCode.code == normalised).with_for_update())
    if invite is None:
        raise NotFound(INVITE_NOT_FOUND)
    if invite.used_at is not None:
        raise Conflict(INVITE_USED)
    if invite_expired(invite.expires_at):
        raise ValidationFailed(INVITE_EXPIRED)
    if invite.player_id is None:
        raise ValidationFailed(INVITE_UNBOUND)
    player = await session.scalar(select(Player).where(Player.id == invite.player_id).with_for_update())
    if player is None:
        raise ValidationFailed(INVITE_UNBOUND)
    if not player.is_active:
        raise Forbidden(PLAYER_INACTIVE, code="player_inactive")
    if player.website_user_id is not None:
        raise Conflict("That member already has an account. Log in instead.")
    return invite, player


async def register_with_invite(session: AsyncSession, *, code: str, username: str, password: str) -> User:
    """Create the account an invite was issued for, link it to the player and use up the code."""
    login = normalise_username(username)
    invite, player = await _redeemable_invite(session, code)
    check_username(login)
    if await _user_by_username(session, login) is not None:
        raise Conflict("That username is already taken.")
    check_password_policy(password, username=login, display_name=player.display_name)

    password_hash = await hash_password_async(password)
    user = User(email=login, password_hash=password_hash, is_active=True, token_version=0)
    try:
        async with session.begin_nested():  # a concurrent registration of the same name loses here
            session.add(user)
            await session.flush()
    except IntegrityError:
        raise Conflict("That username is already taken.") from None
    player.website_user_id = user.id
    invite.used_at = _utcnow()
    invite.used_by_user_id = user.id
    await session.flush()
    return user


async def authenticate_password(session: AsyncSession, *, username: str, password: str) -> User:
    """The active user with these credentials; unknown names and wrong passwords fail alike."""
    user = await _user_by_username(session, normalise_username(username))
    if user is None:
        await verify_password_async(password, await asyncio.to_thread(_dummy_hash))
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    if not await verify_password_async(password, user.password_hash):
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    # Checked after the password so a guesser cannot tell disabled accounts from others.
    if not user.is_active:
        raise Forbidden("This account is disabled.", code="account_disabled")
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password_async(password)
    user.last_login_at = _utcnow()
    await session.flush()
    return user


# --- tokens -------------------------------------------------------------------------------


def token_for_user(user: User, *, secret: str, expires_minutes: int, algorithm: str = "HS256") -> str:
    """A session token for ``user`` under their current token version."""
    return issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=secret,
        expires_minutes=expires_minutes,
        algorithm=algorithm,
    )


async def user_for_claims(session: AsyncSession, claims: TokenClaims) -> User:
    """The user a decoded token belongs to, if the token is still honoured."""
    if not 1 <= claims.user_id <= INT32_MAX:  # a forged id the database could not even look up
        raise Unauthorized("Your session has ended. Please log in again.", code="token_revoked")
    user = await session.get(User, claims.user_id)
    if user is None or not user.is_active or claims.token_version != user.token_version:
        raise Unauthorized("Your session has ended. Please log in again.", code="token_revoked")
    return user


async def actor_for_token(
    session: AsyncSession, token: str, *, secret: str, algorithm: str = "HS256", auth_method: str = "cookie"
) -> Actor:
    """Decode ``token``, check it is still honoured and build the actor (raises Unauthorized)."""
    user = await user_for_claims(session, decode_token(token, secret=secret, algorithm=algorithm))
    return await actor_for_user(session, user, auth_method=auth_method)


async def actor_for_claims(
    conn: AsyncConnection | AsyncSession,
    claims: TokenClaims,
    *,
    auth_method: str,
    refused_if: ColumnElement[bool] | None = None,
) -> Actor | None:
    """The actor of a decoded token in one query, or None when the token is no longer honoured.

    The same checks as ``user_for_claims`` + ``actor_for_user`` (active user, current token
    version, player's rank loaded fresh, rank 0 without an active player), joined into one
    round trip because it runs on every authenticated request. ``refused_if`` adds a further
    condition that refuses the token, e.g. a revocation list lookup.
    """
    if not (1 <= claims.user_id <= INT32_MAX and claims.token_version <= INT32_MAX):
        return None  # ids the database could not even look up: never a token we issued
    query = (
        select(
            User.id,
            User.email,
            Player.id,
            Player.display_name,
            Player.is_active,
            GuildRank.level,
            GuildRank.name,
        )
        .select_from(User)
        .outerjoin(Player, Player.website_user_id == User.id)
        .outerjoin(GuildRank, GuildRank.id == Player.guild_rank_id)
        .where(
            User.id == claims.user_id,
            User.is_active.is_(True),
            User.token_version == claims.token_version,
        )
    )
    if refused_if is not None:
        query = query.where(~refused_if)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    user_id, email, player_id, display_name, player_active, level, rank_name = row
    if player_id is None:
        return Actor(
            user_id=user_id, player_id=None, display_name=email or f"user {user_id}", auth_method=auth_method
        )
    ranked = player_active and level is not None
    return Actor(
        user_id=user_id,
        player_id=player_id,
        display_name=display_name,
        rank_level=level if ranked else 0,
        rank_name=rank_name if ranked else None,
        auth_method=auth_method,
    )


async def revoke_all_tokens(session: AsyncSession, *, user: User) -> None:
    """End every session of ``user``: tokens issued under the old version stop working."""
    # Increment in SQL so two concurrent revocations both count.
    new_version = await session.scalar(
        update(User)
        .where(User.id == user.id)
        .values(token_version=User.token_version + 1)
        .returning(User.token_version)
        .execution_options(synchronize_session=False)
    )
    if new_version is None:
        raise NotFound("That account does not exist.")
    set_committed_value(user, "token_version", new_version)


async def change_password(session: AsyncSession, *, user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one; ends every other session.

    The caller should issue a fresh token (``token_for_user``) for the session that made
    the change, since the token it holds is revoked too.
    """
    if not await verify_password_async(current, user.password_hash):
        raise ValidationFailed("Your current password is not correct.", code="wrong_password")
    display_name = await session.scalar(select(Player.display_name).where(Player.website_user_id == user.id))
    check_password_policy(new, username=user.email, display_name=display_name)
    user.password_hash = await hash_password_async(new)
    await session.flush()
    await revoke_all_tokens(session, user=user)


# --- actors -------------------------------------------------------------------------------


async def actor_for_user(session: AsyncSession, user: User, *, auth_method: str) -> Actor:
    """The request principal for ``user``, with the rank of their player loaded fresh.

    A user without a player (or whose player was deactivated) gets rank level 0, so
    leaving the guild removes every rank-based permission at once.
    """
    player = await session.scalar(
        select(Player).where(Player.website_user_id == user.id).options(selectinload(Player.guild_rank))
    )
    if player is None:
        return Actor(
            user_id=user.id,
            player_id=None,
            display_name=user.email or f"user {user.id}",
            auth_method=auth_method,
        )
    rank = player.guild_rank if player.is_active else None
    return Actor(
        user_id=user.id,
        player_id=player.id,
        display_name=player.display_name,
        rank_level=rank.level if rank is not None else 0,
        rank_name=rank.name if rank is not None else None,
        auth_method=auth_method,
    )
