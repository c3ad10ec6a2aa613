"""Sessions on top of ``sv_common.auth``: who is behind a request, issuing and ending
tokens, and the account summary ``/api/v1/auth/me`` returns.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from patt_identity.deps import token_hash
from patt_identity.models import RevokedToken, SessionActivity
from sv_common.auth import Actor
from sv_common.auth.service import actor_for_claims, user_for_claims
from sv_common.auth.tokens import TokenClaims, decode_token, issue_token
from sv_common.errors import DomainError, Unauthorized
from sv_common.identity.models import Player, PlayerCharacter, User, WowCharacter

if TYPE_CHECKING:
    from patt_host import HostAPI


log = logging.getLogger("patt.identity")


# A session's last use is written at most this often per web process (the idle timeout is
# measured in minutes to days, so a minute's lag costs nothing and saves a write per request).
TOUCH_SECONDS = 60.0
_MAX_TRACKED_SESSIONS = 50_000


async def new_session(session: AsyncSession, host: HostAPI, user: User) -> str:
    """A session token for ``user`` under their current token version (unique per login: ``jti``),
    recorded as used now (the idle timeout starts at the login)."""
    token = issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=host.secret,
        expires_minutes=host.settings.jwt_expire_minutes,
        algorithm=host.settings.jwt_algorithm,
    )
    now = datetime.now(UTC)
    hashed = token_hash(token)
    await session.execute(delete(SessionActivity).where(SessionActivity.expires_at < now))
    session.add(
        SessionActivity(
            token_hash=hashed, user_id=user.id, last_seen_at=now, expires_at=claims_of(host, token).expires_at
        )
    )
    host.plugin_state("identity").session_touches[hashed] = (
        time.monotonic()
    )  # this use is written: no touch soon
    return token


def _idle_since(host: HostAPI, hashed: str) -> ColumnElement[bool]:
    """True when the session was last used before the idle timeout (a token without a record,
    issued before the timeout existed, gets one on its next use)."""
    idle = timedelta(minutes=host.plugin_settings("identity").session_idle_minutes)
    return exists().where(
        SessionActivity.token_hash == hashed, SessionActivity.last_seen_at < datetime.now(UTC) - idle
    )


async def _touch(host: HostAPI, hashed: str, claims: TokenClaims) -> None:
    """Record that the session was used now (at most once per ``TOUCH_SECONDS`` per process)."""
    touches = host.plugin_state("identity").session_touches
    now = time.monotonic()
    if now - touches.get(hashed, float("-inf")) < TOUCH_SECONDS:
        return
    if len(touches) >= _MAX_TRACKED_SESSIONS:
        touches.clear()  # only makes the next uses write once more
    touches[hashed] = now
    upsert = (
        insert(SessionActivity)
        .values(
            token_hash=hashed, user_id=claims.user_id, last_seen_at=func.now(), expires_at=claims.expires_at
        )
        .on_conflict_do_update(index_elements=[SessionActivity.token_hash], set_={"last_seen_at": func.now()})
    )
    try:
        async with host.db.session() as session:
            await session.execute(upsert)
    except IntegrityError:  # the user was deleted meanwhile: their next request is refused anyway
        log.info("session activity of a deleted user not recorded")


def claims_of(host: HostAPI, token: str) -> TokenClaims:
    """Decoded claims (raises Unauthorized for a bad or expired token)."""
    return decode_token(token, secret=host.secret, algorithm=host.settings.jwt_algorithm)


async def is_revoked(session: AsyncSession, token: str) -> bool:
    return (
        await session.scalar(
            select(RevokedToken.token_hash).where(RevokedToken.token_hash == token_hash(token))
        )
        is not None
    )


async def revoke_token(session: AsyncSession, token: str, claims: TokenClaims) -> None:
    """End one session: the token is refused from now on even though it has not expired."""
    now = datetime.now(UTC)
    await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    await session.execute(
        insert(RevokedToken)
        .values(token_hash=token_hash(token), user_id=claims.user_id, expires_at=claims.expires_at)
        .on_conflict_do_nothing()
    )


async def session_user(session: AsyncSession, host: HostAPI, token: str) -> User | None:
    """The user a still-honoured token belongs to, else None."""
    try:
        claims = claims_of(host, token)
        if await is_revoked(session, token):
            return None
        return await user_for_claims(session, claims)
    except DomainError:
        return None


async def authenticate_token(host: HostAPI, token: str | None, method: str) -> Actor | None:
    """The ``authenticate`` hook's work: the request's token (Bearer header or session cookie,
    ``method`` says which) -> Actor, else None.

    Rank and names are loaded from the database on every request; the token only says
    which user and which token version it was issued for.
    """
    if token is None:
        return None
    try:
        claims = claims_of(host, token)
    except DomainError:
        return None
    # One read-only query on every request: user, token version, revocation, idle timeout and
    # rank together; then, at most once a minute, the session's last use is written.
    hashed = token_hash(token)
    refused = exists().where(RevokedToken.token_hash == hashed) | _idle_since(host, hashed)
    async with host.db.read() as conn:
        actor = await actor_for_claims(conn, claims, auth_method=method, refused_if=refused)
    if actor is not None:
        await _touch(host, hashed, claims)
    return actor


async def current_user(session: AsyncSession, actor: Actor) -> User:
    """The ``User`` row of a logged-in actor (for password checks and changes)."""
    user = await session.get(User, actor.user_id)
    if user is None:  # deleted between authentication and now
        raise Unauthorized("You need to log in.")
    return user


async def account_summary(session: AsyncSession, actor: Actor) -> dict[str, Any]:
    """What ``/api/v1/auth/me`` returns: the account, the player, rank and characters."""
    user = await current_user(session, actor)
    summary: dict[str, Any] = {
        "user_id": user.id,
        "username": user.email,
        "player_id": actor.player_id,
        "display_name": actor.display_name,
        "rank": {"name": actor.rank_name, "level": actor.rank_level} if actor.rank_name else None,
        "timezone": None,
        "characters": [],
    }
    if actor.player_id is None:
        return summary
    player = await session.scalar(
        select(Player).where(Player.id == actor.player_id).options(selectinload(Player.guild_rank))
    )
    rows = await session.execute(
        select(WowCharacter.id, WowCharacter.character_name, WowCharacter.realm_slug, WowCharacter.removed_at)
        .join(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .where(PlayerCharacter.player_id == actor.player_id)
        .order_by(WowCharacter.character_name)
    )
    summary["timezone"] = player.timezone
    summary["characters"] = [
        {
            "id": cid,
            "name": name,
            "realm_slug": realm,
            "removed_at": removed,
            "is_main": cid == player.main_character_id,
            "is_offspec": cid == player.offspec_character_id,
        }
        for cid, name, realm, removed in rows
    ]
    return summary
