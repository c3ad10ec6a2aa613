"""Admin tables on a phone and a desktop: every table using the core ``table-cards`` class (jobs,
ranks, data quality's rules, the Player Manager's lists, note aliases, guild orders) is one card
per row at 390 px and a plain table at 1366 px; each row's buttons sit with its name and answer
beside themselves; ranks the officer may not change are shown locked with the reason; the
seasons page writes its dates as words, the same day in every timezone; at 800 and 1024 px (a
tablet, a small laptop) the demo's admin tables fit their boxes."""

import re

import pytest

from patt_host.testing import sign_in

pytestmark = pytest.mark.e2e
WIDTHS = [390, 1366]
OFFICER = {"X-Sample-User": "Olga:4"}


async def new_page(browser, width, **options):
    context = await browser.new_context(viewport={"width": width, "height": 844}, **options)
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


async def page_overflow(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


async def fits(table) -> bool:
    """No sideways scrolling inside the table's own box either."""
    return await table.evaluate("(t) => t.scrollWidth <= t.parentElement.clientWidth + 1")


def on_screen(box, width) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_job_runs_from_its_row_and_answers_beside_the_button(live_server, browser, width):
    server = live_server(plugins=["sample"])
    page = await new_page(browser, width, extra_http_headers=OFFICER)
    await page.goto(server.url + "/admin/jobs")
    assert await page_overflow(page) <= 0
    assert await fits(page.locator("#jobs-table")) and await fits(page.locator("#runs-table"))
    row = page.locator('#jobs-table tr[data-job="sample.count_items"]')
    name, button = row.locator("td").first, row.locator("button.js-run-job")
    name_box, button_box = await name.bounding_box(), await button.bounding_box()
    # The button is on the name's card (right under it on a phone), never a screen to the right.
    assert on_screen(button_box, width) and 0 <= button_box["y"] - name_box["y"] < 60, (name_box, button_box)

    await page.evaluate("window.notReloaded = true")
    await button.click()
    status = row.locator("[role=status]")
    await page.wait_for_function(
        "(el) => /^Run #\\d+ succeeded\\.$/.test(el.textContent)",
        arg=await status.element_handle(),
        timeout=15000,
    )
    # (measured again: the answer is scrolled into view, so the page may have moved)
    status_box, button_box = await status.bounding_box(), await button.bounding_box()
    assert on_screen(status_box, width) and abs(status_box["y"] - button_box["y"]) < 60, (
        button_box,
        status_box,
    )
    # The runs table shows the run without reloading the page (which would drop the answer).
    await page.locator("#runs-table td.mono:text('sample.count_items')").wait_for(timeout=10000)
    assert await page.evaluate("window.notReloaded") is True

    failing = page.locator('#jobs-table tr[data-job="sample.fail"]')
    await failing.locator("button").click()
    refusal = failing.locator("[role=status].error")
    await refusal.wait_for(timeout=15000)
    text = await refusal.inner_text()
    assert text.startswith("Run #") and " failed: " in text and "sample failure" in text, text
    assert on_screen(await refusal.bounding_box(), width)

    # A run with nothing to work with says why, as an answer rather than an error.
    idle = page.locator('#jobs-table tr[data-job="discord.channel_sync"]')
    await idle.locator("button").click()
    await page.wait_for_function(
        "(el) => el.textContent.startsWith('Run #')",
        arg=await idle.locator("[role=status]").element_handle(),
        timeout=15000,
    )
    said = idle.locator("[role=status]")
    text = await said.inner_text()
    assert re.fullmatch(r"Run #\d+ skipped: the Discord bot is off \(DISCORD_BOT_TOKEN is not set\)", text), (
        text
    )
    assert "error" not in (await said.get_attribute("class") or "")
    assert await page_overflow(page) <= 0
    assert page.js_errors == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_ranks_are_cards_with_their_buttons_and_locked_above_the_officer(
    db, live_server, browser, member_login, width
):
    from sqlalchemy import select

    from sv_common.identity import players as player_service
    from sv_common.identity.models import GuildRank
    from sv_common.identity.ranks import set_rank_override

    # A guild leader exists, so the officer is not the top rank: Officer and Guild Leader are locked.
    async with db.session() as s:
        leader = await player_service.create_player(s, display_name="Gwen")
        await set_rank_override(
            s, leader.id, await s.scalar(select(GuildRank.id).where(GuildRank.name == "Guild Leader"))
        )
        ranks = dict((await s.execute(select(GuildRank.name, GuildRank.id))).all())
    server = live_server()
    page = await new_page(browser, width)
    await member_login(page, server, "/admin/ranks", name="Olga", username="olga", rank="Officer")
    assert await page_overflow(page) <= 0
    assert await fits(page.locator("#ranks-table"))

    reason = "You cannot change a rank at or above your own."
    for locked in ("Officer", "Guild Leader"):
        row = page.locator(f'#ranks-table tr[data-rank="{ranks[locked]}"]')
        assert (
            await row.locator(".js-rank-save").is_disabled()
            and await row.locator(".js-rank-delete").is_disabled()
        )
        assert await row.locator("[role=status]").inner_text() == reason
        assert on_screen(await row.locator("[role=status]").bounding_box(), width)

    row = page.locator(f'#ranks-table tr[data-rank="{ranks["Member"]}"]')
    name_box = await row.locator("input[name=name]").bounding_box()
    save = row.locator(".js-rank-save")
    assert await save.is_enabled()
    save_box = await save.bounding_box()
    assert on_screen(save_box, width) and on_screen(
        await row.locator(".js-rank-delete").bounding_box(), width
    )
    if width == 390:  # the card: the buttons right under the rank's name
        assert 0 < save_box["y"] - name_box["y"] < 80, (name_box, save_box)
    await save.click()
    saved = row.locator('[role=status]:text-is("Saved Member; 0 players\' ranks changed.")')
    await saved.wait_for(timeout=10000)
    saved_box, save_box = await saved.bounding_box(), await save.bounding_box()
    assert on_screen(saved_box, width) and abs(saved_box["y"] - save_box["y"]) < 80, (save_box, saved_box)

    # The server still refuses what the page would not offer; the refusal lands in the row.
    veteran = page.locator(f'#ranks-table tr[data-rank="{ranks["Veteran"]}"]')
    await veteran.locator("input[name=level]").fill("4")
    await veteran.locator(".js-rank-save").click()
    refused = veteran.locator("[role=status].error")
    await refused.wait_for(timeout=10000)
    assert await refused.inner_text() == reason
    assert on_screen(await refused.bounding_box(), width)
    assert await page.locator("#ref-error").count() == 0  # no page-top box any more

    # Delete and Add reload the page to show the table; each answer outlives the reload: a
    # deleted rank's above the table, an added rank's in its new row.
    initiate = page.locator(f'#ranks-table tr[data-rank="{ranks["Initiate"]}"]')
    page.once("dialog", lambda dialog: dialog.accept())
    await initiate.locator(".js-rank-delete").click()
    await initiate.wait_for(state="detached", timeout=10000)
    deleted = page.locator("#ranks-status:text-is('Deleted Initiate.')")
    await deleted.wait_for(timeout=5000)
    assert on_screen(await deleted.bounding_box(), width)
    new = page.locator('#ranks-table tr[data-rank="new"]')
    await new.locator("input[name=name]").fill("Recruit")
    await new.locator("input[name=level]").fill("1")
    await new.locator(".js-rank-create").click()
    # (the value attribute: only the server's row for the new rank has it)
    recruit = page.locator('#ranks-table tr[data-rank]:has(input[name=name][value="Recruit"])')
    added = recruit.locator("[role=status]:text-is('Added Recruit.')")
    await added.wait_for(timeout=10000)
    assert on_screen(await added.bounding_box(), width)
    assert await new.locator("input[name=name]").input_value() == ""  # a fresh page
    assert await page_overflow(page) <= 0
    assert page.js_errors == []


async def test_season_dates_are_words_and_the_same_day_everywhere(live_server, browser):
    server = live_server(plugins=["sample"])
    # West of UTC: a date read as midnight UTC would show the day before.
    page = await new_page(
        browser, 390, extra_http_headers=OFFICER, timezone_id="America/New_York", locale="en-GB"
    )
    await page.goto(server.url + "/admin/seasons")
    body = {"expansion_name": "Midnight", "season_number": 1, "start_date": "2026-10-28"}
    await page.evaluate("(body) => window.patt.api('POST', '/api/v1/admin/seasons', body)", body)
    await page.reload()
    start = page.locator("#seasons-table tr[data-id] time")
    assert await start.get_attribute("datetime") == "2026-10-28"
    assert await start.inner_text() == "Wed, 28 Oct 2026"  # in the viewer's language (en-GB here)
    assert "2026-10-28" not in await page.locator("#seasons-table").inner_text()
    assert await page_overflow(page) <= 0
    assert page.js_errors == []


# Each page's table-cards table (the whole site, an officer logged in).
CARD_TABLES = {
    "/admin/jobs": "#jobs-table",
    "/admin/ranks": "#ranks-table",
    "/admin/data-quality": "#drift-rules table",
    "/admin/players": "#pm-players",
    "/admin/players?filter=unlinked": "#pm-unlinked table",
    "/admin/matching/aliases": "#alias-table",
    "/crafting": "#craft-orders table",
}

# What is wrong with a table-cards table's layout at this width ([] when nothing): on a phone no
# header, each row a card inside the screen headed by its name (the cell after a "card-select"
# checkbox, which sits in the card's top-right corner), its "card-actions" right under the name,
# labelled cells saying their label; on a desktop a table. Never wider than its box.
CARD_PROBLEMS = """(table) => {
  const problems = [], phone = innerWidth <= 760, css = getComputedStyle;
  const box = (el) => el.getBoundingClientRect();
  if (table.scrollWidth > table.parentElement.clientWidth + 1) problems.push("wider than its box");
  const head = table.tHead ? css(table.tHead).display : "none";
  if (phone ? head !== "none" : head !== "table-header-group") problems.push("header: " + head);
  const rows = [...table.tBodies[0].rows].filter((row) => row.cells.length > 1);
  if (!rows.length) problems.push("no rows to look at");
  for (const row of rows) {
    const name = row.cells[0].textContent.trim().slice(0, 30) || row.cells[1].textContent.trim().slice(0, 30);
    const say = (what) => problems.push(name + ": " + what);
    const shown = css(row).display;
    if (shown !== (phone ? "flex" : "table-row")) { say("row shown as " + shown); continue; }
    if (!phone) continue;
    const r = box(row);
    if (r.left < 0 || r.right > innerWidth) say("card outside the screen");
    const cells = [...row.cells].filter((td) => css(td).display !== "none");
    const select = cells.find((td) => td.classList.contains("card-select"));
    const first = cells.find((td) => td !== select);
    const actions = cells.find((td) => td.classList.contains("card-actions"));
    if (select) {
      const s = box(select);
      if (s.top - r.top > 20 || r.right - s.right > 30) say("the checkbox is not in the top-right corner");
    }
    for (const td of cells.filter((td) => td !== select && td !== first)) {
      const t = box(td);
      if (t.right > r.right + 1) say("a cell sticks out of the card");
      if (t.height && t.top < box(first).bottom - 1) say("a cell above or beside the name");
      if (actions && td !== actions && t.height && t.top < box(actions).top) say("a cell above the actions");
    }
    for (const td of cells.filter((td) => td.dataset.label && !td.querySelector(":scope > input, :scope > select"))) {
      const label = css(td, "::before").content;
      if (label !== '"' + td.dataset.label + ': "') say("label " + label);
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("width", WIDTHS)
async def test_every_table_cards_table_is_cards_on_a_phone_and_a_table_on_a_desktop(
    db, live_server, browser, member_login, width
):
    from sqlalchemy import select

    from patt_crafting.models import CraftingOrder, Profession, ProfessionTier, Recipe
    from sv_common.identity import matching
    from sv_common.identity import players as player_service
    from sv_common.identity.aliases import add_note_alias
    from sv_common.identity.characters import upsert_character
    from sv_common.identity.discord_users import upsert_discord_user
    from sv_common.identity.models import Player

    # A row in each table: a second player with an alias, an unlinked character with a
    # suggestion (its row has a checkbox) and one without (an empty checkbox cell), an order.
    async with db.session() as s:
        bob = await player_service.create_player(s, display_name="Bob")
        await add_note_alias(s, player_id=bob.id, alias="bobbington")
        await upsert_discord_user(
            s, discord_id="700000000000000009", username="adopted", display_name=None, role_ids=()
        )
        await upsert_character(s, name="Adopted", realm_slug="test-realm", guild_note="a new face")
        await upsert_character(s, name="Strayling", realm_slug="test-realm")
        await matching.run_matching(s, rules=matching.rule_set(), auto_apply=False)
        profession = Profession(blizzard_id=171, name="Alchemy")
        s.add(profession)
        await s.flush()
        tier = ProfessionTier(profession_id=profession.id, blizzard_tier_id=2871, name="Khaz Algar Alchemy")
        s.add(tier)
        await s.flush()
        recipe = Recipe(
            blizzard_recipe_id=1,
            name="Flask of Alchemical Chaos",
            profession_id=profession.id,
            tier_id=tier.id,
        )
        s.add(recipe)
        await s.flush()
        recipe_id = recipe.id
    server = live_server()
    page = await new_page(browser, width)
    await member_login(page, server, "/admin", name="Olga", username="olga", rank="Officer")
    async with db.session() as s:
        olga = await s.scalar(select(Player.id).where(Player.display_name == "Olga"))
        s.add(
            CraftingOrder(recipe_id=recipe_id, requester_player_id=olga, quantity=2, note="mats in the bank")
        )

    for path, selector in CARD_TABLES.items():
        await page.goto(server.url + path)
        table = page.locator(selector)
        await table.locator("tbody tr:has(td + td)").first.wait_for(timeout=10000)  # orders load by script
        assert await table.evaluate(CARD_PROBLEMS) == [], path
        if path.endswith("unlinked"):  # one row's checkbox was looked at, one row has none
            assert await table.locator("td.card-select:has(input)").count() == 1
            assert await table.locator("td.card-select:empty").count() == 1
        assert await page_overflow(page) <= 0, path
    assert page.js_errors == []


# The officer pages whose tables the demo fills: its job runs, ranks, players, findings, crafting
# syncs and guild orders, raid nights, Discord state, outbox, guild syncs and invites.
DEMO_ADMIN_PAGES = [
    "/admin/jobs",
    "/admin/ranks",
    "/admin/players",
    "/admin/data-quality",
    "/admin/crafting",
    "/crafting",
    "/admin/raids",
    "/admin/raids/availability",
    "/admin/raids/events/1",
    "/admin/discord",
    "/admin/notifications",
    "/admin/guild-sync",
    "/admin/invites",
]

# Each table box that scrolls sideways (its table's id or class), every <details> opened first.
SCROLLING = """() => {
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  return [...document.querySelectorAll('.table-scroll')]
    .filter((box) => box.scrollWidth > box.clientWidth + 1)
    .map((box) => { const t = box.querySelector('table'); return t ? t.id || t.className : box.className; });
}"""


@pytest.mark.parametrize("width", [800, 1024])
async def test_the_demo_admin_tables_fit_a_tablet_and_a_small_laptop(demo, browser, width):
    """At 1024 px the jobs' runs and guild sync's runs scrolled sideways inside their boxes (long
    job names and counts, thirteen columns); at 800 px, beside the 220 px admin menu, most admin
    tables did."""
    server, summaries = demo
    username, password = re.search(r"officer login: (\S+) / (\S+)$", summaries["identity"]).groups()
    page = await new_page(browser, width)
    await sign_in(page, server, username, password, "/admin/jobs")
    # A run of a long-named job, with its counts, in the runs table.
    row = page.locator('#jobs-table tr[data-job="discord.deliver_notifications"]')
    await row.locator("button.js-run-job").click()
    await page.wait_for_function(
        "(el) => /^Run #\\d+ /.test(el.textContent)",
        arg=await row.locator("[role=status]").element_handle(),
        timeout=15000,
    )
    problems = {}
    for path in DEMO_ADMIN_PAGES:
        await page.goto(server.url + path)
        if path == "/crafting":
            await page.locator(".craft-orders-table tbody tr").first.wait_for(timeout=10000)  # by script
        scrolling, overflow = await page.evaluate(SCROLLING), await page_overflow(page)
        if scrolling or overflow > 0:
            problems[path] = (scrolling, overflow)
    assert problems == {}
    assert page.js_errors == []
