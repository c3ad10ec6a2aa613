"""REST plumbing of the fake Discord: recording, failure injection, headers.

Responses copy the details discord.py's ``HTTPClient.request`` actually keys
on, so its real bucket and retry code runs:

* ``Content-Type`` must be exactly ``application/json`` (no charset), or
  ``json_or_text`` hands back a string instead of a dict;
* a 429 without a ``Via`` header is treated as a Cloudflare ban and raised
  instead of retried, so every response carries ``Via: 1.1 google`` (except the
  Cloudflare ban injected with ``fail_next(..., cloudflare=True)``);
* ``X-RateLimit-*`` headers come from real per-route counters
  (:mod:`.fake_discord_ratelimits`); discord.py waits pre-emptively when Remaining is 0.
"""

from __future__ import annotations

import json as _json
import math
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import fake_discord_interactions  # noqa: F401 - registers the interaction routes
from .fake_discord_ratelimits import Verdict
from .fake_discord_routes import ROUTES, ApiError, Ctx, Handler
from .fake_discord_state import InjectedFailure, RecordedRequest, error_body

if TYPE_CHECKING:
    from .fake_discord import FakeDiscord

API_PREFIX = re.compile(r"^/api/v\d+")


def _json_response(status: int, body: Any, headers: dict[str, str]) -> web.Response:
    if body is None and status == 204:
        return web.Response(status=204, headers=headers)
    headers = dict(headers, **{"Content-Type": "application/json"})
    return web.Response(status=status, body=_json.dumps(body).encode(), headers=headers)


async def _read_body(request: web.Request) -> tuple[Any, list[dict]]:
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        payload, files = None, []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = _json.loads(await part.text())
            else:
                data = await part.read()
                files.append(
                    {
                        "field": part.name,
                        "filename": part.filename,
                        "data": bytes(data),
                        "content_type": part.headers.get("Content-Type", "application/octet-stream"),
                    }
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return _json.loads(raw), []
    except ValueError:
        return raw.decode("utf-8", "replace"), []


def _bot_token(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[4:] if auth.startswith("Bot ") else None


def _find_route(method: str, path: str) -> tuple[Handler | None, str, dict[str, str], bool]:
    for m, pattern, template, fn, auth in ROUTES:
        if m == method:
            match = pattern.match(path)
            if match:
                return fn, template, match.groupdict(), auth
    return None, path, {}, True


def _rate_limited(retry_after: float, *, scope: str, is_global: bool = False) -> tuple[dict, dict]:
    """Body and headers of Discord's own 429 (it carries ``Via``, unlike Cloudflare's)."""
    body = {
        "message": "The resource is being rate limited."
        if scope == "shared"
        else "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": scope,
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return body, headers


CLOUDFLARE_BAN = (
    b"<!DOCTYPE html><html><head><title>Access denied | discord.com used Cloudflare</title></head></html>"
)


def _cloudflare_ban(retry_after: float) -> web.Response:
    """An IP ban by Cloudflare: HTML, no ``Via``, no rate-limit headers."""
    headers = {"Retry-After": str(max(1, math.ceil(retry_after))), "Content-Type": "text/html"}
    return web.Response(status=429, body=CLOUDFLARE_BAN, headers=headers)


def _failure_response(failure: InjectedFailure, verdict: Verdict) -> web.Response:
    if failure.cloudflare:
        return _cloudflare_ban(failure.retry_after)
    if failure.status == 429:
        body, headers = _rate_limited(
            failure.retry_after, scope="global" if failure.is_global else "user", is_global=failure.is_global
        )
        if not failure.is_global:
            headers.update(verdict.headers, **{"X-RateLimit-Remaining": "0"})
        body = failure.body or body
    else:
        body = failure.body or error_body(failure.status)
        headers = {"Via": "1.1 google", **verdict.headers}
    return _json_response(failure.status, body, headers)


async def _answer(fake: FakeDiscord, request: web.Request, rec: RecordedRequest) -> web.Response:
    limiter = fake.rate_limiter
    banned = limiter.banned()
    if banned is not None:  # too many invalid requests: the IP is restricted for a while
        return _cloudflare_ban(banned)
    fn, template, params, needs_auth = _find_route(rec.method, rec.path)
    token = _bot_token(request)
    # Interaction callbacks and follow-ups are not bound by the global limit.
    global_wait = limiter.check_global(token or request.remote or "ip") if needs_auth else None
    if global_wait is not None:
        body, headers = _rate_limited(global_wait, scope="global", is_global=True)
        return _json_response(429, body, headers)
    verdict = limiter.check(rec.method, rec.path, template, params)
    failure = fake._take_failure(rec.method, rec.path)
    if failure is not None and not failure.processed:
        return _failure_response(failure, verdict)
    headers = {"Via": "1.1 google", **verdict.headers}
    if needs_auth and not fake.token_ok(token):
        return _json_response(401, error_body(401), headers)
    if fn is None:
        return _json_response(404, error_body(404), headers)
    if verdict.retry_after is not None:
        body, limited = _rate_limited(verdict.retry_after, scope=verdict.scope)
        return _json_response(429, body, {**headers, **limited})
    ctx = Ctx(rec.method, rec.path, params, rec.query, rec.json, rec.files)
    try:
        status, out = await fn(fake, ctx)
    except ApiError as exc:
        status, out = exc.status, exc.body
    if failure is not None:  # processed: the work is done, the answer is lost
        return _failure_response(failure, verdict)
    return _json_response(status, out, headers)


async def handle(fake: FakeDiscord, request: web.Request) -> web.StreamResponse:
    """Single entry point so every call is recorded, rate limited and can be failed on demand."""
    path = API_PREFIX.sub("", request.path) or "/"
    body, files = await _read_body(request)
    rec = RecordedRequest(
        method=request.method,
        path=path,
        query=dict(request.query),
        json=body,
        headers=dict(request.headers),
        files=files,
    )
    fake.requests.append(rec)
    response = await _answer(fake, request, rec)
    rec.status_returned = response.status
    fake.rate_limiter.note_response(response.status, response.headers.get("X-RateLimit-Scope"))
    return response
