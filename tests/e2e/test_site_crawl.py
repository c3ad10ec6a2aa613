"""The assembled PATT site at phone and desktop sizes, as every kind of visitor.

The page routes are enumerated from the real app (GET routes outside the API, static
files and OpenAPI docs), so a page a later plugin adds is covered without touching this
test. Routes with path parameters are reached through the links the pages themselves
carry (every internal link is checked). Each route is loaded once per role and size in
one shared browser; screenshots of the main pages go to ``var/screenshots`` (ignored by git).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from patt_host.app import _walk_routes
from patt_host.testing import sign_in
from sv_common.auth.service import create_invite, register_with_invite
from sv_common.identity.models import GuildRank, Player

pytestmark = pytest.mark.e2e

SIZES = {"phone": (390, 844), "desktop": (1366, 900)}
NOT_PAGES = ("/api/", "/static/", "/docs", "/redoc", "/openapi.json")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENSHOT_PAGES = {
    "/": "home",
    "/roster": "roster",
    "/profile": "profile",
    "/admin/players": "player-manager",
    "/admin": "dashboard",
}
MEMBER_PASSWORD = "crawling every page 123"
# Member visits to officer pages end on the themed 403 page; that is the expected answer.
OFFICER_ONLY = ("/admin",)
# Findings of the issue checked where they were seen: (path, size) -> JS returning a problem or "".
PAGE_CHECKS = {
    ("/profile", "desktop"): """() => {
        const table = document.querySelector('#profile-availability table');
        const panel = document.querySelector('#profile-availability');
        if (!table) return '';
        return table.getBoundingClientRect().right > panel.getBoundingClientRect().right + 0.5
            ? 'the availability table spills out of its panel' : ''; }""",
    ("/profile", "phone"): """() => {
        const save = document.querySelector('#profile-availability button[type=submit]');
        if (!save) return '';
        return save.getBoundingClientRect().right > document.documentElement.clientWidth
            ? 'Save availability is off-screen' : ''; }""",
    ("/roster", "phone"): """() => {
        const box = document.querySelector('#roster-table').closest('.table-scroll');
        const role = [...document.querySelectorAll('#roster-table th')].find(th => th.textContent.trim() === 'Role');
        box.scrollLeft = role.offsetLeft;
        const r = role.getBoundingClientRect();
        return r.left >= 0 && r.right <= document.documentElement.clientWidth ? '' : 'the Role column cannot be reached'; }""",
    # The flags and the feedback under each season's name, on screen without sideways scrolling.
    ("/admin/seasons", "phone"): """() => {
        const width = document.documentElement.clientWidth;
        const off = [...document.querySelectorAll('#seasons-table .js-season-flag, #seasons-table [role=status]')]
          .filter((el) => { const r = el.getBoundingClientRect(); return r.left < 0 || r.right > width; });
        return off.length ? `${off.length} season flag(s) or feedback off-screen` : ''; }""",
}
# Checked on every page a logged-in visitor sees, at both sizes.
EVERY_PAGE_CHECK = """() => {
    const problems = [];
    // A checkbox on the line of its words, not centred above them.
    for (const label of document.querySelectorAll('label.checkbox')) {
      const box = label.querySelector('input[type=checkbox]');
      const words = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
      if (!box || !words || !box.getClientRects().length) continue;
      const range = document.createRange();
      range.selectNodeContents(words);
      const line = range.getClientRects()[0], b = box.getBoundingClientRect();
      if (line && !(line.top < b.bottom && line.bottom > b.top)) problems.push(`checkbox above "${words.textContent.trim()}"`);
    }
    // A short admin page starts under the folded menu (its rows do not stretch to the footer).
    const menu = document.querySelector('.admin-sidebar'), main = document.querySelector('.admin-main');
    if (menu && main) {
      const gap = main.getBoundingClientRect().top - menu.getBoundingClientRect().bottom;
      if (gap > 40) problems.push(`${Math.round(gap)} px between the admin menu and the page`);
    }
    return problems.join('; '); }"""


def page_routes(app) -> list[str]:
    """Every GET page of the app that takes no path parameter."""
    paths = set()
    for route in _walk_routes(app.router):
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if route.path.startswith(NOT_PAGES) or "{" in route.path:
            continue
        paths.add(route.path)
    return sorted(paths)


async def seed_site(host) -> tuple[str, str]:
    """Demo data through the plugins' own seeders, plus a registered plain member."""
    await host.open()
    async with host.db.session() as session:
        summary = (await host.hooks.seed_demo_data(session))["identity"]
    username, password = re.search(r"officer login: (\S+) / (\S+)$", summary).groups()
    async with host.db.session() as session:
        member_id = await session.scalar(
            select(Player.id)
            .join(GuildRank, GuildRank.id == Player.guild_rank_id)
            .where(GuildRank.level < host.officer_level, Player.website_user_id.is_(None))
            .order_by(Player.id)
            .limit(1)
        )
        code = (await create_invite(session, player_id=member_id)).code
        await register_with_invite(session, code=code, username="member", password=MEMBER_PASSWORD)
    await host.close()
    return username, password


async def logged_in_context(browser, server, size, credentials):
    width, height = SIZES[size]
    context = await browser.new_context(viewport={"width": width, "height": height})
    if credentials is not None:
        page = await sign_in(await context.new_page(), server, *credentials)
        await page.close()
    return context


def expected_status(role: str, path: str, status: int) -> bool:
    if role == "member" and path.startswith(OFFICER_ONLY):
        return status == 403
    # Officer-only pages outside /admin (e.g. /-/plugins) refuse others: a refusal, not a fault.
    if role != "officer" and status in (401, 403):
        return True
    return status < 400


async def visit(context, server, role, size, path, problems, links):
    page = await context.new_page()
    console = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console.append(f"uncaught: {exc}"))
    failed = []
    page.on(
        "response",
        lambda r: (
            failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    where = f"{role}@{size} {path}"
    response = await page.goto(server.url + path)
    await page.wait_for_load_state("load")
    if not expected_status(role, urlsplit(page.url).path, response.status):
        problems.append(f"{where}: HTTP {response.status}")
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if widths[0] > widths[1]:
        wide = await page.evaluate(
            """() => { const w = document.documentElement.clientWidth;
              return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)
                .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).join(', '); }"""
        )
        problems.append(f"{where}: page is {widths[0]}px wide in a {widths[1]}px window ({wide})")
    check = PAGE_CHECKS.get((path, size))
    if check and role != "anonymous" and (finding := await page.evaluate(check)):
        problems.append(f"{where}: {finding}")
    if role != "anonymous" and (finding := await page.evaluate(EVERY_PAGE_CHECK)):
        problems.append(f"{where}: {finding}")
    # A member's 403 page logs the document's status as a console error; that one is expected.
    errors = [
        text for text in console if not (response.status in (401, 403) and str(response.status) in text)
    ]
    if errors or failed:
        problems.append(f"{where}: console errors {errors} failed loads {failed}")
    hrefs = await page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    for href in (h for h in hrefs if not h.startswith("#")):  # in-page anchors (skip link)
        target = urljoin(page.url, href)
        parts = urlsplit(target)
        if parts.netloc == urlsplit(server.url).netloc and parts.scheme.startswith("http"):
            links.setdefault(parts.path + (f"?{parts.query}" if parts.query else ""), where)
    if role == "officer" and path in SCREENSHOT_PAGES:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{SCREENSHOT_PAGES[path]}-{size}.png"), full_page=True)
    await page.close()


async def test_every_page_fits_phones_and_desktops_for_every_role(make_host, live_server, browser):
    # The server's host lives on the server thread's event loop; seed with a host of our own.
    officer = await seed_site(make_host(site="patt"))
    server = live_server(make_host(site="patt"))
    paths = page_routes(server.server.config.app)
    assert {"/", "/roster", "/profile", "/admin", "/admin/players"} <= set(paths)

    problems: list[str] = []
    roles = {"anonymous": None, "member": ("member", MEMBER_PASSWORD), "officer": officer}
    for role, credentials in roles.items():
        for size in SIZES:
            context = await logged_in_context(browser, server, size, credentials)
            links: dict[str, str] = {}
            for path in paths:
                await visit(context, server, role, size, path, problems, links)
            # Every internal link the pages carry answers (checked once per role and size).
            for link, found_on in sorted(links.items()):
                answer = await context.request.get(server.url + link, max_redirects=5)
                if not expected_status(role, link, answer.status):
                    problems.append(f"{found_on}: link {link} answers {answer.status}")
            await context.close()
    assert problems == [], "\n".join(problems)
    for name in SCREENSHOT_PAGES.values():
        for size in SIZES:
            assert (SCREENSHOTS / f"{name}-{size}.png").stat().st_size > 10_000
