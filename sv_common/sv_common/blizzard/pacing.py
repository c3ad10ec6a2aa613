"""One request budget for the whole deployment: ≤ N requests per second and per hour.

**Per second**, a request holds a slot from the moment it is allowed until one window
(``second_window``, a hair over a second) after its *response* arrived. Whenever it
reaches Blizzard, that moment lies between the two, so any second at Blizzard's end can
only see requests that held a slot together: never more than ``per_second`` — however
late a busy process actually sends, and whatever the latency. The cost is that a slot is
held for latency + one second, so the peak rate is ``per_second / (1 + latency)``.

Slots live in Redis when a client is given (a sorted set per key: the rate limiter's
sliding-window script with a hold to acquire, one more script to release; Redis' own clock), so every process of the deployment shares them; else
in this process, shared by every client of the same key. A slot of a crashed process
frees itself after ``hold_seconds``.

**Per hour** is a plain sliding-window count (:class:`sv_common.auth.ratelimit.RateLimiter`).
A caller over either budget *waits* for the next free slot instead of failing.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import threading
import time
from typing import Any

from sv_common.auth.ratelimit import SLIDING_WINDOW_LUA, RateLimiter, redis_errors
from sv_common.errors import RateLimited

log = logging.getLogger("sv_common.blizzard")

KEY_PREFIX = "patt:pace:"
MAX_POLL_SECONDS = 0.05  # how long a waiter sleeps while every slot is held by a request in flight

# Marks the request done: its slot now frees one window from now.
_RELEASE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 0
"""


class _LocalSlots:
    """The in-process slot sets: key -> {member: free-after score (monotonic seconds)}."""

    def __init__(self) -> None:
        self._sets: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, limit: int, window: float, hold: float, member: str) -> float:
        with self._lock:
            now = time.monotonic()
            slots = self._sets.setdefault(key, {})
            for stale in [m for m, score in slots.items() if score <= now - window]:
                del slots[stale]
            if len(slots) < limit:
                slots[member] = now + hold
                return 0.0
            return max(0.001, min(slots.values()) + window - now)

    def release(self, key: str, member: str) -> None:
        with self._lock:
            slots = self._sets.get(key)
            if slots is not None and member in slots:
                slots[member] = time.monotonic()


_PROCESS_SLOTS = _LocalSlots()
_PROCESS_LIMITER = RateLimiter()  # the hourly budget of this process when there is no Redis


class RequestPacer:
    """``token = await pacer.acquire()`` before a request, ``await pacer.release(token)`` after."""

    def __init__(
        self,
        *,
        key: str,
        per_second: int,
        per_hour: int,
        redis: Any = None,
        second_window: float = 1.02,
        hold_seconds: float = 120.0,
    ):
        self.key = key
        self.per_second = per_second
        self.per_hour = per_hour
        self.second_window = second_window
        self.hold_seconds = hold_seconds
        self.redis = redis
        self.hourly = RateLimiter(redis) if redis is not None else _PROCESS_LIMITER
        self._acquire_script = redis.register_script(SLIDING_WINDOW_LUA) if redis is not None else None
        self._release_script = redis.register_script(_RELEASE_LUA) if redis is not None else None
        self.waits = 0  # how often a caller had to wait for a slot

    @property
    def shared(self) -> bool:
        return self._acquire_script is not None

    async def _try(self, member: str) -> float:
        if self._acquire_script is not None:
            try:
                retry_ms = await self._acquire_script(
                    keys=[KEY_PREFIX + self.key],
                    args=[
                        self.per_second,
                        int(self.second_window * 1000),
                        int(self.hold_seconds * 1000),
                        member,
                    ],
                )
                return int(retry_ms) / 1000
            except redis_errors():
                log.warning("Blizzard pacing counted in-process: Redis unreachable")
        return _PROCESS_SLOTS.acquire(
            self.key, self.per_second, self.second_window, self.hold_seconds, member
        )

    async def acquire(self) -> str:
        """Wait for a per-second slot and an hourly one; returns the slot's token."""
        member = secrets.token_hex(8)
        while True:
            retry = await self._try(member)
            if retry > 0:
                self.waits += 1
                # Short naps while slots are held by requests in flight (they free on their
                # response), jitter so waiters do not wake as a herd.
                await asyncio.sleep(min(retry, MAX_POLL_SECONDS) + random.uniform(0, 0.002))
                continue
            try:
                await self.hourly.hit(f"{self.key}:h", limit=self.per_hour, window_seconds=3600)
            except RateLimited as exc:
                await self.release(member)
                self.waits += 1
                await asyncio.sleep(min(exc.retry_after, 60.0))
                continue
            return member

    async def release(self, token: str) -> None:
        """The request's response arrived: its slot frees one window from now."""
        if self._release_script is not None:
            try:
                await self._release_script(keys=[KEY_PREFIX + self.key], args=[token])
                return
            except redis_errors():
                log.warning("Blizzard pacing release kept in-process: Redis unreachable")
        _PROCESS_SLOTS.release(self.key, token)
