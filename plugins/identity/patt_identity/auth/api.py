"""Accounts over JSON: ``/api/v1/auth/register|login|logout|logout-all|password|me``.

Routes are thin: call :mod:`patt_identity.auth.services.login` with the request's session,
answer in the envelope. The HTML forms for the same actions live in :mod:`patt_identity.auth.pages`.
"""

from fastapi import APIRouter, Request

from patt_host.web import LoggedIn, SessionDep, ok
from patt_identity.auth.services import accounts, login
from patt_identity.deps import clear_session_cookie, client_ip, set_session_cookie, token_from_request
from patt_identity.schemas import LoginRequest, PasswordChange, RegisterRequest
from patt_identity.state import IdentityState, StateDep
from sv_common.auth.service import revoke_all_tokens


def token_payload(state: IdentityState, token: str) -> dict:
    return {
        "token": token,
        "token_type": "bearer",
        "expires_in": state.host.settings.jwt_expire_minutes * 60,
    }


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

    @router.post("/login", name="api_login")
    async def login_route(body: LoginRequest, request: Request, session: SessionDep, state: StateDep):
        """Log in with username and password; returns a bearer token (and sets the session cookie)."""
        _user, token = await login.password_login(
            session, state, username=body.username, password=body.password, ip=client_ip(request)
        )
        response = ok(token_payload(state, token))
        set_session_cookie(response, token, host=state.host)
        return response

    @router.post("/register", name="api_register", status_code=201)
    async def register(body: RegisterRequest, request: Request, session: SessionDep, state: StateDep):
        """Create an account with an invite code; returns a bearer token."""
        user, token = await login.redeem_invite(
            session,
            state,
            code=body.code,
            username=body.username,
            password=body.password,
            ip=client_ip(request),
        )
        await session.commit()  # before the event: its handlers read the new account
        await state.host.emit("account.registered", user_id=user.id)
        response = ok(token_payload(state, token), status_code=201)
        set_session_cookie(response, token, host=state.host)
        return response

    @router.post("/logout", name="api_logout")
    async def logout(request: Request, session: SessionDep, state: StateDep):
        """End this session: the token is revoked and the cookie removed."""
        await login.end_session(session, state.host, token_from_request(request)[0])
        response = ok({"logged_out": True})
        clear_session_cookie(response, host=state.host)
        return response

    @router.post("/logout-all", name="api_logout_all")
    async def logout_all(actor: LoggedIn, session: SessionDep, state: StateDep):
        """End every session of this account, on every device."""
        await revoke_all_tokens(session, user=await accounts.current_user(session, actor))
        response = ok({"logged_out": True, "everywhere": True})
        clear_session_cookie(response, host=state.host)
        return response

    @router.post("/password", name="api_password")
    async def password(body: PasswordChange, actor: LoggedIn, session: SessionDep, state: StateDep):
        """Change the password; other sessions end, this one gets a new token."""
        token = await login.new_password(session, state, actor, body.current_password, body.new_password)
        response = ok(token_payload(state, token))
        if actor.uses_cookie:
            set_session_cookie(response, token, host=state.host)
        return response

    @router.get("/me", name="api_me")
    async def me(actor: LoggedIn, session: SessionDep):
        """The logged-in account, its player, rank and characters."""
        return ok(await accounts.account_summary(session, actor))

    return router
