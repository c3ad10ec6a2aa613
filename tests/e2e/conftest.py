"""Browser tests: Debian's chromium driven by Playwright against a live server on loopback."""

import os
import shutil

import pytest

from patt_host.testing.live import LiveServer

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("browser tests need Debian's chromium (apt-get install chromium) or CHROMIUM_PATH")
    return path


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        await instance.close()


@pytest.fixture
async def live_server(make_host):
    """``live_server(host=None, **make_host_kwargs)`` -> LiveServer (stopped after the test)."""
    servers = []

    def start(host=None, **kwargs):
        server = LiveServer(host or make_host(**kwargs)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
async def page(browser, tmp_path):
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    await context.close()
