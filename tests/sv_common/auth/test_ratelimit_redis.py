"""Redis rate limiter against a real Redis: atomic, shared by clients, exact retry_after."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from sv_common.auth.ratelimit import KEY_PREFIX, RateLimiter
from sv_common.errors import RateLimited


async def _outcome(limiter: RateLimiter, key: str, **kw) -> bool:
    try:
        await limiter.hit(key, **kw)
    except RateLimited:
        return False
    return True


async def test_limit_then_refusal_with_prefixed_expiring_key(redis):
    limiter = RateLimiter(redis)
    assert limiter.shared
    for _ in range(3):
        await limiter.hit("login:ip:10.0.0.1", limit=3, window_seconds=60)
    with pytest.raises(RateLimited) as info:
        await limiter.hit("login:ip:10.0.0.1", limit=3, window_seconds=60)
    assert 59 < info.value.retry_after <= 60
    key = f"{KEY_PREFIX}login:ip:10.0.0.1"
    assert key.startswith("patt:rl:")
    assert await redis.zcard(key) == 3  # the refused hit was not recorded
    assert 0 < await redis.pttl(key) <= 60_000


async def test_twenty_concurrent_hits_with_limit_ten_allow_exactly_ten(redis_url):
    client = Redis.from_url(redis_url, max_connections=20)
    try:
        limiter = RateLimiter(client)
        results = await asyncio.gather(
            *(_outcome(limiter, "burst", limit=10, window_seconds=60) for _ in range(20))
        )
        assert results.count(True) == 10
    finally:
        await client.aclose()


async def test_counters_are_shared_between_clients(redis_url):
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        a, b = RateLimiter(first), RateLimiter(second)
        await a.hit("register:ip:1", limit=2, window_seconds=60)
        await b.hit("register:ip:1", limit=2, window_seconds=60)
        assert not await _outcome(a, "register:ip:1", limit=2, window_seconds=60)
        assert not await _outcome(b, "register:ip:1", limit=2, window_seconds=60)
    finally:
        await first.aclose()
        await second.aclose()


async def test_retry_after_is_when_the_oldest_hit_leaves_the_window(redis):
    limiter = RateLimiter(redis)
    await limiter.hit("slide", limit=2, window_seconds=1)
    started = time.monotonic()
    await asyncio.sleep(0.4)  # real time passing in Redis' own clock is what the window measures
    await limiter.hit("slide", limit=2, window_seconds=1)
    with pytest.raises(RateLimited) as info:
        await limiter.hit("slide", limit=2, window_seconds=1)
    elapsed = time.monotonic() - started
    assert info.value.retry_after == pytest.approx(1 - elapsed, abs=0.08)
    await asyncio.sleep(info.value.retry_after + 0.02)  # the promised wait itself is under test
    await limiter.hit("slide", limit=2, window_seconds=1)  # one slot freed, exactly as promised
    assert not await _outcome(limiter, "slide", limit=2, window_seconds=1)


async def test_reset_deletes_the_counter(redis):
    limiter = RateLimiter(redis)
    await limiter.hit("invite:ip:5", limit=1, window_seconds=60)
    assert not await _outcome(limiter, "invite:ip:5", limit=1, window_seconds=60)
    await limiter.reset("invite:ip:5")
    assert await redis.exists(f"{KEY_PREFIX}invite:ip:5") == 0
    assert await _outcome(limiter, "invite:ip:5", limit=1, window_seconds=60)


async def test_unreachable_redis_falls_back_to_in_process_limits():
    # Port 1 on loopback refuses connections: a real client facing a dead server.
    dead = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        limiter = RateLimiter(dead)
        await limiter.hit("login:ip:9", limit=2, window_seconds=60)
        await limiter.hit("login:ip:9", limit=2, window_seconds=60)
        with pytest.raises(RateLimited):
            await limiter.hit("login:ip:9", limit=2, window_seconds=60)
        await limiter.reset("login:ip:9")
        await limiter.hit("login:ip:9", limit=2, window_seconds=60)
    finally:
        await dead.aclose()
