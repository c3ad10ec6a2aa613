"""Web helpers shared by the identity routes (no routes here): tokens in requests, the session
cookie, safe ``next=`` targets, the client address, rate-limit keys, bounded path ids and the
officers' unit of work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from fastapi import Path, Request, Response
from markupsafe import Markup, escape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from patt_host.web import rotate_csrf
from patt_identity.services import authority
from patt_identity.services.events import emit_rank_changes
from patt_identity.state import IdentityState
from sv_common.auth import Actor
from sv_common.auth.constants import AUTH_COOKIE
from sv_common.identity.ranks import drain_rank_changes

if TYPE_CHECKING:
    from patt_host import HostAPI


DEFAULT_NEXT = "/"


def token_from_request(request: HTTPConnection) -> tuple[str | None, str]:
    """The session token and how it came: ``(token, "bearer"|"cookie")`` or ``(None, "")``.
    ``request`` is a ``Request`` or a ``WebSocket`` handshake (the same headers and cookies).

    An ``Authorization`` header, when present, is the only credential looked at: the CSRF
    check is skipped for bearer requests, so falling back to the cookie there would let a
    forged request with a junk header ride on the cookie.
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip(), "bearer"
        return None, ""
    cookie = request.cookies.get(AUTH_COOKIE)
    if cookie:
        return cookie, "cookie"
    return None, ""


def token_hash(token: str) -> str:
    """What the revocation list stores instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def set_session_cookie(response: Response, token: str, *, host: HostAPI) -> None:
    """The login cookie: HttpOnly, SameSite=Lax, Secure in production, and it lives exactly
    as long as the token inside it (the original kept a 30-day cookie for a 24 h token)."""
    response.set_cookie(
        AUTH_COOKIE,
        token,
        max_age=host.settings.jwt_expire_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=host.settings.production,
        path="/",
    )
    # A new session gets a new CSRF token: one planted before the login is worthless.
    rotate_csrf(response, host=host, session_token=token)


def clear_session_cookie(response: Response, *, host: HostAPI) -> None:
    response.delete_cookie(
        AUTH_COOKIE, path="/", httponly=True, samesite="lax", secure=host.settings.production
    )


def safe_next(target: str | None, default: str = DEFAULT_NEXT) -> str:
    """``target`` if it is a same-site relative path (``/x...``), else ``default``.

    Refused: absolute URLs, anything with a scheme, protocol-relative ``//host``,
    ``/\\host`` (browsers treat ``\\`` as ``/``) and any control character or whitespace
    (browsers strip tabs and newlines, turning ``/\\t/host`` into ``//host``).
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def client_ip(request: Request) -> str:
    """The client address as the ASGI server reports it.

    Behind nginx, ``TRUSTED_PROXIES`` must name nginx (``patt serve`` then believes its
    ``X-Forwarded-For``, from nobody else); then this is the real client. We never read
    the header ourselves, so a client cannot choose its own rate-limit bucket.
    """
    return request.client.host if request.client else "unknown"


def limit_key(kind: str, value: str) -> str:
    """A rate-limit key; values are hashed so usernames never reach Redis in clear."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:24]
    return f"identity:{kind}:{digest}"


def logout_form(csrf_token: str) -> Markup:
    """The nav's log-out button: a POST form carrying the CSRF token."""
    return Markup(
        '<form class="nav-logout" method="post" action="/logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
        '<button class="button small secondary" type="submit">Log out</button></form>'
    )


# Path ids are PostgreSQL integers: anything larger is a 422, never a database error.
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def unit_of_work(
    session: AsyncSession, state: IdentityState, actor: Actor, work: Callable[[Any], Awaitable[Any]]
) -> Any:
    """Run ``work(session)`` in the request's transaction and commit it, then refresh the
    roster and emit rank events. The route must not use ``session`` afterwards.

    Before committing, no player may have ended above the actor's rank (whatever the
    path: override, link, rank remap); otherwise the whole change rolls back. The commit
    is explicit (not the host's, after the route) because the events must follow it:
    their handlers read what was written.
    """
    result = await work(session)
    changes = drain_rank_changes(session)
    await authority.check_rank_changes(session, actor, changes)
    await session.commit()
    state.roster.invalidate()
    await emit_rank_changes(state.host, changes)
    return result


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()
