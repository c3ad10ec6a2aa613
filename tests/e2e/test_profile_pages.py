"""The member's profile in chromium at 390 and 1366 px: the timezone picker (searchable IANA
list, the device's zone in one click, the time there shown, checked by the server),
crafting's "ping me for guild orders" switch, saved at once with its answer beside it, and
every form's answer beside its own button, on screen after the page reloads (a refused form
still holding what was typed)."""

import re

import pytest
from sqlalchemy import select

from patt_host.testing import PASSWORD, eventually
from patt_identity.models import PlayerAvailability
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import Player, WowClass

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


async def stored_hours(db, player_id, day):
    async with db.session() as s:
        return await s.scalar(
            select(PlayerAvailability.available_hours).where(
                PlayerAvailability.player_id == player_id, PlayerAvailability.day_of_week == day
            )
        )


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
    await page.fill("input[name=display_name]", "Tess <b>Renamed</b>")
    await page.click("#profile-info button[type=submit]")
    await page.locator("[role=alert]:has-text('Choose a timezone from the list')").wait_for(timeout=10000)
    assert await stored(db, player_id, Player.timezone) == "America/New_York"
    assert await stored(db, player_id, Player.display_name) == "Tess"
    # The refused form still holds what was typed (as text), with the answer beside its button.
    assert await page.locator("#profile-timezone").input_value() == "Mars/Olympus"
    assert await page.locator("input[name=display_name]").input_value() == "Tess <b>Renamed</b>"
    assert "Not a timezone on the list" in await page.locator(".js-tz-now").text_content()
    await answered_beside(page, "profile-info", "Save", "Choose a timezone from the list", width)
    assert page.js_errors == []


@pytest.mark.parametrize("width", [1366, 390])
async def test_crafting_ping_switch_on_the_profile(db, live_server, browser, member_login, width):
    page, player_id = await member_page(live_server, browser, member_login, width)
    switch = page.locator("#profile-crafting .js-crafting-ping")
    feedback = page.locator("#profile-crafting .crafting-feedback")
    assert not await switch.is_checked()
    await switch.check()
    # This site has no crafters' channel yet: the switch is kept, and says when pings start.
    saved = "Saved: you will be pinged once guild orders are on."
    await page.locator(f"#profile-crafting .crafting-feedback:text-is('{saved}')").wait_for(timeout=10000)
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


async def on_screen(page, locator) -> bool:
    """Whether ``locator`` is wholly inside the viewport (not scrolled away, not off the side)."""
    box, view = await locator.bounding_box(), page.viewport_size
    return (
        bool(box)
        and 0 <= box["y"]
        and box["y"] + box["height"] <= view["height"]
        and (0 <= box["x"] and box["x"] + box["width"] <= view["width"])
    )


async def answered_beside(page, section: str, button_text: str, answer: str, width: int) -> None:
    """After a reload, ``answer`` shows in ``section`` next to its button, on screen, and not at the top."""
    message = page.locator(f"#{section} .profile-done .flash", has_text=answer)
    await message.wait_for(timeout=10000)
    await eventually(lambda: on_screen(page, message))  # the page lands on it after loading
    button = page.locator(f"#{section} button[type=submit]", has_text=button_text)
    button_box, message_box = await button.bounding_box(), await message.bounding_box()
    assert 0 <= message_box["y"] - button_box["y"] < 120, (button_box, message_box)
    assert await page.locator("body > .flash").count() == 0  # not (also) at the page's top
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, (width, overflow)


@pytest.mark.parametrize("width", [390, 1366])
async def test_each_profile_form_answers_beside_its_own_button(db, live_server, browser, member_login, width):
    page, player_id = await member_page(live_server, browser, member_login, width)
    async with db.session() as s:
        mage = await s.scalar(select(WowClass.id).where(WowClass.name == "Mage"))
        character, _ = await upsert_character(s, name="Tessmage", realm_slug="test-realm", class_id=mage)
        await player_service.link_character(s, player_id=player_id, character_id=character.id)
    await page.reload()

    # Availability: the longest section; its button is screens below the top on a phone.
    await page.check('input[name="day_1_available"]')
    await page.fill('input[name="day_1_hours"]', "3")
    await page.click("#profile-availability button[type=submit]")
    await page.wait_for_url(re.compile(r"/profile\?saved=availability#profile-availability-done$"))
    await answered_beside(
        page, "profile-availability", "Save availability", "Your availability is saved.", width
    )
    # A refusal (a ticked day without its hours) answers there too, and the page lands on it.
    await page.check('input[name="day_4_available"]')
    await page.fill('input[name="day_1_hours"]', "2.5")
    await page.click("#profile-availability button[type=submit]")
    refusal = page.locator("#profile-availability .profile-done [role=alert]", has_text="Friday is ticked")
    await refusal.wait_for(timeout=10000)
    await eventually(lambda: on_screen(page, refusal))
    # The week still reads as filled in (the refused day ticked), ready to fix and send again.
    assert await page.locator('input[name="day_4_available"]').is_checked()
    assert await page.locator('input[name="day_1_hours"]').input_value() == "2.5"
    assert await stored_hours(db, player_id, 1) == 3
    await page.fill('input[name="day_4_hours"]', "2")
    await page.click("#profile-availability button[type=submit]")
    await page.wait_for_url(re.compile(r"/profile\?saved=availability#profile-availability-done$"))
    assert await page.locator('input[name="day_4_available"]').is_checked()
    assert (await stored_hours(db, player_id, 1), await stored_hours(db, player_id, 4)) == (2.5, 2)

    await page.goto(page.url.split("/profile")[0] + "/profile")
    await page.select_option("select[name=main_character_id]", str(character.id))
    await page.click("#profile-characters button[type=submit]")
    await page.wait_for_url(re.compile(r"#profile-characters-done$"))
    await answered_beside(page, "profile-characters", "Save characters", "Your characters are saved.", width)

    # The password form names its account for password managers (not sent with the form).
    username = page.locator("#profile-password input[autocomplete=username]")
    assert await username.input_value() == "tess" and await username.get_attribute("name") is None
    await page.fill("input[name=current_password]", PASSWORD)  # member_login's (the kit's)
    await page.fill("input[name=new_password]", "a new horse battery")
    await page.fill("input[name=new_password2]", "a new horse battery")
    await page.click("#profile-password button[type=submit]")
    await page.wait_for_url(re.compile(r"#profile-password-done$"))
    await answered_beside(page, "profile-password", "Change password", "Your password is changed.", width)
    assert await stored(db, player_id, Player.main_character_id) == character.id
    # No password form is left without its account's name (Chrome warns in the console otherwise).
    assert (
        await page.locator("form:has(input[type=password]):not(:has(input[autocomplete=username]))").count()
        == 0
    )
    assert page.js_errors == []
