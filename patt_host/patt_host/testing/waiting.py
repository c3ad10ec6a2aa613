"""The shared way for tests to wait for a condition (never a fixed sleep), and a clock to advance."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def eventually(check: Callable[[], Any | Awaitable[Any]], timeout: float = 10.0) -> Any:  # noqa: ASYNC109
    """Poll ``check`` (sync or async) until it returns something truthy; return that.

    Raises ``TimeoutError`` after ``timeout`` seconds. Prefer an event or condition the
    code under test exposes; use this where the only signal is state (a row, a status).
    """
    async with asyncio.timeout(timeout):
        while True:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            await asyncio.sleep(0.02)


class ManualClock:
    """A monotonic clock a test advances by hand: hand it to code that takes a ``clock``
    callable (the health endpoint's result cache) instead of sleeping past a deadline."""

    def __init__(self, start: float | None = None):
        # From the real monotonic time by default, so stamps taken before the swap compare sanely.
        self.now = time.monotonic() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock never goes back")
        self.now += seconds
