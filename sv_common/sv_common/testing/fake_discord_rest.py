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
from .fake_discord_state import RecordedRequest, error_body

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
        "message": "You are being rate limited.",
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


def _failure_response(fake: FakeDiscord, method: str, path: str, verdict: Verdict) -> web.Response | None:
    failure = fake._take_failure(method, path)
    if failure is None:
        return None
    if failure.cloudflare:  # an IP ban by Cloudflare: HTML, no Via, no rate-limit headers
        headers = {"Retry-After": str(max(1, math.ceil(failure.retry_after))), "Content-Type": "text/html"}
        return web.Response(status=429, body=CLOUDFLARE_BAN, headers=headers)
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


async def handle(fake: FakeDiscord, request: web.Request) -> web.StreamResponse:
    """Single entry point so every call is recorded and can be failed on demand."""
    method = request.method
    path = API_PREFIX.sub("", request.path) or "/"
    body, files = await _read_body(request)
    rec = RecordedRequest(
        method=method,
        path=path,
        query=dict(request.query),
        json=body,
        headers=dict(request.headers),
        files=files,
    )
    fake.requests.append(rec)
    fn, template, params, needs_auth = _find_route(method, path)
    verdict = fake.rate_limiter.check(method, path, template, params)

    response = _failure_response(fake, method, path, verdict)
    if response is None:
        headers = {"Via": "1.1 google", **verdict.headers}
        if needs_auth and not fake.token_ok(_bot_token(request)):
            response = _json_response(401, error_body(401), headers)
        elif fn is None:
            response = _json_response(404, error_body(404), headers)
        elif verdict.retry_after is not None:
            body, limited = _rate_limited(verdict.retry_after, scope=verdict.scope)
            response = _json_response(429, body, {**headers, **limited})
        else:
            ctx = Ctx(method, path, params, dict(request.query), body, files)
            try:
                status, out = await fn(fake, ctx)
            except ApiError as exc:
                status, out = exc.status, exc.body
            response = _json_response(status, out, headers)
    rec.status_returned = response.status
    return response
