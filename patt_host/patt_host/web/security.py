"""Security headers (pure ASGI, cheap on hot paths) and the CSRF check."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlsplit

from fastapi import Request, WebSocketException, status
from starlette.requests import HTTPConnection

from sv_common.auth.constants import AUTH_COOKIE
from sv_common.auth.csrf import CSRF_FIELD, CSRF_HEADER, csrf_cookie_name, csrf_matches
from sv_common.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
# Swagger UI's assets come from a CDN; only the docs page may load them.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "frame-ancestors 'none'"
)


NO_STORE = (b"cache-control", b"no-store")
_AUTH_COOKIE_BYTES = AUTH_COOKIE.encode() + b"="


def _carries_credentials(scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name in (b"authorization", b"x-api-key") or (name == b"cookie" and _AUTH_COOKIE_BYTES in value):
            return True
    return False


class SecurityHeadersMiddleware:
    def __init__(self, app, *, hsts: bool = False, docs_prefix: str = "/api/docs"):
        self.app = app
        self.docs_prefix = docs_prefix
        base = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts:
            base.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.headers = base
        self.csp = (b"content-security-policy", CSP.encode())
        self.docs_csp = (b"content-security-policy", DOCS_CSP.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = self.docs_csp if scope["path"].startswith(self.docs_prefix) else self.csp
        fixed = (*self.headers, csp)
        if _carries_credentials(scope) and not scope["path"].startswith("/static/"):
            # Pages and data for a logged-in user (profile, exports, admin) must not be kept
            # by the browser's or a proxy's cache, where the next user of the machine finds them.
            fixed = (*fixed, NO_STORE)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in fixed if k not in present]
                if b"set-cookie" in present and b"cache-control" not in present and NO_STORE not in extra:
                    extra.append(NO_STORE)  # a response that hands out a session (login) is never cached
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def needs_csrf(request: Request) -> bool:
    """Unsafe requests a browser could forge: cookie-authenticated ones and plain form posts.

    Bearer-token clients are not exposed to CSRF (browsers never attach that header by
    themselves, and the cookie is then ignored), and cross-site JSON needs a CORS preflight
    we never grant. Any other header (``X-API-Key`` included) exempts nothing: while a
    cookie rides along, the token is required.
    """
    if request.method in SAFE_METHODS:
        return False
    headers = request.headers
    if headers.get("authorization", "").lower().startswith("bearer "):
        return False
    if AUTH_COOKIE in request.cookies:
        return True
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in FORM_TYPES or content_type == ""


_DEFAULT_PORTS = {"http": 80, "https": 443}
# The page a handshake comes from has the http(s) twin of the WebSocket's scheme.
_PAGE_SCHEMES = {"ws": "http", "wss": "https"}


def _web_origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL, the default port filled in; None for
    anything else (``null``, another scheme, no host, a bad port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _site_origin(connection: HTTPConnection) -> tuple[str, str, int] | None:
    """Where this site's pages are: the configured ``BASE_URL`` (behind a proxy that rewrites
    ``Host``, the request cannot tell), else the handshake's own scheme (``wss`` when the proxy's
    ``X-Forwarded-Proto`` is trusted) and ``Host``."""
    base_url = connection.app.state.host.settings.base_url
    if base_url:
        return _web_origin(base_url)
    host = connection.headers.get("host", "")
    if not host or any(ch in host for ch in "/\\@?# "):
        return None
    scheme = connection.scope.get("scheme", "ws")
    return _web_origin(f"{_PAGE_SCHEMES.get(scheme, scheme)}://{host}")


def _same_origin(connection: HTTPConnection) -> bool:
    """A WebSocket handshake's ``Origin`` is this site: same scheme, host and port."""
    origin = connection.headers.get("origin")
    if origin is None:
        return False
    theirs = _web_origin(origin)
    return theirs is not None and theirs == _site_origin(connection)


async def csrf_protect(connection: HTTPConnection) -> None:
    """App-wide dependency: refuse a forgeable unsafe request without the CSRF token, and a
    cookie-carrying WebSocket handshake from another site's page.

    A handshake is a GET no token rides on, and browsers attach the site's cookies to it from
    any page (cross-site WebSocket hijacking): with the login cookie, its ``Origin`` must be
    this site (scheme, host and port; see ``_site_origin``). Without the cookie it acts as nobody (tokens and keys are not sent by browsers
    on their own), so other clients need no ``Origin``."""
    if connection.scope["type"] == "websocket":
        if AUTH_COOKIE in connection.cookies and not _same_origin(connection):
            raise WebSocketException(
                code=status.WS_1008_POLICY_VIOLATION, reason="cross-site WebSocket refused"
            )
        return
    request = cast(Request, connection)  # FastAPI hands an HTTP request's dependency the Request
    if not needs_csrf(request):
        return
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            presented = value if isinstance(value, str) else None
    host = request.app.state.host
    cookie = request.cookies.get(csrf_cookie_name(host.settings.production))
    if not csrf_matches(host.secret, cookie, presented, request.cookies.get(AUTH_COOKIE)):
        raise Forbidden("Missing or invalid CSRF token. Reload the page and try again.", code="csrf_failed")
