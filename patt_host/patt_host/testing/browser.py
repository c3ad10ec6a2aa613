"""Browser-test helpers for a Playwright page on a :class:`~patt_host.testing.LiveServer`.

They only call methods of the page they are given, so the kit imports without Playwright;
a plugin's browser tests bring it (and a chromium) themselves. See docs/plugins/testing.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


async def sign_in(page: Any, server: Any, username: str, password: str, next: str = "/") -> Any:
    """Log ``page`` in through the site's login form and wait until it lands on ``next``.

    The wait is on the exact URL: a pattern such as ``**/crafting`` already matches
    ``/login?next=/crafting``, so it would not wait for the redirect. Returns ``page``.
    """
    await page.goto(f"{server.url}/login?next={quote(next, safe='/')}")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("form.stack button[type=submit]")
    await page.wait_for_url(f"{server.url}{next}")
    return page


async def no_horizontal_overflow(page: Any) -> bool:
    """True when the page does not scroll sideways (nothing wider than the viewport)."""
    return await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
