"""FailureBackoff: free failures, then a doubling wait per key; Redis-shared or in-process."""

from __future__ import annotations

import pytest

from patt_host.testing.waiting import eventually
from sv_common.auth.ratelimit import FailureBackoff, backoff_delay
from sv_common.errors import RateLimited


def test_the_delay_doubles_after_the_free_failures_up_to_the_cap():
    delays = [backoff_delay(n, free=2, base=1.0, cap=10.0) for n in range(1, 8)]
    assert delays == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 10.0]
    assert backoff_delay(10_000, free=0, base=1.0, cap=900.0) == 900.0


async def test_in_process_backoff_with_a_controlled_clock():
    now = [1000.0]
    backoff = FailureBackoff(free=1, base_seconds=2.0, forget_seconds=60, clock=lambda: now[0])
    assert await backoff.failed("k") == 0.0
    await backoff.check("k")
    assert await backoff.failed("k") == 2.0
    with pytest.raises(RateLimited) as info:
        await backoff.check("k")
    assert info.value.retry_after == 2.0
    await backoff.check("other")  # keys are independent
    now[0] += 2.0
    await backoff.check("k")
    assert await backoff.failed("k") == 4.0
    now[0] += 61  # forgotten after a quiet hour (here: minute)
    await backoff.check("k")
    assert await backoff.failed("k") == 0.0
    await backoff.reset("k")
    assert await backoff.failed("k") == 0.0


async def test_redis_backoff_is_shared_and_waits_out(redis):
    first = FailureBackoff(redis, free=0, base_seconds=0.2)
    second = FailureBackoff(redis, free=0, base_seconds=0.2)  # another process
    wait = await first.failed("user-ip")
    assert 0.15 <= wait <= 0.2
    with pytest.raises(RateLimited):
        await second.check("user-ip")
    await eventually(lambda: _passes(second, "user-ip"), timeout=5)
    assert 0.35 <= await second.failed("user-ip") <= 0.4
    await first.reset("user-ip")
    await second.check("user-ip")


async def _passes(backoff: FailureBackoff, key: str) -> bool:
    try:
        await backoff.check(key)
    except RateLimited:
        return False
    return True
