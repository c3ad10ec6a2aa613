"""What a newcomer tripped over in the demo (issue 23), at 390 and 1366 px in Chromium.

One demo site serves every check: seeded by the plugins' own demo hooks, with `patt demo`'s
fake Battle.net and fake Discord running in the server, as `python3 dev.py demo` runs it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from patt_host.builtins.discord.demo import DemoDiscord
from patt_host.testing import LiveServer, eventually, sign_in
from patt_voting.demo import CLOSED_TITLE, LIVE_TITLE
from patt_voting.models import Campaign
from patt_voting.services import campaigns
from sv_common.auth.service import create_invite, register_with_invite
from sv_common.identity.models import Player

pytestmark = pytest.mark.e2e

SIZES = {390: 844, 1366: 900}
PASSWORD = "a newcomer's password"
TABLE_PAGES = ("/admin/jobs", "/admin/ranks", "/admin/notifications", "/admin/discord/sent")

# Problems with the tables of a page: on a desktop none may be clipped (its scroll box
# shows all of it); on a phone a wide table must scroll inside its own box.
TABLES = """(desktop) => [...document.querySelectorAll('main table')].map((table) => {
    const box = table.closest('.table-scroll');
    const name = table.id || table.className;
    if (desktop) {
      if (box && box.scrollWidth > box.clientWidth + 1) return `${name}: ${box.scrollWidth} px in ${box.clientWidth}`;
      if (!box && table.getBoundingClientRect().right > table.parentElement.getBoundingClientRect().right + 1)
        return `${name} spills out of its panel`;
    } else if (!box && table.scrollWidth > table.parentElement.clientWidth + 1) {
      return `${name} is wider than the phone and not in a scroll box`;
    }
    return '';
  }).filter(Boolean)"""

# Where a flash message sits after an in-page jump, against the sticky header.
BANNER = """(selector) => {
    const banner = document.querySelector(selector);
    const header = document.querySelector('.site-header').getBoundingClientRect();
    const box = banner.getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, header: header.bottom, height: window.innerHeight};
  }"""

# The smallest label of the results chart as drawn: its font size times the SVG's scale.
CHART_LABEL_PX = """() => Math.min(...[...document.querySelectorAll('svg.vote-chart')].map((svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return Math.min(...[...svg.querySelectorAll('.vote-chart-label')].map(
      (t) => parseFloat(getComputedStyle(t).fontSize) * scale));
  }))"""


async def seed_demo(host) -> dict:
    """The demo data through the plugins' own seeders, and a fresh member per size."""
    async with host.running():
        async with host.db.session() as session:
            summaries = await host.hooks.seed_demo_data(session)
        async with host.db.session() as session:
            fresh = (
                await session.scalars(
                    select(Player).where(Player.website_user_id.is_(None)).order_by(Player.id.desc()).limit(2)
                )
            ).all()
            for player, width in zip(fresh, SIZES, strict=True):
                code = (await create_invite(session, player_id=player.id)).code
                await register_with_invite(session, code=code, username=f"newbie{width}", password=PASSWORD)
            draft_ids = {}
            for width in SIZES:
                draft = await campaigns.create_campaign(
                    session,
                    {
                        "title": f"Raid night snack ({width})",
                        "start_at": datetime(2030, 1, 1, tzinfo=UTC),
                        "duration_hours": 24,
                        "picks_per_voter": 1,
                        "min_rank_to_vote": 1,
                        "counting_method": "points",
                        "agent_enabled": False,
                    },
                    None,
                )
                await campaigns.add_entry(session, draft.id, {"name": "Cheese", "sort_order": 0})
                draft_ids[width] = draft.id
            ids = dict((await session.execute(select(Campaign.title, Campaign.id))).all())
    username, password = re.search(r"officer login: (\S+) / (\S+)$", summaries["identity"]).groups()
    invite = re.search(r"member login: register at /register with invite code (\S+) ", summaries["identity"])
    return {"officer": (username, password), "live": ids[LIVE_TITLE], "closed": ids[CLOSED_TITLE]} | {
        "drafts": draft_ids,
        "invite": invite.group(1),
    }


async def logged_in(browser, server, width, username, password):
    context = await browser.new_context(viewport={"width": width, "height": SIZES[width]})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    await sign_in(page, server, username, password)
    return context, page


def below_the_header(where: dict) -> bool:
    return where["top"] >= where["header"] - 0.5 and where["bottom"] <= where["height"]


@pytest.fixture
async def demo(make_host):
    seeded = await seed_demo(make_host(site="patt", patt_demo=True))
    host = make_host(site="patt", patt_demo=True)
    DemoDiscord.configure(host)  # as `patt demo` does without a bot token
    server = LiveServer(host, start_services=True).start()  # the bot and the scheduler, as in the demo
    yield server, seeded
    server.stop()


async def test_a_newcomer_and_the_officer_walk_the_demo_on_a_phone_and_a_desktop(demo, browser):
    server, seeded = demo
    for width in SIZES:
        await member_walk(browser, server, seeded, width)
        await officer_walk(browser, server, seeded, width)


async def test_the_member_the_demo_invites_has_the_live_vote_to_cast(demo, browser):
    """The member `patt demo` prints an invite for registers with it: the live campaign waits for
    their own first ballot (the seed had voted for them: "Your ballot is updated." on a first vote)."""
    server, seeded = demo
    context = await browser.new_context(viewport={"width": 390, "height": SIZES[390]})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await page.goto(f"{server.url}/register")
        await page.fill("input[name=code]", seeded["invite"])
        await page.fill("input[name=username]", "invitee")
        await page.fill("input[name=password]", PASSWORD)
        await page.fill("input[name=password2]", PASSWORD)
        await page.click("form[action='/register'] button[type=submit]")
        await page.wait_for_url("**/profile**")
        await page.goto(f"{server.url}/vote/{seeded['live']}")
        ballot = await page.text_content("#ballot")
        assert "Rank your favourites" in ballot and "Your ballot" not in ballot, ballot
        await page.locator(".vote-entry .vote-add").first.click()
        await page.click("form.js-ballot button[type=submit]")
        await page.wait_for_url("**saved=ballot**")  # a first ballot, not "changed"
        assert "Your ballot is saved." in await page.text_content("#ballot .flash-success")
        assert errors == []
    finally:
        await context.close()


async def member_walk(browser, server, seeded, width):
    # A fresh member votes in the demo's live campaign; the saved banner is not under the header.
    context, page = await logged_in(browser, server, width, f"newbie{width}", PASSWORD)
    try:
        await page.goto(f"{server.url}/vote/{seeded['live']}")
        assert "Rank your favourites" in await page.text_content("#ballot")
        await page.locator(".vote-entry .vote-add").first.click()
        await page.click("form.js-ballot button[type=submit]")
        await page.wait_for_url("**saved=ballot**")
        assert "Your ballot is saved." in await page.text_content("#ballot .flash-success")
        assert below_the_header(await page.evaluate(BANNER, "#ballot .flash-success"))
        assert "Leading:" in await page.text_content(".vote-winner")  # open: nobody has won yet
        # The closed campaign's chart labels stay readable.
        await page.goto(f"{server.url}/vote/{seeded['closed']}/results")
        assert "Winner:" in await page.text_content(".vote-winner")
        assert await page.evaluate(CHART_LABEL_PX) >= 11
        # Role cards read as words, not "14 / 1".
        await page.goto(f"{server.url}/roster")
        cards = await page.locator(".role-card").all_inner_texts()
        assert cards and all(re.search(r"\d+ mains?\b", c) and " / " not in c for c in cards), cards
        assert page.js_errors == []
    finally:
        await context.close()


async def officer_walk(browser, server, seeded, width):
    desktop = width > 760
    context, page = await logged_in(browser, server, width, *seeded["officer"])
    try:
        # Guild sync: the fake Battle.net is the configured source; last sync shown; no idle bar.
        await page.goto(f"{server.url}/admin/guild-sync")
        assert "The Blizzard sync is off" not in await page.text_content("main")
        assert "success" in await page.text_content("#gs-last-sync")
        assert await page.locator("#gs-progress").is_hidden()
        assert await page.locator(".js-sync").first.is_enabled()
        # Admin pages: content first on a phone, the sidebar on a desktop.
        heading, link = page.locator(".admin-main h1"), page.locator(".admin-sidebar a[href='/admin/jobs']")
        if desktop:
            assert await link.filter(visible=True).count() == 1
        else:
            assert await link.filter(visible=True).count() == 0  # folded into "Admin menu"
            assert (await heading.bounding_box())["y"] < SIZES[width] / 2  # on the first screen
            await page.click(".admin-menu summary")
            await link.filter(visible=True).click()
            await page.wait_for_url("**/admin/jobs")
        # Companion keys: the new key is listed at once, with a copy button that answers.
        await page.goto(f"{server.url}/admin/guild-sync")
        await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        await page.fill("#gs-key-name", f"laptop {width}")
        await page.click("#gs-key-form button[type=submit]")
        await page.locator(f"#gs-key-table tr:has-text('laptop {width}')").wait_for()
        assert "No keys yet." not in await page.text_content("#gs-key-table")
        instruction = page.locator("#gs-key-secret p code")
        assert await instruction.evaluate("(el) => el.getClientRects().length") == 1  # not split
        await page.click(".js-key-copy")
        await page.locator("#gs-key-copied:has-text('Copied.')").wait_for()
        key = await page.text_content("#gs-key-value")
        assert key and await page.evaluate("navigator.clipboard.readText()") == key
        # Jobs: no "not configured"; tables not clipped on a desktop, scrolling in a box on a phone.
        await page.goto(f"{server.url}/admin/jobs")
        assert "not configured" not in await page.text_content("#jobs-table")
        # The profession sync runs on its schedule, as the Crafting page's "Next sync" says
        # (the Jobs page called it manual while the Crafting page named a date).
        schedule = page.locator(
            "#jobs-table tr[data-job='crafting.sync_professions'] td[data-label=Schedule]"
        )
        assert (await schedule.text_content()).strip() not in ("", "manual")
        await eventually(lambda: server_sent_something(page, server), timeout=30)
        for path in TABLE_PAGES:
            await page.goto(server.url + path)
            assert await page.locator("main table").count(), path
            assert await page.evaluate(TABLES, desktop) == [], path
        # What the bot sent reads without sideways scrolling on a phone too: a message is the
        # page's content (its unwrapped lines ran a thousand pixels out of the scroll box).
        await page.goto(f"{server.url}/admin/discord/sent")
        rights = await page.eval_on_selector_all(
            "#sent-messages tbody td", "(cells) => cells.map((c) => c.getBoundingClientRect().right)"
        )
        assert rights and max(rights) <= width, (width, max(rights))
        # The outbox names people and channels, not bare Discord ids.
        await page.goto(f"{server.url}/admin/notifications")
        recipients = await page.locator("#outbox tbody td:nth-child(3)").all_inner_texts()
        assert recipients and not any(re.search(r"\d{17,}|\(player \d+\)", r) for r in recipients), recipients
        # Campaign admin: the banners after #entries and #status jumps are below the header.
        draft = seeded["drafts"][width]
        await page.goto(f"{server.url}/admin/campaigns/{draft}")
        await page.fill("form[action$='/entries'] input[name=name]", "Pretzels")
        await page.click("form[action$='/entries'] button[type=submit]")
        await page.wait_for_url("**#entries")
        assert below_the_header(await page.evaluate(BANNER, "#entries .flash-success"))
        await page.click("#status form[action$='/activate'] button")
        await page.wait_for_url("**#status")
        assert "The campaign is live." in await page.text_content("#status .flash-success")
        assert below_the_header(await page.evaluate(BANNER, "#status .flash-success"))
        assert page.js_errors == []
    finally:
        await context.close()


async def server_sent_something(page, server) -> bool:
    """The demo bot delivered its welcome post (the sent page has rows to check)."""
    answer = await page.context.request.get(f"{server.url}/admin/discord/sent")
    return "Welcome to the PATT demo!" in await answer.text()
