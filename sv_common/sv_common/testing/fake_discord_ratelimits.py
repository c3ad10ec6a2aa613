"""Rate limits of the fake Discord, with real counters (docs: topics/rate-limits).

* Per route: each route template has its own bucket (its own ``X-RateLimit-Bucket``
  hash), counted separately per major parameter (channel, guild, webhook/interaction) as
  Discord does. A bucket allows ``limit`` requests per ``window`` seconds; the next one
  gets a 429 with ``retry_after`` until the window resets. Defaults are generous so
  ordinary tests never wait; :meth:`FakeDiscord.set_rate_limit` tightens one route, also
  a bucket already in use, optionally with the ``shared`` scope (a limit on the resource,
  not on this bot).
* Global: 50 requests per second per bot token (per IP without one), whatever the
  route; interaction callbacks and follow-ups are exempt. A 429 with ``global: true``.
* Invalid requests: 10,000 responses of 401, 403 or 429 (not a ``shared`` 429) in 10
  minutes get the IP restricted for a while: every request then meets Cloudflare's ban.
  The threshold and the ban's length are attributes so tests can reach them quickly.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import deque
from dataclasses import dataclass, field

DEFAULT_LIMIT = 50  # per route and major parameter
DEFAULT_WINDOW = 1.0
GLOBAL_LIMIT = 50  # requests per second per bot, all routes together
GLOBAL_WINDOW = 1.0
INVALID_LIMIT = 10_000  # invalid requests (401, 403, 429) ...
INVALID_WINDOW = 600.0  # ... per 10 minutes before a temporary ban
INVALID_BAN = 3600.0  # Discord says "temporarily"; an hour is what bots report
MAJOR_PARAMS = ("cid", "gid", "app", "iid", "token")


@dataclass
class RateLimitRule:
    method: str
    pattern: re.Pattern
    limit: int
    window: float
    scope: str  # "user" or "shared"


@dataclass
class Bucket:
    limit: int
    window: float
    scope: str
    used: int = 0
    reset_at: float = field(default_factory=lambda: 0.0)

    def take(self, now: float) -> bool:
        """Count one request; False when the bucket is exhausted."""
        if now >= self.reset_at:
            self.used, self.reset_at = 0, now + self.window
        if self.used >= self.limit:
            return False
        self.used += 1
        return True


@dataclass
class Verdict:
    """Headers for the response, and ``retry_after`` when the request is refused."""

    headers: dict[str, str]
    retry_after: float | None
    scope: str


class RateLimiter:
    def __init__(self) -> None:
        self.rules: list[RateLimitRule] = []
        self.buckets: dict[tuple[str, str, tuple], Bucket] = {}
        self.global_limit, self.global_window = GLOBAL_LIMIT, GLOBAL_WINDOW
        self.global_buckets: dict[str, Bucket] = {}
        self.invalid_limit, self.invalid_window, self.ban_seconds = INVALID_LIMIT, INVALID_WINDOW, INVALID_BAN
        self.invalid: deque[float] = deque()
        self.banned_until = 0.0

    def set(self, method: str, path_regex: str, limit: int, window: float, scope: str) -> None:
        if scope not in ("user", "shared"):
            raise ValueError("scope is 'user' or 'shared'")
        self.rules.insert(0, RateLimitRule(method.upper(), re.compile(path_regex), limit, window, scope))

    def check_global(self, who: str) -> float | None:
        """Count one request against the bot's global limit; the wait when it is exhausted."""
        bucket = self.global_buckets.get(who)
        if bucket is None or (bucket.limit, bucket.window) != (self.global_limit, self.global_window):
            bucket = self.global_buckets[who] = Bucket(self.global_limit, self.global_window, "global")
        now = time.monotonic()
        return None if bucket.take(now) else max(0.001, bucket.reset_at - now)

    def check(self, method: str, path: str, template: str, params: dict[str, str]) -> Verdict:
        rule = next((r for r in self.rules if r.method == method and r.pattern.fullmatch(path)), None)
        limit, window, scope = (
            (rule.limit, rule.window, rule.scope) if rule else (DEFAULT_LIMIT, DEFAULT_WINDOW, "user")
        )
        major = tuple(params.get(p) for p in MAJOR_PARAMS)
        key = (method, template, major)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(limit, window, scope)
        elif (bucket.limit, bucket.window, bucket.scope) != (limit, window, scope):
            # A limit set on a bucket already in use applies from the next request on;
            # what was used in the current window still counts.
            bucket.limit, bucket.scope = limit, scope
            bucket.reset_at = min(bucket.reset_at, time.monotonic() + window)
            bucket.window = window
        now = time.monotonic()
        allowed = bucket.take(now)
        reset_after = max(0.0, bucket.reset_at - now)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(0, bucket.limit - bucket.used)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha256(f"{method} {template}".encode()).hexdigest()[:16],
        }
        return Verdict(headers, None if allowed else reset_after, bucket.scope)

    # -- invalid requests ----------------------------------------------------------------

    def banned(self) -> float | None:
        """Seconds the IP stays restricted, or None."""
        left = self.banned_until - time.monotonic()
        return left if left > 0 else None

    def note_response(self, status: int, scope: str | None) -> None:
        """Count an invalid request (401, 403, or a 429 not of the shared scope)."""
        if status not in (401, 403, 429) or (status == 429 and scope == "shared") or self.banned():
            return
        now = time.monotonic()
        self.invalid.append(now)
        while self.invalid and self.invalid[0] <= now - self.invalid_window:
            self.invalid.popleft()
        if len(self.invalid) >= self.invalid_limit:
            self.banned_until = now + self.ban_seconds
            self.invalid.clear()

    def lift_ban(self) -> None:
        self.banned_until = 0.0
        self.invalid.clear()
