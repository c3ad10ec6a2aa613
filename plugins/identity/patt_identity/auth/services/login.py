"""Logging in, registering, logging out and changing a password: rate limits around the
``sv_common.auth`` services. Each takes the request's session and plain values (the client
address, not the request); the routes in ``auth/api.py`` and ``auth/pages.py`` are thin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from patt_identity.auth.services import accounts
from patt_identity.deps import limit_key
from sv_common.auth.service import (
    authenticate_password,
    change_password,
    normalise_username,
    register_with_invite,
)
from sv_common.errors import Unauthorized
from sv_common.identity.models import User

if TYPE_CHECKING:
    from patt_host import HostAPI
    from patt_identity.state import IdentityState


def login_guesser_key(username: str, ip: str) -> str:
    """The failed-login delay's key: this username from this client address."""
    return limit_key("login-user-ip", f"{normalise_username(username)}\0{ip}")


async def password_login(
    session: AsyncSession, state: IdentityState, *, username: str, password: str, ip: str
) -> tuple[User, str]:
    """Rate-limited password check; returns ``(user, token)`` (raises Unauthorized/Forbidden).

    Two brakes, neither of which locks the account: a limit per client IP, and a delay that
    grows with each failure of this username *from this IP*. Someone guessing from
    elsewhere never stops the real user, who logs in from their own address.
    """
    guesser = login_guesser_key(username, ip)
    await state.hit(limit_key("login-ip", ip), state.settings.login_per_ip)
    await state.login_backoff.check(guesser)
    try:
        user = await authenticate_password(session, username=username, password=password)
    except Unauthorized:
        await state.login_backoff.failed(guesser)
        raise
    token = await accounts.new_session(session, state.host, user)
    await state.login_backoff.reset(guesser)
    return user, token


async def redeem_invite(
    session: AsyncSession, state: IdentityState, *, code: str, username: str, password: str, ip: str
) -> tuple[User, str]:
    """Rate-limited registration with an invite code; returns ``(user, token)``. The caller
    emits ``account.registered`` once the session is committed."""
    await state.hit(limit_key("register-ip", ip), state.settings.register_per_ip)
    user = await register_with_invite(session, code=code, username=username, password=password)
    return user, await accounts.new_session(session, state.host, user)


async def end_session(session: AsyncSession, host: HostAPI, token: str | None) -> None:
    """Revoke ``token`` (the one the request carries), if it is still valid."""
    if token is None:
        return
    user = await accounts.session_user(session, host, token)
    if user is not None:
        await accounts.revoke_token(session, token, accounts.claims_of(host, token))


async def new_password(session: AsyncSession, state: IdentityState, actor, current: str, new: str) -> str:
    """Change the password (ends every session) and return a fresh token for this one."""
    await state.hit(limit_key("password-user", str(actor.user_id)), state.settings.password_per_user)
    user = await accounts.current_user(session, actor)
    await change_password(session, user=user, current=current, new=new)
    return await accounts.new_session(session, state.host, user)
