"""Account pages: ``/login``, ``/register``, ``/logout`` (HTML forms with CSRF tokens), and the
password-reset pages ``/forgot-password`` (a link by Discord DM, when the bot is on) and
``/reset-password?token=`` (set a new password with a link).

Failures re-render the form with the service's message and the matching status; a
rate limit renders a friendly page with ``Retry-After``. "Forgot password" answers the same
whatever the username, so it cannot be used to find out which accounts exist.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse

from patt_host.web import ActorDep, render
from patt_identity.auth.api import end_session, login_guesser_key, password_login, redeem_invite
from patt_identity.auth.services import password_reset
from patt_identity.config import RateLimit
from patt_identity.deps import clear_session_cookie, client_ip, limit_key, safe_next, set_session_cookie
from patt_identity.players.services.records import queue_dm
from patt_identity.state import RuntimeDep
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
        rt: RuntimeDep,
        username: FormStr,
        password: FormStr,
        next: OptionalFormStr = "/",
    ):
        target = safe_next(next)
        try:
            _user, token = await password_login(rt, request, username, password)
        except DomainError as exc:
            context = {"next": target, "username": username, "error": exc.message}
            return await render(
                request, "identity/login.html", context, status_code=exc.status, headers=retry_headers(exc)
            )
        response = redirect(target)
        set_session_cookie(response, token, host=rt.host)
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
        rt: RuntimeDep,
        code: FormStr,
        username: FormStr,
        password: FormStr,
        password2: FormStr,
    ):
        try:
            if password != password2:
                raise ValidationFailed("The two passwords do not match.")
            _user, token = await redeem_invite(rt, request, code, username, password)
        except DomainError as exc:
            context = {"code": code, "username": username, "error": exc.message}
            return await render(
                request, "identity/register.html", context, status_code=exc.status, headers=retry_headers(exc)
            )
        response = redirect("/profile?saved=welcome")
        set_session_cookie(response, token, host=rt.host)
        return response

    @router.get("/logout", name="logout_confirm")
    async def logout_confirm(request: Request, actor: ActorDep):
        # Logging out changes state, so it is a POST; this page only offers the button.
        if actor is None:
            return redirect("/")
        return await render(request, "identity/logout.html")

    @router.post("/logout", name="logout")
    async def logout(request: Request, rt: RuntimeDep):
        await end_session(rt, request)
        response = redirect("/")
        clear_session_cookie(response, host=rt.host)
        return response

    return router


SENT = (
    "If that account exists and is linked to Discord, a reset link is on its way as a Discord DM. "
    "It works once and expires soon. No DM? Ask an officer for a reset link."
)


async def send_self_reset(rt, username: str) -> None:
    """The "forgot password" DM, when ``username`` is an active account linked to Discord."""
    hours = rt.settings.reset_expiry_hours
    try:
        async with rt.host.db.session() as session:
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
            url = password_reset.reset_url(rt.host, token)
            await queue_dm(
                session,
                rt.host,
                player_id=player.id,
                message=password_reset.reset_message(rt.host.site.title, url, hours, by_officer=False),
                dedupe_key=f"reset:{row.id}",
                feature=password_reset.DM_FEATURE,
                shown_as=password_reset.SHOWN_AS,
            )
    except Exception:  # noqa: BLE001 - runs after the answer: nobody else would hear of it
        log.exception("forgot password: the reset DM could not be queued")


def bot_on(rt) -> bool:
    return rt.host.settings.discord_bot_token is not None


def build_reset_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/forgot-password", name="forgot_password")
    async def forgot_form(request: Request, rt: RuntimeDep, actor: ActorDep):
        return await render(request, "identity/forgot_password.html", {"bot_on": bot_on(rt)})

    @router.post("/forgot-password", name="forgot_password_submit")
    async def forgot_submit(request: Request, rt: RuntimeDep, username: FormStr, background: BackgroundTasks):
        context = {"bot_on": bot_on(rt), "username": username}
        try:
            if not bot_on(rt):
                raise ValidationFailed(
                    "Password links by DM need the Discord bot; ask an officer for a link."
                )
            await rt.hit(limit_key("forgot-ip", client_ip(request)), rt.settings.reset_per_ip)
            # Per account *and* address: a stranger asking for someone's account from
            # elsewhere must not use up that member's own requests.
            key = f"{username.strip().lower()}|{client_ip(request)}"
            await rt.hit(limit_key("forgot-user", key), RateLimit(3, 3600))
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
        background.add_task(send_self_reset, rt, username)
        return await render(request, "identity/forgot_password.html", context)

    @router.get("/reset-password", name="reset_password")
    async def reset_form(request: Request, rt: RuntimeDep, token: str = ""):
        token = token[:100]
        if not token:  # visited directly: explain where the link comes from
            context = {"token": "", "no_token": True}
            return await render(request, "identity/reset_password.html", context, headers=SECRET_URL_HEADERS)
        async with rt.host.db.session() as session:
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
        rt: RuntimeDep,
        token: Annotated[str, Form(max_length=100)],
        password: FormStr,
        password2: FormStr,
    ):
        try:
            await rt.hit(limit_key("reset-ip", client_ip(request)), rt.settings.reset_per_ip)
            if password != password2:
                raise ValidationFailed("The two passwords do not match.")
            async with rt.host.db.session() as session:
                user = await password_reset.redeem(session, token=token, password=password)
            # Failed logins from this address were most likely the member's own: the new
            # password works here at once (guessers elsewhere keep their delay).
            await rt.login_backoff.reset(login_guesser_key(user.email, client_ip(request)))
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
