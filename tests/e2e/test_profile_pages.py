"""The member's profile in chromium at 390 and 1366 px: the timezone picker (searchable IANA
list, the device's zone in one click, the time there shown, checked by the server) and
crafting's "ping me for guild orders" switch, saved at once with its answer beside it."""

import pytest
from sqlalchemy import select

from sv_common.identity.models import Player

pytestmark = pytest.mark.e2e


async def member_page(live_server, browser, member_login, width):
    server = live_server()
    # The browser lives in New York: the profile offers that zone.
    context = await browser.new_context(
        viewport={"width": width, "height": 900}, timezone_id="America/New_York"
    )
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    player_id = await member_login(page, server, "/profile", name="Tess", username="tess")
    return page, player_id


async def stored(db, player_id, column):
    async with db.session() as s:
        return await s.scalar(select(column).where(Player.id == player_id))


@pytest.mark.parametrize("width", [1366, 390])
async def test_timezone_picker(db, live_server, browser, member_login, width):
    page, player_id = await member_page(live_server, browser, member_login, width)
    field = page.locator("#profile-timezone")
    hint = page.locator(".js-tz-now")
    # Every IANA zone is offered, with its offset now.
    assert await page.locator("#timezones option").count() > 300
    assert await page.locator('#timezones option[value="Asia/Kolkata"]').text_content() == "UTC+05:30"

    await field.fill("Europe/Berlin")
    assert (await hint.text_content()).startswith(
        "It is "
    ) and "in Europe/Berlin now (UTC+0" in await hint.text_content()
    await field.fill("Mars/Olympus")
    assert "Not a timezone on the list" in await hint.text_content()
    device = page.locator(".js-tz-device")
    assert await device.text_content() == "Use this device's timezone (America/New_York)"
    await device.click()
    assert await field.input_value() == "America/New_York"
    hint_box, field_box = await hint.bounding_box(), await field.bounding_box()
    assert 0 <= hint_box["y"] - field_box["y"] < 120 and hint_box["x"] + hint_box["width"] <= width
    await page.click("#profile-info button[type=submit]")
    await page.locator(".flash:text('Your name and timezone are saved.')").wait_for(timeout=10000)
    assert await stored(db, player_id, Player.timezone) == "America/New_York"

    # The server checks the name whatever the browser sends.
    await page.locator("#profile-timezone").fill("Mars/Olympus")
    await page.click("#profile-info button[type=submit]")
    await page.locator("[role=alert]:has-text('Choose a timezone from the list')").wait_for(timeout=10000)
    assert await stored(db, player_id, Player.timezone) == "America/New_York"
    assert page.js_errors == []


@pytest.mark.parametrize("width", [1366, 390])
async def test_crafting_ping_switch_on_the_profile(db, live_server, browser, member_login, width):
    page, player_id = await member_page(live_server, browser, member_login, width)
    switch = page.locator("#profile-crafting .js-crafting-ping")
    feedback = page.locator("#profile-crafting .crafting-feedback")
    assert not await switch.is_checked()
    await switch.check()
    await page.locator("#profile-crafting .crafting-feedback:text-is('Saved: you will be pinged.')").wait_for(
        timeout=10000
    )
    box, answer = await switch.bounding_box(), await feedback.bounding_box()
    assert abs(answer["y"] - box["y"]) < 120 and answer["x"] + answer["width"] <= width
    assert await stored(db, player_id, Player.crafting_notifications_enabled) is True
    await page.reload()
    assert await page.locator("#profile-crafting .js-crafting-ping").is_checked()
    await page.locator("#profile-crafting .js-crafting-ping").uncheck()
    await page.locator("#profile-crafting .crafting-feedback:text-is('Saved: no pings.')").wait_for(
        timeout=10000
    )
    assert await stored(db, player_id, Player.crafting_notifications_enabled) is False
    assert page.js_errors == []
