"""Account pages: ``/login``, ``/register``, ``/logout`` (HTML forms with CSRF tokens).

Failures re-render the form with the service's message and the matching status; a
rate limit renders a friendly page with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from patt_host.web import ActorDep, render
from patt_identity.auth_routes import end_session, password_login, redeem_invite
from patt_identity.runtime import RuntimeDep
from patt_identity.web import clear_session_cookie, safe_next, set_session_cookie
from sv_common.errors import DomainError, RateLimited, ValidationFailed

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
