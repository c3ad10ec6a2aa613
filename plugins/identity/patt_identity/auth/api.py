"""Accounts over JSON: ``/api/v1/auth/register|login|logout|logout-all|password|me``.

Routes are thin: rate-limit, call ``sv_common.auth`` services, answer in the envelope.
The HTML forms for the same actions live in :mod:`patt_identity.auth.pages`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from patt_host.web import LoggedIn, ok
from patt_identity.auth.services import accounts
from patt_identity.deps import (
    clear_session_cookie,
    client_ip,
    limit_key,
    set_session_cookie,
    token_from_request,
)
from patt_identity.schemas import LoginRequest, PasswordChange, RegisterRequest
from patt_identity.state import IdentityRuntime, RuntimeDep
from sv_common.auth.service import (
    authenticate_password,
    change_password,
    normalise_username,
    register_with_invite,
    revoke_all_tokens,
)
from sv_common.errors import Unauthorized


def login_guesser_key(username: str, ip: str) -> str:
    """The failed-login delay's key: this username from this client address."""
    return limit_key("login-user-ip", f"{normalise_username(username)}\0{ip}")


async def password_login(rt: IdentityRuntime, request: Request, username: str, password: str):
    """Rate-limited password check; returns ``(user, token)`` (raises Unauthorized/Forbidden).

    Two brakes, neither of which locks the account: a limit per client IP, and a delay that
    grows with each failure of this username *from this IP*. Someone guessing from
    elsewhere never stops the real user, who logs in from their own address.
    """
    ip = client_ip(request)
    guesser = login_guesser_key(username, ip)
    await rt.hit(limit_key("login-ip", ip), rt.settings.login_per_ip)
    await rt.login_backoff.check(guesser)
    try:
        async with rt.host.db.session() as session:
            user = await authenticate_password(session, username=username, password=password)
            token = await accounts.new_session(session, rt.host, user)
    except Unauthorized:
        await rt.login_backoff.failed(guesser)
        raise
    await rt.login_backoff.reset(guesser)
    return user, token


async def redeem_invite(rt: IdentityRuntime, request: Request, code: str, username: str, password: str):
    """Rate-limited registration with an invite code; returns ``(user, token)``."""
    await rt.hit(limit_key("register-ip", client_ip(request)), rt.settings.register_per_ip)
    async with rt.host.db.session() as session:
        user = await register_with_invite(session, code=code, username=username, password=password)
        token = await accounts.new_session(session, rt.host, user)
    await rt.host.emit("account.registered", user_id=user.id)
    return user, token


async def end_session(rt: IdentityRuntime, request: Request) -> None:
    """Revoke the token this request carries (if any is still valid)."""
    token, _method = token_from_request(request)
    if token is None:
        return
    async with rt.host.db.session() as session:
        user = await accounts.session_user(session, rt.host, token)
        if user is not None:
            await accounts.revoke_token(session, token, accounts.claims_of(rt.host, token))


async def new_password(rt: IdentityRuntime, actor, current: str, new: str) -> str:
    """Change the password (ends every session) and return a fresh token for this one."""
    await rt.hit(limit_key("password-user", str(actor.user_id)), rt.settings.password_per_user)
    async with rt.host.db.session() as session:
        user = await accounts.current_user(session, actor)
        await change_password(session, user=user, current=current, new=new)
        return await accounts.new_session(session, rt.host, user)


def token_payload(rt: IdentityRuntime, token: str) -> dict:
    return {
        "token": token,
        "token_type": "bearer",
        "expires_in": rt.host.settings.jwt_expire_minutes * 60,
    }


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

    @router.post("/login", name="api_login")
    async def login(body: LoginRequest, request: Request, rt: RuntimeDep):
        """Log in with username and password; returns a bearer token (and sets the session cookie)."""
        _user, token = await password_login(rt, request, body.username, body.password)
        response = ok(token_payload(rt, token))
        set_session_cookie(response, token, host=rt.host)
        return response

    @router.post("/register", name="api_register", status_code=201)
    async def register(body: RegisterRequest, request: Request, rt: RuntimeDep):
        """Create an account with an invite code; returns a bearer token."""
        _user, token = await redeem_invite(rt, request, body.code, body.username, body.password)
        response = ok(token_payload(rt, token), status_code=201)
        set_session_cookie(response, token, host=rt.host)
        return response

    @router.post("/logout", name="api_logout")
    async def logout(request: Request, rt: RuntimeDep):
        """End this session: the token is revoked and the cookie removed."""
        await end_session(rt, request)
        response = ok({"logged_out": True})
        clear_session_cookie(response, host=rt.host)
        return response

    @router.post("/logout-all", name="api_logout_all")
    async def logout_all(actor: LoggedIn, rt: RuntimeDep):
        """End every session of this account, on every device."""
        async with rt.host.db.session() as session:
            await revoke_all_tokens(session, user=await accounts.current_user(session, actor))
        response = ok({"logged_out": True, "everywhere": True})
        clear_session_cookie(response, host=rt.host)
        return response

    @router.post("/password", name="api_password")
    async def password(body: PasswordChange, actor: LoggedIn, rt: RuntimeDep):
        """Change the password; other sessions end, this one gets a new token."""
        token = await new_password(rt, actor, body.current_password, body.new_password)
        response = ok(token_payload(rt, token))
        if actor.uses_cookie:
            set_session_cookie(response, token, host=rt.host)
        return response

    @router.get("/me", name="api_me")
    async def me(actor: LoggedIn, rt: RuntimeDep):
        """The logged-in account, its player, rank and characters."""
        async with rt.host.db.session() as session:
            return ok(await accounts.account_summary(session, actor))

    return router
