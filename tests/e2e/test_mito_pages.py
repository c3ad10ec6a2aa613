"""Mito's corner in chromium at 390 px: an officer adds and deletes quotes; the heading's count
follows the list, Delete asks first, and "Added." / "Deleted." stay beside the action."""

import pytest

from patt_host.testing import no_horizontal_overflow
from patt_mito import service

pytestmark = pytest.mark.e2e
QUOTES = ("Pull all the things.", "Who brought the fish feast?", "Wipe it and run it back.")


async def test_officer_adds_and_deletes_with_the_count_kept_true(db, live_server, page, officer_login):
    async with db.session() as s:
        for text in QUOTES:
            await service.add(s, "quotes", text)
    server = live_server(plugins=["identity", "mito"])
    await page.set_viewport_size({"width": 390, "height": 844})
    await officer_login(page, server, "/mito")
    count = page.locator("#mito-quotes-count")
    quotes = page.locator("#mito-quotes")
    assert await count.inner_text() == "(3)"

    # Declining the question deletes nothing.
    asked = []

    async def decline(dialog):
        asked.append(dialog.message)
        await dialog.dismiss()

    row = quotes.locator("li", has_text=QUOTES[1])
    page.once("dialog", decline)
    await row.locator(".js-mito-delete").click()
    assert asked and QUOTES[1] in asked[0] and asked[0].startswith("Delete this quote?")
    assert await row.locator(".js-mito-delete").is_enabled()
    assert await row.locator(".mito-feedback").inner_text() == ""

    page.once("dialog", lambda dialog: dialog.accept())
    await row.locator(".js-mito-delete").click()
    await row.locator(".mito-feedback:has-text('Deleted.')").wait_for()
    await page.locator("#mito-quotes-count:has-text('(2)')").wait_for()
    assert await row.locator(".js-mito-delete").count() == 0  # nothing left to press twice
    async with db.session() as s:
        assert [q["quote"] for q in (await service.list_all(s))["quotes"]] == [QUOTES[0], QUOTES[2]]

    # Add: the list and the count change in place, the feedback stays beside the form.
    form = quotes.locator("form.mito-add")
    await form.locator("input[name=text]").fill("Bring your own repair bot.")
    await form.locator("button[type=submit]").click()
    await form.locator(".mito-feedback:has-text('Added.')").wait_for()
    await page.locator("#mito-quotes-count:has-text('(3)')").wait_for()
    listed = await quotes.locator(".mito-text").all_inner_texts()
    assert listed == [QUOTES[0], QUOTES[2], "Bring your own repair bot."]
    assert await form.locator("input[name=text]").input_value() == ""
    # The swapped-in list's buttons work (listeners on the document).
    page.once("dialog", lambda dialog: dialog.accept())
    fresh = quotes.locator("li", has_text="Bring your own repair bot.")
    await fresh.locator(".js-mito-delete").click()
    await fresh.locator(".mito-feedback:has-text('Deleted.')").wait_for()
    await page.locator("#mito-quotes-count:has-text('(2)')").wait_for()
    # A refused add says why, beside the form.
    await form.locator("input[name=text]").fill(QUOTES[0].upper())
    await form.locator("button[type=submit]").click()
    await form.locator(".mito-feedback.error:has-text('already in Mito')").wait_for()
    assert await no_horizontal_overflow(page)
    assert page.js_errors == []
