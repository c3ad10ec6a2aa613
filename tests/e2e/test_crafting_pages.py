"""The Crafting Corner in chromium at 390 px and 1366 px: search as you type, the recipe detail with
crafters grouped by player, a guild order with its feedback."""

import pytest
from sqlalchemy import select, update

from patt_host.jobs import run_job
from patt_host.testing import PASSWORD, create_member, no_horizontal_overflow, sign_in
from sv_common.identity import players as player_service
from sv_common.identity.models import DiscordChannel, WowCharacter
from sv_common.testing.fake_battlenet import professions_body

pytestmark = pytest.mark.e2e
CHANNEL = "623456789012345678"


@pytest.fixture
def battlenet(battlenet, blizzard_env):
    """The shared fake (tests/conftest.py), guild_sync pointed at it, serving this module's guild."""
    guild = battlenet.generate_guild("e2e-realm", "e2e-guild", 12)
    battlenet.generate_professions("e2e-realm", "e2e-guild", recipes=400)
    for member in guild.members[:3]:
        battlenet.set_professions(
            member,
            professions_body(
                [(171, "Alchemy", [(2871, "Khaz Algar Alchemy", [(1, "Élixir de sagesse ancestrale")])])]
            ),
        )
    # One crafter (not linked to a player) knows this one: "1 character, 1 player".
    battlenet.set_professions(
        guild.members[3],
        professions_body([(171, "Alchemy", [(2871, "Khaz Algar Alchemy", [(2, "Fiole solitaire")])])]),
    )
    return battlenet


async def member_with_alts(db, guild):
    mara = await create_member(db, "Member", "Mara", username="mara")
    async with db.session() as s:
        for member in guild.members[:2]:
            cid = await s.scalar(select(WowCharacter.id).where(WowCharacter.character_name == member.name))
            await player_service.link_character(s, player_id=mara.player_id, character_id=cid)
        s.add(DiscordChannel(discord_channel_id=CHANNEL, name="crafters", channel_type="text"))
        from patt_crafting.models import CraftingSyncConfig

        await s.execute(update(CraftingSyncConfig).values(crafters_corner_channel_id=CHANNEL))


def within(box, width) -> bool:
    """The element's box lies inside the viewport's width."""
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", [390, 1366])
async def test_search_detail_and_order(db, battlenet, make_host, live_server, browser, width):
    plugins = ["identity", "guild_sync", "crafting"]
    syncer = make_host(plugins=plugins)  # the jobs run here; the server has its own host and loop
    async with syncer.running():
        assert (await run_job(syncer, "guild_sync.sync_roster")).status == "succeeded"
        assert (await run_job(syncer, "crafting.sync_professions")).status == "succeeded"
    server = live_server(plugins=plugins)
    await member_with_alts(db, battlenet.guild("e2e-realm", "e2e-guild"))
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await sign_in(page, server, "mara", PASSWORD, "/crafting")
        assert await no_horizontal_overflow(page)
        # The Guild orders panel keeps the panels' gap from the search and browse panels above
        # (it sat flush against them, borders touching).
        gap = await page.evaluate(
            "() => document.getElementById('craft-orders').getBoundingClientRect().top"
            " - document.querySelector('.craft-layout').getBoundingClientRect().bottom"
        )
        assert gap >= 12, gap

        await page.fill("#craft-search", "elixir de sagese")  # no accent, one typo
        first = page.locator("#craft-results .craft-result").first
        await first.wait_for(timeout=15000)
        assert "Élixir de sagesse ancestrale" in await first.inner_text()
        await first.click()
        await page.wait_for_selector("#craft-crafters li")
        crafters = await page.locator("#craft-crafters li").all_inner_texts()
        assert len(crafters) == 2  # Mara's two characters are one line, the third character another
        assert any(text.startswith("Mara") and "also on" in text for text in crafters)
        assert await no_horizontal_overflow(page)

        meta = await page.inner_text("#craft-detail-meta")
        assert meta.endswith("· 3 characters, 2 players"), meta

        await page.fill("#craft-order input[name=note]", "mats in the bank")
        await page.click("#craft-order button[type=submit]")
        await page.wait_for_selector("#craft-order-feedback:has-text('Posted')", timeout=15000)
        await page.wait_for_selector("#craft-orders-body:has-text('mats in the bank')", timeout=15000)
        assert await no_horizontal_overflow(page)

        # The order's button and its feedback are on screen beside the order, with no sideways
        # scrolling (at 390 px the table was cut off after "Asked by").
        order = page.locator("#craft-orders-body tr", has_text="mats in the bank")
        orders_box = page.locator("#craft-orders .table-scroll")
        assert await orders_box.evaluate("el => el.scrollWidth <= el.clientWidth")
        cancel = order.locator("button", has_text="Cancel")
        assert within(await cancel.bounding_box(), width)
        assert within(
            await order.locator("strong", has_text="Élixir de sagesse ancestrale").bounding_box(), width
        )
        assert "open" in await order.inner_text()
        await cancel.click()
        feedback = order.locator(".craft-feedback")
        await feedback.locator("text=Cancelled.").wait_for(timeout=15000)
        assert within(await feedback.bounding_box(), width)
        assert "cancelled" in await order.inner_text()
        assert await order.locator("button", has_text="Cancel").count() == 0
        assert await no_horizontal_overflow(page)

        # A recipe one character knows reads in the singular.
        await page.fill("#craft-search", "fiole solitaire")
        single = page.locator("#craft-results .craft-result", has_text="Fiole solitaire")
        await single.wait_for(timeout=15000)
        assert "1 crafter" in await single.inner_text()
        await single.click()
        await page.wait_for_selector("#craft-detail-name:has-text('Fiole solitaire')")
        meta = await page.inner_text("#craft-detail-meta")
        assert meta.endswith("· 1 character, 1 player"), meta
        assert errors == []
    finally:
        await context.close()


async def test_orders_off_shows_the_notice_instead_of_a_form_that_fails(
    db, battlenet, make_host, live_server, browser
):
    """No crafters' channel: "Ask the crafters" was offered and refused with a 409, and the
    profile's switch answered "Saved: you will be pinged."."""
    plugins = ["identity", "guild_sync", "crafting"]
    syncer = make_host(plugins=plugins)
    async with syncer.running():
        assert (await run_job(syncer, "guild_sync.sync_roster")).status == "succeeded"
        assert (await run_job(syncer, "crafting.sync_professions")).status == "succeeded"
    server = live_server(plugins=plugins)
    await member_with_alts(db, battlenet.guild("e2e-realm", "e2e-guild"))
    async with db.session() as s:
        from patt_crafting.models import CraftingSyncConfig

        await s.execute(update(CraftingSyncConfig).values(crafters_corner_channel_id=None))
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await sign_in(page, server, "mara", PASSWORD, "/crafting")
        await page.fill("#craft-search", "fiole solitaire")
        await page.locator("#craft-results .craft-result").first.click()
        await page.wait_for_selector("#craft-detail-name:has-text('Fiole solitaire')")
        notice = page.locator("#craft-orders-off")
        assert await notice.is_visible()
        assert "Guild orders are off" in await notice.inner_text()
        assert await page.locator("#craft-order").count() == 0
        assert await page.locator("#craft-order-login").count() == 0

        await page.goto(server.url + "/profile")
        assert await page.locator("#crafting-orders-off").is_visible()
        await page.check(".js-crafting-ping")
        await page.locator(
            ".crafting-feedback:has-text('Saved: you will be pinged once guild orders are on.')"
        ).wait_for()
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()
