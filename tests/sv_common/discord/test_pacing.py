"""Our pacing on top of discord.py's: bounded concurrency and spacing between call starts."""

import asyncio
import time

import pytest

from sv_common.discord.pacing import Pacer


async def test_concurrency_is_bounded():
    pacer = Pacer(concurrency=2)
    running, peak = 0, 0

    async def call():
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1
        return "done"

    results = await asyncio.gather(*(pacer.run(call) for _ in range(8)))
    assert results == ["done"] * 8 and peak == 2 and pacer.calls == 8


async def test_calls_are_spaced():
    pacer = Pacer(concurrency=4, min_interval=0.05)
    starts: list[float] = []

    async def call():
        starts.append(time.monotonic())

    await asyncio.gather(*(pacer.run(call) for _ in range(4)))
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.045


def test_concurrency_must_be_positive():
    with pytest.raises(ValueError):
        Pacer(concurrency=0)
