"""Per-route rate-limit buckets of the fake Discord, with real counters.

Each route template has its own bucket (its own ``X-RateLimit-Bucket`` hash), counted
separately per major parameter (channel, guild, webhook/interaction) as Discord does.
A bucket allows ``limit`` requests per ``window`` seconds; the next one gets a 429 with
``retry_after`` until the window resets. Defaults are generous so ordinary tests never
wait; :meth:`FakeDiscord.set_rate_limit` tightens one route, optionally with the
``shared`` scope (a limit on the resource, not on this bot).
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field

DEFAULT_LIMIT = 50  # Discord allows a bot 50 requests per second in all
DEFAULT_WINDOW = 1.0
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

    def set(self, method: str, path_regex: str, limit: int, window: float, scope: str) -> None:
        if scope not in ("user", "shared"):
            raise ValueError("scope is 'user' or 'shared'")
        self.rules.insert(0, RateLimitRule(method.upper(), re.compile(path_regex), limit, window, scope))

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
        now = time.monotonic()
        allowed = bucket.take(now)
        reset_after = max(0.0, bucket.reset_at - now)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(bucket.limit - bucket.used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha256(f"{method} {template}".encode()).hexdigest()[:16],
        }
        return Verdict(headers, None if allowed else reset_after, bucket.scope)
