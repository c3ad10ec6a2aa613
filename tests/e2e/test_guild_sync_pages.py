"""The officers' guild-sync page in chromium: sync with progress, an API key shown once, at 390 px and 1366 px."""

import pytest
from sqlalchemy import text

from patt_host.jobs import run_job
from patt_host.testing import PASSWORD, create_member, no_horizontal_overflow, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def battlenet(battlenet, blizzard_env):
    """The shared fake (tests/conftest.py), guild_sync pointed at it, serving this module's guild."""
    battlenet.generate_guild("e2e-realm", "e2e-guild", 150)
    return battlenet


async def officer(db):
    await create_member(db, "Officer", "Olga", username="olga")


async def sync_page(browser, server, width: int = 390):
    """``(context, page)``: Olga logged in on /admin/guild-sync, confirm dialogs accepted."""
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    await sign_in(page, server, "olga", PASSWORD, "/admin/guild-sync")
    return context, page


@pytest.mark.parametrize("width", [390, 1366])
async def test_officer_syncs_and_creates_a_key(db, battlenet, live_server, browser, width):
    await officer(db)
    server = live_server(plugins=["identity", "guild_sync"])
    context, page = await sync_page(browser, server, width)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        assert await no_horizontal_overflow(page)

        await page.click("button.js-sync[data-full=false]")
        # Progress is shown while it runs; the page reloads with the finished run in the table,
        # and the run's answer stays beside the buttons (it went with the old page).
        await page.wait_for_selector(".gs-status-success", timeout=60000)
        assert "150" in await page.inner_text(".gs-runs tbody tr:first-child")
        answer = page.locator("#gs-sync-status", has_text="Last run: success · 150 found, 150 new")
        await answer.wait_for(timeout=5000)
        assert "Reloading" not in await answer.inner_text()
        assert await no_horizontal_overflow(page)

        await page.fill("#gs-key-name", "my desktop")
        await page.click("#gs-key-form button[type=submit]")
        await page.wait_for_selector("#gs-key-secret:not([hidden])")
        secret = await page.inner_text("#gs-key-value")
        assert secret.startswith("patt_")
        assert await no_horizontal_overflow(page)
        await page.reload()
        assert secret not in await page.content()
        assert "my desktop" in await page.content()
        assert errors == []
    finally:
        await context.close()


async def test_progress_waits_for_a_queued_sync_instead_of_reporting_the_previous_run(
    db, battlenet, live_server, browser, make_host
):
    # The trigger only queues the job; until the job writes its sync_log row the status shows
    # no running sync. The page used to report (and reload on) the *previous* run then, or,
    # with no previous run, stop polling for good. The table lock below holds the new row
    # back deterministically (reads still pass), like a busy worker would.
    await officer(db)
    server = live_server(plugins=["identity", "guild_sync"])
    host = make_host(plugins=["identity", "guild_sync"])
    async with host.running():
        previous = await run_job(host, "guild_sync.sync_roster")
    assert previous.status == "succeeded", previous.error
    context, page = await sync_page(browser, server)
    try:
        assert await page.locator(".gs-runs tbody tr").count() == 1
        async with db.engine.connect() as conn:
            await conn.execute(text("LOCK TABLE guild_identity.sync_log IN EXCLUSIVE MODE"))
            async with page.expect_response(lambda r: r.url.endswith("/guild-sync/status")):
                await page.click("button.js-sync[data-full=false]")
            await page.wait_for_selector("#gs-progress-text:text-is('Waiting for the sync to start…')")
            assert await page.locator(".gs-runs tbody tr").count() == 1
            await conn.rollback()  # the job goes on
        await page.locator(".gs-runs tbody tr").nth(1).wait_for(timeout=60000)  # after the reload
        assert "150" in await page.inner_text(".gs-runs tbody tr:first-child")
    finally:
        await context.close()


async def test_revoking_a_key_shows_the_outcome_in_its_row(db, battlenet, live_server, browser):
    await officer(db)
    server = live_server(plugins=["identity", "guild_sync"])
    context, page = await sync_page(browser, server)
    try:
        await page.fill("#gs-key-name", "old laptop")
        await page.click("#gs-key-form button[type=submit]")
        await page.wait_for_selector("#gs-key-secret:not([hidden])")
        await page.reload()
        row = page.locator("tr[data-key]")
        await row.locator("button.js-key-revoke").click()
        await row.locator(".gs-key-status:text-is('revoked')").wait_for()
        await row.locator("[role=status]:text-is('Revoked.')").wait_for()
        assert await row.locator("button.js-key-revoke").count() == 0
    finally:
        await context.close()


async def test_officer_confirms_a_pending_removal_at_390px(db, battlenet, live_server, browser, make_host):
    await officer(db)
    host = make_host(plugins=["identity", "guild_sync"])
    async with host.running():
        await run_job(host, "guild_sync.sync_roster")
        for member in battlenet.guild("e2e-realm", "e2e-guild").members[:40]:  # > 20 %
            battlenet.remove_member("e2e-realm", "e2e-guild", member.name)
        await run_job(host, "guild_sync.sync_roster")
    server = live_server(plugins=["identity", "guild_sync"])
    context, page = await sync_page(browser, server)
    try:
        panel = page.locator("#gs-pending")
        assert await panel.locator(".gs-names li").count() == 40
        assert await no_horizontal_overflow(page)
        await panel.locator("button.js-removal[data-action=confirm]").click()
        await panel.locator("#gs-removal-status:text-is('40 removed, 0 kept (seen again).')").wait_for()
        assert await panel.locator("button.js-removal:disabled").count() == 2
        assert await no_horizontal_overflow(page)
    finally:
        await context.close()
