"""The demo as `patt demo` serves it (its seeders, its fake Discord, its fake Battle.net), in
chromium at 390 px: the pages agree with its data and every button says what it did.

What the review found: the Filter button's 422, Force refresh's "reload in a minute", "Send
pending now" reloading without a word, "No audit channel is set", guild orders refused for
want of a channel, an invite code in the DM that did not exist, no Discord link at home."""

import re

import pytest

from patt_host.testing import PASSWORD, no_horizontal_overflow, sign_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


async def test_the_officer_pages_of_the_demo_say_what_each_button_did(demo, browser):
    server, summaries = demo
    username, password = re.search(r"officer login: (\S+) / (\S+)$", summaries["identity"]).groups()
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await sign_in(page, server, username, password, "/admin/crafting")
        # Its syncs go to the demo's fake Battle.net, and the page says so.
        assert "demo fake" in await page.inner_text("#craft-admin-sync h2")
        known = await page.inner_text("#craft-known")
        assert re.search(r"\d+ distinct recipes, \d+ character–recipe pairs", known), known
        runs = await page.locator("#craft-admin-runs tbody tr").count()
        await page.click(".js-craft-sync")
        feedback = page.locator("#craft-sync-feedback")
        await feedback.locator("text=/^Done in [0-9.]+ s: \\d+ characters/").wait_for(timeout=60_000)
        assert await page.locator("#craft-admin-runs tbody tr").count() == runs + 1
        assert await no_horizontal_overflow(page)

        await page.goto(f"{server.url}/admin/data-quality")
        async with page.expect_navigation():
            await page.click(".drift-filters button[type=submit]")
        assert "Invalid input" not in await page.inner_text("main")
        assert await page.locator(".drift-finding").count() > 0
        await page.click("button.js-report")
        await page.locator("#drift-report-status:has-text('Queued for the audit channel')").wait_for()

        await page.goto(f"{server.url}/admin/notifications")
        await page.click("#flush")
        await page.locator(
            "#flush-result",
            has_text=re.compile(r"^(Sent \d+, failed \d+.*|Nothing was waiting to be sent)\.$"),
        ).wait_for()
        assert await no_horizontal_overflow(page)

        # The dry run reloads the page to show its plan; its answer stays beside the button.
        await page.goto(f"{server.url}/admin/discord")
        async with page.expect_navigation():
            await page.click("#dry-run")
        planned = re.compile(r"^\d+ change\(s\) planned; nothing was sent\.$")
        await page.locator("#dry-run-result", has_text=planned).wait_for(timeout=5000)
        assert "(dry run)" in await page.inner_text("#last-run")
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()


async def test_a_visitor_registers_with_the_printed_code_and_orders(demo, browser):
    server, summaries = demo
    code = re.search(r"invite code (\S+) \(as ", summaries["identity"])[1]
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await page.goto(server.url + "/")
        discord = page.locator("a", has_text="Join our Discord").first
        assert await discord.get_attribute("href") == "https://discord.gg/pattdemo"

        await page.goto(f"{server.url}/register?code={code}")
        await page.fill("input[name=username]", "demovisitor")
        await page.fill("input[name=password]", PASSWORD)
        await page.fill("input[name=password2]", PASSWORD)
        async with page.expect_navigation():
            await page.click("form.stack button[type=submit]")
        assert "/register" not in page.url, await page.inner_text("main")

        await page.goto(f"{server.url}/crafting")
        await page.fill("#craft-search", "steelskin potion")
        await page.locator("#craft-results .craft-result").first.click()
        await page.locator("#craft-order").wait_for()
        assert await page.locator("#craft-orders-off").count() == 0
        await page.click("#craft-order button[type=submit]")
        await page.locator("#craft-order-feedback:has-text('Posted')").wait_for(timeout=15_000)

        await page.goto(f"{server.url}/profile")
        ping = page.locator(".js-crafting-ping")
        await ping.set_checked(not await ping.is_checked())
        await page.locator(
            ".crafting-feedback", has_text=re.compile(r"^Saved: (you will be pinged|no pings)\.$")
        ).wait_for()
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()
