"""The shared way for tests to wait for a condition (never a fixed sleep)."""

from __future__ import annotations

import asyncio
import inspect
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
