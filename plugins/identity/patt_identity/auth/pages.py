"""Account pages: ``/login``, ``/register``, ``/logout`` (HTML forms with CSRF tokens), and the
password-reset pages ``/forgot-password`` (a link by Discord DM, when the bot is on) and
``/reset-password?token=`` (set a new password with a link).

Failures re-render the form with the service's message and the matching status; a
rate limit renders a friendly page with ``Retry-After``. "Forgot password" answers the same
whatever the username, so it cannot be used to find out which accounts exist.
"""

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse

from patt_host.web import ActorDep, SessionDep, render
from patt_identity.auth.services import login, password_reset
from patt_identity.config import RateLimit
from patt_identity.deps import (
    clear_session_cookie,
    client_ip,
    limit_key,
    safe_next,
    set_session_cookie,
    token_from_request,
)
from patt_identity.players.services.records import queue_dm
from patt_identity.state import StateDep
from sv_common.errors import DomainError, RateLimited, ValidationFailed

log = logging.getLogger(__name__)
FormStr = Annotated[str, Form(max_length=256)]
OptionalFormStr = Annotated[str, Form(max_length=2000)]


# Pages whose URL carries a secret (invite code, reset token): the browser must not pass the
# URL on as a Referer (nginx logs referers) nor keep the page in its cache.
SECRET_URL_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def retry_headers(exc: DomainError) -> dict[str, str] | None:
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(max(1, int(exc.retry_after + 0.999)))}
    return None


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login", name="login")
    async def login_form(
        request: Request, actor: ActorDep, next: str | None = None, reset: str | None = None
    ):
        target = safe_next(next)
        if actor is not None:
            return redirect(target)
        return await render(request, "identity/login.html", {"next": target, "reset": reset == "1"})

    @router.post("/login", name="login_submit")
    async def login_submit(
        request: Request,
        session: SessionDep,
        state: StateDep,
        username: FormStr,
        password: FormStr,
        next: OptionalFormStr = "/",
    ):
        target = safe_next(next)
        try:
            _user, token = await login.password_login(
                session, state, username=username, password=password, ip=client_ip(request)
            )
        except DomainError as exc:
            context = {"next": target, "username": username, "error": exc.message}
            return await render(
                request, "identity/login.html", context, status_code=exc.status, headers=retry_headers(exc)
            )
        response = redirect(target)
        set_session_cookie(response, token, host=state.host)
        return response

    @router.get("/register", name="register")
    async def register_form(request: Request, actor: ActorDep, code: str | None = None):
        if actor is not None:
            return redirect("/profile")
        context = {"code": (code or "")[:20]}
        return await render(request, "identity/register.html", context, headers=SECRET_URL_HEADERS)

    @router.post("/register", name="register_submit")
    async def register_submit(
        request: Request,
        session: SessionDep,
        state: StateDep,
        code: FormStr,
        username: FormStr,
        password: FormStr,
        password2: FormStr,
    ):
        try:
            if password != password2:
                raise ValidationFailed("The two passwords do not match.")
            # A savepoint: a refused registration leaves nothing behind when the page re-renders.
            async with session.begin_nested():
                user, token = await login.redeem_invite(
                    session, state, code=code, username=username, password=password, ip=client_ip(request)
                )
        except DomainError as exc:
            context = {"code": code, "username": username, "error": exc.message}
            return await render(
                request, "identity/register.html", context, status_code=exc.status, headers=retry_headers(exc)
            )
        await session.commit()  # before the event: its handlers read the new account
        await state.host.emit("account.registered", user_id=user.id)
        response = redirect("/profile?saved=welcome")
        set_session_cookie(response, token, host=state.host)
        return response

    @router.get("/logout", name="logout_confirm")
    async def logout_confirm(request: Request, actor: ActorDep):
        # Logging out changes state, so it is a POST; this page only offers the button.
        if actor is None:
            return redirect("/")
        return await render(request, "identity/logout.html")

    @router.post("/logout", name="logout")
    async def logout(request: Request, session: SessionDep, state: StateDep):
        await login.end_session(session, state.host, token_from_request(request)[0])
        response = redirect("/")
        clear_session_cookie(response, host=state.host)
        return response

    return router


SENT = (
    "If that account exists and is linked to Discord, a reset link is on its way as a Discord DM. "
    "It works once and expires soon. No DM? Ask an officer for a reset link."
)


async def send_self_reset(state, username: str) -> None:
    """The "forgot password" DM, when ``username`` is an active account linked to Discord.

    Runs as a background task after the answer, so it opens its own session (the request's
    is committed and gone by then)."""
    hours = state.settings.reset_expiry_hours
    try:
        async with state.host.db.session() as session:
            player = await password_reset.player_for_forgotten(session, username)
            if player is None:
                return
            issued = await password_reset.issue(
                session,
                user_id=player.website_user_id,
                kind="self",
                created_by=None,
                lifetime=timedelta(hours=hours),
            )
            if issued is None:  # enough live links are in the member's DMs already
                return
            token, row = issued
            url = password_reset.reset_url(state.host, token)
            await queue_dm(
                session,
                state.host,
                player_id=player.id,
                message=password_reset.reset_message(state.host.site.title, url, hours, by_officer=False),
                dedupe_key=f"reset:{row.id}",
                feature=password_reset.DM_FEATURE,
                shown_as=password_reset.SHOWN_AS,
            )
    except Exception:  # noqa: BLE001 - runs after the answer: nobody else would hear of it
        log.exception("forgot password: the reset DM could not be queued")


def bot_on(state) -> bool:
    return state.host.settings.discord_bot_token is not None


def build_reset_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/forgot-password", name="forgot_password")
    async def forgot_form(request: Request, state: StateDep, actor: ActorDep):
        return await render(request, "identity/forgot_password.html", {"bot_on": bot_on(state)})

    @router.post("/forgot-password", name="forgot_password_submit")
    async def forgot_submit(
        request: Request, state: StateDep, username: FormStr, background: BackgroundTasks
    ):
        context = {"bot_on": bot_on(state), "username": username}
        try:
            if not bot_on(state):
                raise ValidationFailed(
                    "Password links by DM need the Discord bot; ask an officer for a link."
                )
            await state.hit(limit_key("forgot-ip", client_ip(request)), state.settings.reset_per_ip)
            # Per account *and* address: a stranger asking for someone's account from
            # elsewhere must not use up that member's own requests.
            key = f"{username.strip().lower()}|{client_ip(request)}"
            await state.hit(limit_key("forgot-user", key), RateLimit(3, 3600))
        except DomainError as exc:
            context["error"] = exc.message
            return await render(
                request,
                "identity/forgot_password.html",
                context,
                status_code=exc.status,
                headers=retry_headers(exc),
            )
        context["sent"] = SENT
        # After the answer is sent: its timing must not tell a real account from a made-up name.
        background.add_task(send_self_reset, state, username)
        return await render(request, "identity/forgot_password.html", context)

    @router.get("/reset-password", name="reset_password")
    async def reset_form(request: Request, session: SessionDep, token: str = ""):
        token = token[:100]
        if not token:  # visited directly: explain where the link comes from
            context = {"token": "", "no_token": True}
            return await render(request, "identity/reset_password.html", context, headers=SECRET_URL_HEADERS)
        valid = await password_reset.check(session, token)
        context = {"token": token, "error": None if valid else password_reset.INVALID}
        return await render(
            request,
            "identity/reset_password.html",
            context,
            status_code=200 if valid else 410,
            headers=SECRET_URL_HEADERS,
        )

    @router.post("/reset-password", name="reset_password_submit")
    async def reset_submit(
        request: Request,
        session: SessionDep,
        state: StateDep,
        token: Annotated[str, Form(max_length=100)],
        password: FormStr,
        password2: FormStr,
    ):
        try:
            await state.hit(limit_key("reset-ip", client_ip(request)), state.settings.reset_per_ip)
            if password != password2:
                raise ValidationFailed("The two passwords do not match.")
            async with session.begin_nested():  # a refused link leaves nothing behind
                user = await password_reset.redeem(session, token=token, password=password)
            # Failed logins from this address were most likely the member's own: the new
            # password works here at once (guessers elsewhere keep their delay).
            await state.login_backoff.reset(login.login_guesser_key(user.email, client_ip(request)))
        except DomainError as exc:
            context = {"token": token, "error": exc.message}
            return await render(
                request,
                "identity/reset_password.html",
                context,
                status_code=exc.status,
                headers={**SECRET_URL_HEADERS, **(retry_headers(exc) or {})},
            )
        return RedirectResponse("/login?reset=1", status_code=303)

    return router
