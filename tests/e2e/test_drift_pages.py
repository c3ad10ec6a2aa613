"""The officers' Data Quality page in chromium at 390 px and 1366 px: scan, confirm a fix,
dismiss, with the outcome shown next to each button."""

import pytest

from patt_host.testing import PASSWORD, create_member, no_horizontal_overflow, sign_in
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character

pytestmark = pytest.mark.e2e


async def arrange(db):
    await create_member(db, "Officer", "Olga", username="olga")
    async with db.session() as s:
        await player_service.create_player(s, display_name="Bob")
        for name, note in (("Bobhunter", "Bob's hunter"), ("Lonelyalt", "a very long guild note " * 3)):
            character, _ = await upsert_character(s, name=name, realm_slug="e2e-realm")
            character.guild_note = note


async def officer_page(context, server, errors: list[str]):
    """Olga, logged in, on the Data Quality page (page errors collected in ``errors``)."""
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return await sign_in(page, server, "olga", PASSWORD, "/admin/data-quality")


@pytest.mark.parametrize("width", [390, 1366])
async def test_officer_scans_confirms_and_dismisses(db, live_server, browser, width):
    await arrange(db)
    server = live_server(plugins=["identity", "drift"])
    context = await browser.new_context(viewport={"width": width, "height": 900})
    errors = []
    try:
        page = await officer_page(context, server, errors)
        assert await no_horizontal_overflow(page)

        await page.click("button.js-scan")
        await page.locator("#drift-scan-status:has-text('Scan done: 2 open, 2 new')").wait_for()
        await page.locator(".drift-finding").nth(1).wait_for()  # after the reload
        # The answer is still beside the button after the reload (it vanished with it).
        await page.locator("#drift-scan-status:has-text('Scan done: 2 open, 2 new')").wait_for(timeout=5000)
        assert await no_horizontal_overflow(page)

        hunter = page.locator(".drift-finding", has_text="Bobhunter")
        await hunter.locator("button.js-fix").click()
        await hunter.locator(".drift-feedback:has-text('Linked Bobhunter-e2e-realm to Bob')").wait_for()

        await page.locator(".drift-finding", has_text="Bobhunter").wait_for(state="detached")  # reloaded
        # Its finding has left the list: the answer stays above the findings.
        status = "#drift-findings-status:has-text('{}')"
        await page.locator(status.format("Linked Bobhunter-e2e-realm to Bob")).wait_for(timeout=5000)
        lonely = page.locator(".drift-finding", has_text="Lonelyalt")
        await lonely.locator("button.js-resolve").click()
        await lonely.locator(".drift-feedback:has-text('Give a reason')").wait_for()
        await lonely.locator(".drift-reason").fill("bank character")
        await lonely.locator("button.js-dismiss").click()
        await lonely.locator(".drift-feedback:has-text('Dismissed until its facts change.')").wait_for()
        await page.locator(".drift-finding", has_text="Lonelyalt").wait_for(state="detached")
        await page.locator(status.format("Dismissed until its facts change.")).wait_for(timeout=5000)
        assert "dismissed" in await page.inner_text("#drift-log")
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()


async def arrange_fix_all(db):
    """Olga; Bob with a linkable character and an unlinkable one; Leaver linked to a Discord
    account that left (stale_discord_link)."""
    from sv_common.identity.discord_users import upsert_discord_user

    await arrange(db)
    async with db.session() as s:
        gone, _ = await upsert_discord_user(
            s,
            discord_id="700000000000000001",
            username="leaver",
            display_name=None,
            role_ids=[],
            is_present=False,
        )
        await player_service.create_player(s, display_name="Leaver", discord_user_id=gone.id)


def within(box, width) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", [390, 1366])
async def test_fix_all_asks_first_keeps_its_reasons_and_sits_beside_the_rule(db, live_server, browser, width):
    """The Rules table at 390 px scrolled sideways to reach "Fix all" (the rule's name out of
    view), Fix all ran without asking, and its "0 done, 4 failed." vanished in a reload."""
    from sqlalchemy import update

    from sv_common.identity.models import Player

    await arrange_fix_all(db)
    server = live_server(plugins=["identity", "drift"])
    context = await browser.new_context(viewport={"width": width, "height": 900})
    errors = []
    try:
        page = await officer_page(context, server, errors)
        await page.click("button.js-scan")
        await page.locator(".drift-finding").nth(2).wait_for()  # after the reload
        rules_scroll = page.locator("#drift-rules .table-scroll")
        assert await rules_scroll.evaluate("el => el.scrollWidth <= el.clientWidth")  # no sideways scrolling

        # Lonelyalt's note names nobody: no Link button, the page says what to do instead.
        lonely = page.locator(".drift-finding", has_text="Lonelyalt")
        assert await lonely.locator("button.js-fix").count() == 0
        assert "players page" in await lonely.locator(".drift-by-hand").inner_text()

        row = page.locator('#drift-rules tr[data-rule="orphan_wow"]')
        fix_all = row.locator("button.js-fix-all")
        assert await fix_all.inner_text() == "Fix all (1)"
        assert within(await fix_all.bounding_box(), width)
        assert within(await row.locator("a", has_text="Unlinked character").bounding_box(), width)
        # It asks first: declining does nothing.
        asked = []

        async def decline(dialog):
            asked.append(dialog.message)
            await dialog.dismiss()

        page.once("dialog", decline)
        await fix_all.click()
        await page.wait_for_timeout(300)
        assert asked and "Unlinked character" in asked[0]
        feedback = row.locator(".drift-feedback")
        assert await feedback.inner_text() == "" and await fix_all.is_enabled()

        page.once("dialog", lambda dialog: dialog.accept())
        await fix_all.click()
        await feedback.locator("text=1 done, 0 failed, 1 left for you.").wait_for()
        assert "link this character on the players page" in await feedback.inner_text()
        assert within(await feedback.bounding_box(), width)

        # A fix that fails: the reason stays on screen, no reload; a button reloads.
        async with db.session() as s:
            await s.execute(
                update(Player).where(Player.display_name == "Leaver").values(discord_user_id=None)
            )
        stale = page.locator('#drift-rules tr[data-rule="stale_discord_link"]')
        page.once("dialog", lambda dialog: dialog.accept())
        await stale.locator("button.js-fix-all").click()
        stale_feedback = stale.locator(".drift-feedback")
        await stale_feedback.locator("text=0 done, 1 failed.").wait_for()
        await page.wait_for_timeout(2500)  # the old page reloaded after 1.5 s
        text = await stale_feedback.inner_text()
        assert "0 done, 1 failed." in text and "Discord link changed since the scan" in text
        assert "1 done, 0 failed" in await feedback.inner_text()  # still the same page
        assert within(await stale_feedback.bounding_box(), width)
        reload = stale_feedback.locator("button.js-reload")
        assert within(await reload.bounding_box(), width)
        async with page.expect_navigation():
            await reload.click()
        assert (
            await page.locator('#drift-rules tr[data-rule="stale_discord_link"] .drift-feedback').inner_text()
            == ""
        )
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()


async def test_the_filter_form_with_its_all_options_lists_the_findings(db, live_server, browser):
    """Filter with the form's defaults went to ``?rule=&status=open&severity=``: 422."""
    await arrange(db)
    server = live_server(plugins=["identity", "drift"])
    context = await browser.new_context(viewport={"width": 390, "height": 900})
    errors = []
    try:
        page = await officer_page(context, server, errors)
        await page.click("button.js-scan")
        await page.locator(".drift-finding").nth(1).wait_for()  # after the reload
        async with page.expect_navigation():
            await page.click(".drift-filters button[type=submit]")
        assert "rule=&status=open&severity=" in page.url
        assert await page.locator("#drift-findings-count").inner_text() == "2 findings, newest first."
        # Then one rule, then "all" again: each submission lists what it asks for.
        await page.select_option(".drift-filters select[name=severity]", "error")
        async with page.expect_navigation():
            await page.click(".drift-filters button[type=submit]")
        assert "No findings match." in await page.inner_text("#drift-findings")
        await page.select_option(".drift-filters select[name=severity]", "")
        async with page.expect_navigation():
            await page.click(".drift-filters button[type=submit]")
        assert await page.locator(".drift-finding").count() == 2
        assert errors == []
    finally:
        await context.close()
