"""One place that turns exceptions into responses: the JSON envelope or an HTML page.

A WebSocket has neither: there, a domain error (a refused rank check included) or an
``HTTPException`` closes it with 1008 (policy violation) and a database outage with 1013
(try again later), as FastAPI answers its own refusals (``WebSocketException``). Before
``accept()`` the ASGI server turns any close into a plain HTTP 403 on the upgrade.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket, WebSocketState

from patt_host.web.envelope import error
from patt_host.web.failures import RETRY_AFTER_SECONDS, classify, describe, handled_types, redis_is_down
from sv_common.errors import DomainError, RateLimited

log = logging.getLogger("patt.web")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}
TITLES = {
    400: "Bad request",
    401: "Login required",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "Conflict",
    422: "Invalid input",
    429: "Slow down",
    500: "Something broke",
    503: "Temporarily unavailable",
}


#: A close frame's reason is at most 123 bytes (RFC 6455).
_CLOSE_REASON_BYTES = 123


def _websocket(connection: HTTPConnection) -> WebSocket | None:
    return connection if isinstance(connection, WebSocket) else None


async def _close_websocket(websocket: WebSocket, code: int, reason: str) -> None:
    """Close ``websocket`` with ``code`` unless it is closed already (the route closed it or
    the client left): a refusal must never turn into a second failure."""
    if WebSocketState.DISCONNECTED in (websocket.application_state, websocket.client_state):
        return
    reason = reason.encode()[:_CLOSE_REASON_BYTES].decode(errors="ignore")
    try:
        await websocket.close(code=code, reason=reason)
    except (RuntimeError, OSError):  # the client went away in between
        log.debug("WebSocket on %s gone before its close", websocket.url.path)


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/-/")) or path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


async def _respond(request: Request, status: int, code: str, message: str, *, details=None, headers=None):
    if wants_json(request):
        return error(status, code, message, details=details, headers=headers)
    login_path = getattr(request.app.state, "login_path", None)
    if status == 401 and request.method == "GET" and login_path:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{login_path}?next={quote(target, safe='/')}", status_code=303)
    from patt_host.web.templates import render

    context = {"status": status, "title": TITLES.get(status, "Error"), "message": message, "code": code}
    if details and code == "internal_error":
        context["error_id"] = details.get("error_id")
    try:
        return await render(request, "core/error.html", context, status_code=status, headers=headers)
    except Exception:  # noqa: BLE001 - never fail while reporting a failure
        log.exception("error page failed to render")
        return error(status, code, message, details=details, headers=headers)


def _message(error: dict) -> str:
    """pydantic's message, except for a text field whose length is checked after a validator
    (``CleanStr`` with ``max_length``): "Value should have at most 50 items after validation"
    becomes "Value should have at most 50 characters"."""
    kind, ctx, value = error.get("type"), error.get("ctx") or {}, error.get("input")
    if isinstance(value, str) and kind == "too_long" and "max_length" in ctx:
        return f"Value should have at most {ctx['max_length']} characters, not {len(value)}"
    if isinstance(value, str) and kind == "too_short" and "min_length" in ctx:
        return f"Value should have at least {ctx['min_length']} characters"
    return error.get("msg", "")


def install_error_handlers(app: FastAPI, *, redis: bool = False) -> None:
    """``redis``: the site uses Redis, so its connection errors are designed 503s too."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        websocket = _websocket(request)
        if websocket is not None:
            return await _close_websocket(websocket, status.WS_1008_POLICY_VIOLATION, exc.message)
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(max(1, int(exc.retry_after + 0.999)))}
        return await _respond(
            request, exc.status, exc.code, exc.message, details=exc.details, headers=headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        websocket = _websocket(request)
        if websocket is not None:
            return await _close_websocket(websocket, status.WS_1008_POLICY_VIOLATION, message)
        return await _respond(request, exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": _message(e)}
            for e in exc.errors()
        ]
        return await _respond(request, 422, "validation_failed", "The request is not valid.", details=details)

    async def designed_failure(request: Request, exc: Exception):
        websocket = _websocket(request)
        if websocket is not None:
            if not await _designed_close(websocket, exc):
                raise exc
            return None
        response = await _designed_response(request, exc)
        if response is None:
            raise exc  # not one we recognise after all: the catch-all logs it as a 500
        return response

    for exc_type in handled_types(redis=redis):
        app.add_exception_handler(exc_type, designed_failure)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # Reached for bugs (500) and for a recognised failure wrapped in another type;
        # Starlette re-raises after this response (the traceback is wanted for a bug).
        response = await _designed_response(request, exc)
        if response is not None:
            return response
        error_id = secrets.token_hex(4)
        log.error("unhandled error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
        return await _respond(
            request,
            500,
            "internal_error",
            f"Something went wrong (error id {error_id}).",
            details={"error_id": error_id},
        )


async def _designed_response(request: Request, exc: BaseException):
    """The 503/422/409 answer for an outage, a refused value or a lost race; None for a bug."""
    kind = classify(exc)
    if kind == "unavailable":
        log.warning("service unavailable on %s %s: %s", request.method, request.url.path, describe(exc))
        # The friendly page must render without the database: show it as to a visitor.
        request.state.actor = None
        return await _respond(
            request,
            503,
            "service_unavailable",
            f"The site cannot reach its {'job queue' if redis_is_down(exc) else 'database'} right now. "
            "Please try again in a moment.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if kind == "invalid":
        return await _respond(
            request, 422, "validation_failed", "The request holds a value the database cannot store."
        )
    if kind == "conflict":
        return await _respond(
            request, 409, "conflict", "That conflicts with a change made at the same moment. Try again."
        )
    return None


async def _designed_close(websocket: WebSocket, exc: BaseException) -> bool:
    """:func:`_designed_response` for a WebSocket: close it; False for a bug (left to the server,
    which logs it)."""
    kind = classify(exc)
    if kind is None:
        return False
    if kind == "unavailable":
        log.warning("service unavailable on WebSocket %s: %s", websocket.url.path, describe(exc))
        await _close_websocket(
            websocket, status.WS_1013_TRY_AGAIN_LATER, "Temporarily unavailable. Try again in a moment."
        )
    elif kind == "invalid":
        await _close_websocket(
            websocket, status.WS_1008_POLICY_VIOLATION, "A value the database cannot store."
        )
    else:
        await _close_websocket(websocket, status.WS_1008_POLICY_VIOLATION, "A conflicting change. Try again.")
    return True
