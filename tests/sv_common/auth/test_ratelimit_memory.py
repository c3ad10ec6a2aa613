"""In-process rate limiter: sliding window, exact retry_after, atomicity, bounded memory."""

from __future__ import annotations

import asyncio
import threading

import pytest

from sv_common.auth.ratelimit import InMemoryWindows, RateLimiter
from sv_common.errors import RateLimited


class FakeClock:
    """A controllable monotonic clock (time is an input, not the code under test)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _outcome(limiter: RateLimiter, key: str, **kw) -> bool:
    try:
        await limiter.hit(key, **kw)
    except RateLimited:
        return False
    return True


async def test_allows_up_to_limit_then_refuses_with_retry_after():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert not limiter.shared
    for _ in range(3):
        await limiter.hit("login:1.2.3.4", limit=3, window_seconds=60)
    clock.now += 15
    with pytest.raises(RateLimited) as info:
        await limiter.hit("login:1.2.3.4", limit=3, window_seconds=60)
    assert info.value.retry_after == pytest.approx(45)
    assert info.value.status == 429
    assert "45 seconds" in info.value.message


async def test_window_slides_one_slot_at_a_time():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for offset in (0, 5, 9):  # hits at t=0, 5, 9
        clock.now = 1000 + offset
        await limiter.hit("k", limit=3, window_seconds=10)
    clock.now = 1009.5
    with pytest.raises(RateLimited) as info:
        await limiter.hit("k", limit=3, window_seconds=10)
    assert info.value.retry_after == pytest.approx(0.5)
    clock.now = 1010.0  # the t=0 hit has left the window
    await limiter.hit("k", limit=3, window_seconds=10)
    with pytest.raises(RateLimited) as info:
        await limiter.hit("k", limit=3, window_seconds=10)
    assert info.value.retry_after == pytest.approx(5)  # next to leave: the t=5 hit


async def test_refused_hits_do_not_extend_the_lockout():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await limiter.hit("k", limit=1, window_seconds=10)
    for step in range(9):
        clock.now = 1000 + step + 0.5
        assert not await _outcome(limiter, "k", limit=1, window_seconds=10)
    clock.now = 1010
    assert await _outcome(limiter, "k", limit=1, window_seconds=10)


async def test_keys_are_independent_and_reset_forgets():
    limiter = RateLimiter(clock=FakeClock())
    await limiter.hit("a", limit=1, window_seconds=60)
    await limiter.hit("b", limit=1, window_seconds=60)
    assert not await _outcome(limiter, "a", limit=1, window_seconds=60)
    await limiter.reset("a")
    assert await _outcome(limiter, "a", limit=1, window_seconds=60)
    assert not await _outcome(limiter, "b", limit=1, window_seconds=60)


async def test_twenty_concurrent_hits_with_limit_ten_allow_exactly_ten():
    limiter = RateLimiter()
    results = await asyncio.gather(
        *(_outcome(limiter, "burst", limit=10, window_seconds=60) for _ in range(20))
    )
    assert results.count(True) == 10


def test_threads_hitting_one_key_are_counted_exactly():
    windows = InMemoryWindows()
    barrier = threading.Barrier(20)
    allowed = []

    def worker():
        barrier.wait()
        allowed.append(windows.hit("shared", 10, 60.0) == 0.0)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 10


async def test_idle_keys_are_pruned():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, max_keys=10)
    for n in range(10):
        await limiter.hit(f"ip:{n}", limit=5, window_seconds=1)
    clock.now += 5  # every key is now idle
    await limiter.hit("fresh", limit=5, window_seconds=1)  # over max_keys -> sweep
    assert len(limiter._memory) == 1


async def test_periodic_sweep_runs_without_pressure():
    clock = FakeClock()
    windows = InMemoryWindows(clock=clock)
    for n in range(50):
        windows.hit(f"old:{n}", 5, 1.0)
    clock.now += 5
    for _ in range(InMemoryWindows.SWEEP_EVERY):
        windows.hit("busy", 10**6, 1.0)
    assert len(windows) == 1


async def test_memory_is_capped_evicting_least_recently_hit():
    limiter = RateLimiter(clock=FakeClock(), max_keys=10)
    for n in range(15):
        await limiter.hit(f"ip:{n}", limit=1, window_seconds=3600)
    assert len(limiter._memory) == 10
    # The newest keys are still limited; the oldest were forgotten to bound memory.
    assert not await _outcome(limiter, "ip:14", limit=1, window_seconds=3600)
    assert await _outcome(limiter, "ip:0", limit=1, window_seconds=3600)


async def test_bad_arguments_are_programming_errors():
    limiter = RateLimiter()
    with pytest.raises(ValueError):
        await limiter.hit("", limit=1, window_seconds=1)
    with pytest.raises(ValueError):
        await limiter.hit("k", limit=0, window_seconds=1)
    with pytest.raises(ValueError):
        await limiter.hit("k", limit=1, window_seconds=0)
