"""The officers' Data Quality page in chromium at 390 px and 1366 px: scan, confirm a fix,
dismiss, with the outcome shown next to each button."""

import pytest
from sqlalchemy import select

from sv_common.auth.service import create_invite, register_with_invite
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import GuildRank
from sv_common.identity.ranks import set_rank_override

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


async def arrange(db):
    async with db.session() as s:
        player = await player_service.create_player(s, display_name="Olga")
        rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.name == "Officer"))
        await set_rank_override(s, player.id, rank_id)
        code = (await create_invite(s, player_id=player.id)).code
        await register_with_invite(s, code=code, username="olga", password=PASSWORD)
        await player_service.create_player(s, display_name="Bob")
        for name, note in (("Bobhunter", "Bob's hunter"), ("Lonelyalt", "a very long guild note " * 3)):
            character, _ = await upsert_character(s, name=name, realm_slug="e2e-realm")
            character.guild_note = note


async def no_horizontal_overflow(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [390, 1366])
async def test_officer_scans_confirms_and_dismisses(db, live_server, browser, width):
    await arrange(db)
    server = live_server(plugins=["identity", "drift"])
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await page.goto(server.url + "/login?next=/admin/data-quality")
        await page.fill("input[name=username]", "olga")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("form.stack button[type=submit]")
        await page.wait_for_url("**/admin/data-quality")
        assert await no_horizontal_overflow(page)

        await page.click("button.js-scan")
        await page.locator("#drift-scan-status:has-text('Scan done: 2 open, 2 new')").wait_for()
        await page.locator(".drift-finding").nth(1).wait_for()  # after the reload
        assert await no_horizontal_overflow(page)

        hunter = page.locator(".drift-finding", has_text="Bobhunter")
        await hunter.locator("button.js-fix").click()
        await hunter.locator(".drift-feedback:has-text('Linked Bobhunter-e2e-realm to Bob')").wait_for()

        await page.locator(".drift-finding", has_text="Bobhunter").wait_for(state="detached")  # reloaded
        lonely = page.locator(".drift-finding", has_text="Lonelyalt")
        await lonely.locator("button.js-resolve").click()
        await lonely.locator(".drift-feedback:has-text('Give a reason')").wait_for()
        await lonely.locator(".drift-reason").fill("bank character")
        await lonely.locator("button.js-dismiss").click()
        await lonely.locator(".drift-feedback:has-text('Dismissed until its facts change.')").wait_for()
        await page.locator(".drift-finding", has_text="Lonelyalt").wait_for(state="detached")
        assert "dismissed" in await page.inner_text("#drift-log")
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()
