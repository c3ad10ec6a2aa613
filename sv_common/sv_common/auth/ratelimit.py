"""Rate limits for login, registration, invite redemption and anything else worth throttling.

``RateLimiter.hit(key, limit=, window_seconds=)`` records one attempt and raises
``RateLimited(retry_after=seconds)`` once ``limit`` attempts fall inside the last
``window_seconds``. Both back ends use a *sliding window log*: each allowed attempt is a
timestamp, and a key is over its limit while ``limit`` timestamps are younger than the
window. ``retry_after`` is exactly the time until the oldest of them leaves the window.
Refused attempts are not recorded, so each key holds at most ``limit`` entries and a
caller who waits ``retry_after`` seconds is let in.

- **Redis** (a ``redis.asyncio`` client given): one Lua script per hit on a sorted set
  ``patt:rl:<key>`` (prune, count, add, PEXPIRE). Scripts run atomically, so counters are
  exact across every web, worker and bot process. The script reads Redis' own clock
  (``TIME``) so processes with skewed clocks agree. If Redis cannot be reached the limiter
  falls back to the in-process store (logged) rather than failing open or locking
  everybody out. After a failure the fallback is used at once for a few seconds (no
  second socket timeout per request), then Redis is tried again.
- **In-process** (no client): a dict of deques guarded by a lock. Each hit prunes its key;
  a periodic sweep drops idle keys and ``max_keys`` caps memory (least recently hit keys go
  first), so a flood of distinct keys cannot grow it without bound.

``FailureBackoff`` is the other tool: it counts *failures* only (e.g. per username and
client IP) and, after a few free ones, makes that key wait a delay that doubles with every
further failure. Nobody else is locked out by it: a key is one attacker's view of one
account, so the real user (another IP) is never refused because of someone else's guesses.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from sv_common.errors import RateLimited

log = logging.getLogger(__name__)


def redis_errors() -> tuple[type[Exception], ...]:
    """Redis' "cannot reach it" errors. Imported on first use: a site without ``REDIS_URL``
    never loads the redis package (start-up budget), and one with it has loaded it already."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError)

KEY_PREFIX = "patt:rl:"

# The sliding window log on a sorted set, shared with the Blizzard pacer (sv_common.blizzard.pacing).
# KEYS[1] = the set; ARGV = limit, window ms, hold ms, member. An allowed entry is scored
# now + hold: it counts against the limit until one window after that. The limiter holds
# nothing (0); the pacer holds a slot while its request is in flight and rescores it on release.
# Returns 0 when allowed, else the milliseconds until the oldest entry leaves the window.
SLIDING_WINDOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, hold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window + hold)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = tonumber(oldest[2]) + window - now
if retry < 1 then retry = 1 end
return retry
"""


# Returns the milliseconds the key must still wait (0 = go ahead); ARGV[1] == "fail" also
# records a failure. The delay after n failures (n > free) is base * 2^(n - free - 1), capped.
_BACKOFF_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free, base, cap, forget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 't') or '0')
if ARGV[1] == 'fail' then
  n = n + 1
  last = now
  redis.call('HSET', KEYS[1], 'n', n, 't', now)
  redis.call('PEXPIRE', KEYS[1], forget)
end
if n <= free then return 0 end
local delay = math.min(cap, base * math.pow(2, n - free - 1))
local wait = last + delay - now
if wait < 0 then return 0 end
return wait
"""


class _Outage:
    """Remembers, per Redis client, that it just failed: for ``COOL_DOWN`` seconds every limiter
    on that client counts in-process at once instead of waiting out another socket timeout."""

    COOL_DOWN = 5.0
    _down_until: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    @classmethod
    def skip(cls, redis: Any) -> bool:
        return time.monotonic() < cls._down_until.get(redis, 0.0)

    @classmethod
    def failed(cls, redis: Any) -> None:
        cls._down_until[redis] = time.monotonic() + cls.COOL_DOWN


def _refuse(retry_after: float) -> RateLimited:
    seconds = max(1, math.ceil(retry_after))
    unit = "second" if seconds == 1 else "seconds"
    return RateLimited(f"Too many attempts. Try again in {seconds} {unit}.", retry_after=retry_after)


class InMemoryWindows:
    """Sliding-window logs for one process. Thread-safe; every operation is O(limit) or better."""

    SWEEP_EVERY = 1000  # hits between sweeps of idle keys

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._max_keys = max_keys
        # key -> (window seconds, timestamps of allowed hits, oldest first); LRU order.
        self._logs: OrderedDict[str, tuple[float, deque[float]]] = OrderedDict()
        self._lock = threading.Lock()
        self._hits_since_sweep = 0

    def __len__(self) -> int:
        return len(self._logs)

    def hit(self, key: str, limit: int, window: float) -> float:
        """Record a hit; return 0.0 if allowed, else the seconds until one would be."""
        with self._lock:
            now = self._clock()
            entry = self._logs.get(key)
            stamps = entry[1] if entry else deque()
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if len(stamps) >= limit:
                return stamps[0] + window - now
            stamps.append(now)
            self._logs[key] = (window, stamps)
            self._logs.move_to_end(key)
            self._hits_since_sweep += 1
            if self._hits_since_sweep >= self.SWEEP_EVERY or len(self._logs) > self._max_keys:
                self._sweep(now)
            return 0.0

    def reset(self, key: str) -> None:
        with self._lock:
            self._logs.pop(key, None)

    def _sweep(self, now: float) -> None:
        self._hits_since_sweep = 0
        idle = [key for key, (window, hits) in self._logs.items() if not hits or hits[-1] <= now - window]
        for key in idle:
            del self._logs[key]
        while len(self._logs) > self._max_keys:
            self._logs.popitem(last=False)


class RateLimiter:
    """Counts attempts per key; Redis-backed (shared, atomic) when given a client, else in-process."""

    def __init__(
        self, redis: Any = None, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ):
        self.redis = redis
        self._memory = InMemoryWindows(clock=clock, max_keys=max_keys)
        self._script = redis.register_script(SLIDING_WINDOW_LUA) if redis is not None else None

    @property
    def shared(self) -> bool:
        """True when limits are shared by every process (Redis)."""
        return self._script is not None

    async def hit(self, key: str, *, limit: int, window_seconds: float) -> None:
        """Count one attempt under ``key``; raise RateLimited(retry_after=...) when over ``limit``."""
        if not key:
            raise ValueError("A rate limit key is required")
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit must be >= 1 and window_seconds > 0")
        retry_after = await self._hit(key, limit, float(window_seconds))
        if retry_after > 0:
            raise _refuse(retry_after)

    async def reset(self, key: str) -> None:
        """Forget every attempt under ``key`` (e.g. after a successful login)."""
        self._memory.reset(key)
        if self.redis is not None and not _Outage.skip(self.redis):
            try:
                await self.redis.delete(KEY_PREFIX + key)
            except redis_errors():
                _Outage.failed(self.redis)
                log.warning("rate limit reset of %r skipped: Redis unreachable", key)

    async def _hit(self, key: str, limit: int, window: float) -> float:
        if self._script is not None and not _Outage.skip(self.redis):
            try:
                window_ms = max(1, math.ceil(window * 1000))
                member = secrets.token_hex(8)  # distinct members for hits in the same millisecond
                retry_ms = await self._script(keys=[KEY_PREFIX + key], args=[limit, window_ms, 0, member])
                return int(retry_ms) / 1000
            except redis_errors():
                _Outage.failed(self.redis)
                log.warning("rate limit for %r counted in-process: Redis unreachable", key)
        return self._memory.hit(key, limit, window)


def backoff_delay(failures: int, *, free: int, base: float, cap: float) -> float:
    """Seconds to wait after ``failures`` failures: 0 for the first ``free``, then doubling."""
    if failures <= free:
        return 0.0
    return min(cap, base * 2 ** min(failures - free - 1, 62))


class FailureBackoff:
    """A growing delay per key after repeated failures (see the module docstring).

    ``check(key)`` raises RateLimited while the key must wait; ``failed(key)`` records a
    failure (and raises too, when the next attempt must wait); ``reset(key)`` forgets it.
    Failures are forgotten ``forget_seconds`` after the last one. Shared through Redis
    when a client is given, with the same in-process fallback as ``RateLimiter``.
    """

    def __init__(
        self,
        redis: Any = None,
        *,
        free: int = 3,
        base_seconds: float = 1.0,
        max_seconds: float = 900.0,
        forget_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ):
        self.redis = redis
        self.free, self.base, self.cap, self.forget = free, base_seconds, max_seconds, forget_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._memory: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._script = redis.register_script(_BACKOFF_LUA) if redis is not None else None

    async def check(self, key: str) -> None:
        """Raise RateLimited while ``key`` must still wait after its failures."""
        wait = await self._run(key, fail=False)
        if wait > 0:
            raise _refuse(wait)

    async def failed(self, key: str) -> float:
        """Record one failure; return the seconds the key must now wait before trying again."""
        return await self._run(key, fail=True)

    async def reset(self, key: str) -> None:
        with self._lock:
            self._memory.pop(key, None)
        if self.redis is not None and not _Outage.skip(self.redis):
            try:
                await self.redis.delete(KEY_PREFIX + "backoff:" + key)
            except redis_errors():
                _Outage.failed(self.redis)
                log.warning("backoff reset of %r skipped: Redis unreachable", key)

    async def _run(self, key: str, *, fail: bool) -> float:
        if self._script is not None and not _Outage.skip(self.redis):
            try:
                args = [
                    "fail" if fail else "check",
                    self.free,
                    math.ceil(self.base * 1000),
                    math.ceil(self.cap * 1000),
                    math.ceil(self.forget * 1000),
                ]
                return int(await self._script(keys=[KEY_PREFIX + "backoff:" + key], args=args)) / 1000
            except redis_errors():
                _Outage.failed(self.redis)
                log.warning("backoff for %r counted in-process: Redis unreachable", key)
        return self._memory_run(key, fail)

    def _memory_run(self, key: str, fail: bool) -> float:
        with self._lock:
            now = self._clock()
            count, last = self._memory.get(key, (0, now))
            if count and now - last > self.forget:
                count = 0
            if fail:
                count, last = count + 1, now
                self._memory[key] = (count, last)
                self._memory.move_to_end(key)
                while len(self._memory) > self._max_keys:
                    self._memory.popitem(last=False)
            delay = backoff_delay(count, free=self.free, base=self.base, cap=self.cap)
            return max(0.0, last + delay - now)
