"""The officers' onboarding page in chromium at 390 px and 1366 px: the queue overdue first,
a session's history, and dismiss (after a confirmation) / check again / resolve with the
outcome under each card."""

import pytest

from patt_host.testing import no_horizontal_overflow

pytestmark = pytest.mark.e2e


async def arrange(db):
    from patt_onboarding.demo import seed_demo_sessions

    async with db.session() as s:
        await seed_demo_sessions(s, None)


@pytest.mark.parametrize("width", [390, 1366])
async def test_officer_works_the_onboarding_queue(db, live_server, browser, officer_login, width):
    await arrange(db)
    server = live_server(plugins=["identity", "guild_sync", "onboarding"])
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await officer_login(page, server, "/admin/onboarding")
        assert await no_horizontal_overflow(page)

        queue = page.locator("#onb-open-sessions .onb-session")
        assert "Borvik" in await queue.first.inner_text()  # overdue first
        assert "overdue" in await queue.first.locator(".onb-flag").inner_text()
        borvik = queue.first
        # Overdue, so joined more than a day ago (localised by app.js in the browser).
        joined = await borvik.locator(".onb-session-head time").inner_text()
        assert "day" in joined and "minute" not in joined, joined
        await borvik.locator(".onb-history summary").click()
        await borvik.locator(".onb-history li", has_text="welcome DM sent").wait_for()
        assert await no_horizontal_overflow(page)

        quiet = page.locator(".onb-session", has_text="Quiet One")
        questions = []

        async def answer(dialog, accept):
            questions.append(dialog.message)
            await (dialog.accept() if accept else dialog.dismiss())

        # Dismiss asks first; "Cancel" leaves the session as it was.
        page.once("dialog", lambda dialog: answer(dialog, False))
        await quiet.locator("button.js-dismiss").click()
        assert questions == [
            "Dismiss the onboarding of Quiet One? It is closed without linking anything, and they are not told."
        ]
        assert await quiet.locator(".onb-state").inner_text() == "awaiting dm"
        assert await quiet.locator(".onb-feedback").inner_text() == ""
        assert await quiet.locator("button.js-dismiss").is_enabled()
        page.once("dialog", lambda dialog: answer(dialog, True))
        await quiet.locator("button.js-dismiss").click()
        await quiet.locator(".onb-feedback:has-text('Dismissed: closed without linking.')").wait_for()
        assert len(questions) == 2
        badge = quiet.locator(".onb-state")
        assert await badge.inner_text() == "dismissed"
        assert "onb-state-dismissed" in await badge.get_attribute("class")

        seraphel = page.locator(".onb-session", has_text="Seraphel")
        await seraphel.locator("button.js-retry").click()
        await seraphel.locator(".onb-feedback:has-text('Still not on the roster.')").wait_for()
        assert await seraphel.locator("button.js-retry").is_enabled()  # still waiting: can try again

        kaelynn = page.locator(".onb-session", has_text="Kaelynn")
        await kaelynn.locator("button.js-resolve").click()
        await kaelynn.locator(".onb-feedback:has-text('Resolved: no role change')").wait_for()
        assert await kaelynn.locator("button.js-resolve").is_disabled()
        # This server has no bot, so no DM is possible: the officer is told why and gets the code.
        feedback = await kaelynn.locator(".onb-feedback").inner_text()
        assert "No DM was possible: The Discord bot is not configured" in feedback
        code = feedback.split("(shown only now): ")[1].split(" ")[0]
        assert len(code) == 8, feedback
        assert await kaelynn.locator(".onb-state").inner_text() == "manually resolved"

        await quiet.locator("button.js-dismiss").evaluate("b => { b.disabled = false; }")
        page.once("dialog", lambda dialog: answer(dialog, True))
        await quiet.locator("button.js-dismiss").click()  # a second officer's stale page: 409
        await quiet.locator(".onb-feedback.onb-error:has-text('closed already')").wait_for()
        assert await no_horizontal_overflow(page)

        # After a reload the code is gone (shown once); the card says where it went.
        await page.reload()
        closed = page.locator("#onb-closed-sessions")
        kaelynn = closed.locator(".onb-session", has_text="Kaelynn")
        invite = await kaelynn.locator(".onb-invite").inner_text()
        assert invite == f"website invite {code[:2]}••••••: given to the officer (no DM was possible)"
        assert code not in await page.content()
        assert (
            await closed.locator(".onb-session", has_text="Quiet One").locator(".onb-state").inner_text()
            == "dismissed"
        )
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()
