"""Browser tests: Debian's chromium driven by Playwright against a live server on loopback."""

import os
import shutil

import pytest

from patt_host.testing import LiveServer, create_member, sign_in

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
def blizzard_guild():
    """The browser tests' guild on the shared fake Battle.net (tests/conftest.py)."""
    return "e2e-realm", "e2e-guild"


@pytest.fixture
def blizzard_request_timeout():
    return 10.0  # the live server shares the machine with the browser


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
async def demo(make_host):
    """``(server, summaries)``: the demo as `patt demo` serves it (its seeders, its fake Discord,
    its fake Battle.net) on a live server; ``summaries`` are the seeders' lines (the logins)."""
    from patt_host.builtins.discord.demo import DemoDiscord

    seeder = make_host(site="patt", patt_demo=True)
    async with seeder.running():
        async with seeder.db.session() as session:
            summaries = await seeder.hooks.seed_demo_data(session)
    host = make_host(site="patt", patt_demo=True)
    DemoDiscord.configure(host)  # as `patt demo` does without a bot token
    server = LiveServer(host, start_services=True).start()
    yield server, summaries
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


@pytest.fixture
def member_login(db):
    """``await member_login(page, server, path, name=..., username=..., rank=...)``: makes the
    player with an account (the kit's ``create_member``), logs the page in through the login
    form and lands on ``path``; returns the player's id."""

    async def log_in(page, server, path: str, *, name: str, username: str, rank: str = "Member") -> int:
        member = await create_member(db, rank, name, username=username)
        await sign_in(page, server, member.username, member.password, path)
        return member.player_id

    return log_in


@pytest.fixture
def officer_login(member_login):
    """``await officer_login(page, server, path)``: the officer Olga (login ``olga``, rank
    Officer), logged in on ``path``."""

    async def log_in(page, server, path: str) -> None:
        await member_login(page, server, path, name="Olga", username="olga", rank="Officer")

    return log_in
