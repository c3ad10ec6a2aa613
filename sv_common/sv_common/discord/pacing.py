"""Our own pacing on top of discord.py's rate-limit handling.

discord.py already waits out per-route buckets, 429 ``retry_after`` and the global
limit. Bulk work (hundreds of role changes, a burst of DMs) is additionally paced so it
never hammers one bucket: at most ``concurrency`` calls in flight and at least
``min_interval`` seconds between two call starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class Pacer:
    def __init__(self, *, concurrency: int = 1, min_interval: float = 0.0):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._slots = asyncio.Semaphore(concurrency)
        self._spacing = asyncio.Lock()
        self._min_interval = max(0.0, min_interval)
        self._last_start: float | None = None
        self.calls = 0

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call()`` when a slot is free and the interval since the last start has passed."""
        async with self._slots:
            async with self._spacing:
                loop = asyncio.get_running_loop()
                if self._last_start is not None and self._min_interval:
                    wait = self._last_start + self._min_interval - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                self._last_start = loop.time()
                self.calls += 1
            return await call()
