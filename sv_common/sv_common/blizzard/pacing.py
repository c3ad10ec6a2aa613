"""One request budget for the whole deployment: ≤ N requests per second and per hour.

Built on :class:`sv_common.auth.ratelimit.RateLimiter` (sliding-window logs): with a Redis
client the counters are shared by every process (two workers together stay under the
limit); without one they are shared by every client in this process. A caller over the
budget *waits* for the next free slot instead of failing.

The per-second window is slightly longer than a second (``second_window``) so that
requests sent one window apart cannot arrive at Blizzard inside one second because of
network jitter.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from sv_common.auth.ratelimit import RateLimiter
from sv_common.errors import RateLimited

_PROCESS_LIMITER = RateLimiter()  # shared by every pacer of this process when there is no Redis


class RequestPacer:
    """``await pacer.acquire()`` before every request; returns once the request may go."""

    def __init__(
        self,
        *,
        key: str,
        per_second: int,
        per_hour: int,
        redis: Any = None,
        second_window: float = 1.1,
        limiter: RateLimiter | None = None,
    ):
        self.key = key
        self.per_second = per_second
        self.per_hour = per_hour
        self.second_window = second_window
        self.limiter = limiter or (RateLimiter(redis) if redis is not None else _PROCESS_LIMITER)
        self.waits = 0  # how often a caller had to wait for a slot

    @property
    def shared(self) -> bool:
        return self.limiter.shared

    async def acquire(self) -> None:
        while True:
            try:
                await self.limiter.hit(
                    f"{self.key}:s", limit=self.per_second, window_seconds=self.second_window
                )
            except RateLimited as exc:
                self.waits += 1
                # A little jitter spreads the herd that wakes when a window frees up.
                await asyncio.sleep(exc.retry_after + random.uniform(0, 0.005))
                continue
            try:
                await self.limiter.hit(f"{self.key}:h", limit=self.per_hour, window_seconds=3600)
            except RateLimited as exc:
                self.waits += 1
                await asyncio.sleep(min(exc.retry_after, 60.0))
                continue
            return

    async def reset(self) -> None:
        """Forget the budget's history (tests and benchmarks start from a clean slate)."""
        await self.limiter.reset(f"{self.key}:s")
        await self.limiter.reset(f"{self.key}:h")
