"""The raids pages in chromium at 390 px and 1366 px: an officer adds a weekly night and an event,
reads availability and marks attendance in bulk; a member answers on the event page. Each action's
feedback shows beside it and no page scrolls sideways."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from patt_host.testing import create_member
from patt_identity.models import PlayerAvailability
from patt_raids.services import events
from sv_common.identity.models import Player, Specialization, WowCharacter, WowClass

pytestmark = pytest.mark.e2e
PLUGINS = ["identity", "raids"]


async def give_main(db, player_id: int, class_name: str, spec_name: str, tz: str) -> None:
    async with db.session() as s:
        class_id, spec_id = (
            await s.execute(
                select(WowClass.id, Specialization.id)
                .join(Specialization, Specialization.class_id == WowClass.id)
                .where(WowClass.name == class_name, Specialization.name == spec_name)
            )
        ).one()
        character = WowCharacter(
            character_name=f"E2e{player_id}",
            realm_slug="e2e-realm",
            class_id=class_id,
            active_spec_id=spec_id,
        )
        s.add(character)
        await s.flush()
        player = await s.get(Player, player_id)
        player.main_character_id, player.main_spec_id, player.timezone = character.id, spec_id, tz
        s.add(
            PlayerAvailability(
                player_id=player_id, day_of_week=1, earliest_start=time(19, 0), available_hours=3
            )
        )


async def log_in(page, url, member, next_path):
    await page.goto(f"{url}/login?next={next_path}")
    await page.fill("input[name=username]", member.username)
    await page.fill("input[name=password]", member.password)
    await page.click("form.stack button[type=submit]")
    await page.wait_for_url(f"**{next_path}")


async def no_horizontal_overflow(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [390, 1366])
async def test_officer_and_member_pages(db, live_server, browser, width):
    server = live_server(plugins=PLUGINS)
    officer = await create_member(db, "Officer", f"Chief{width}")
    member = await create_member(db, "Member", f"Tank{width}")
    await give_main(db, officer.player_id, "Priest", "Holy", "America/New_York")
    await give_main(db, member.player_id, "Warrior", "Protection", "Europe/Berlin")
    async with db.session() as s:
        past = await events.create_event(
            s,
            title="Last week",
            event_date=(datetime.now(UTC) - timedelta(days=7)).date(),
            start_time=time(20, 0),
            timezone="UTC",
        )
        past_id = past.id

    officer_context = await browser.new_context(viewport={"width": width, "height": 900})
    member_context = await browser.new_context(viewport={"width": width, "height": 900})
    errors = []
    try:
        page = await officer_context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await log_in(page, server.url, officer, "/admin/raids")
        assert await no_horizontal_overflow(page)

        night = page.locator("#raids-recurring-new")
        await night.locator("select[name=day_of_week]").select_option("1")
        await night.locator("input[name=label]").fill("Heroic Tuesday")
        await night.locator("button[type=submit]").click()
        await night.locator(".raids-feedback:has-text('Added Tuesday')").wait_for(timeout=15000)
        # The form was cleared; the same weekday again is refused beside the button.
        await night.locator("select[name=day_of_week]").select_option("1")
        await night.locator("input[name=label]").fill("Second Tuesday")
        await night.locator("button[type=submit]").click()
        await night.locator(".raids-feedback.error:has-text('already has an active')").wait_for(timeout=15000)

        form = page.locator("#raids-event-new")
        await form.locator("input[name=title]").fill("Alt run")
        await form.locator("input[name=event_date]").fill(
            (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
        )
        await form.locator("button[type=submit]").click()
        created = form.locator(".raids-feedback a")
        await created.wait_for(timeout=15000)
        event_href = await created.get_attribute("href")
        event_id = int(event_href.rsplit("/", 1)[1])
        assert await no_horizontal_overflow(page)

        # The officer moves the event and renames it on its page; a bad zone is refused beside Save.
        await page.goto(server.url + event_href)
        edit = page.locator("#raids-event-edit")
        await edit.locator("input[name=title]").fill("Alt run, later")
        await edit.locator("input[name=start_time]").fill("22:30")
        await edit.locator("button[type=submit]").click()
        await edit.locator(".raids-feedback:has-text('Saved')").wait_for(timeout=15000)
        place = await edit.locator(".raids-feedback").bounding_box()  # in view beside Save, even on a phone
        assert place is not None and 0 <= place["y"] and place["y"] + place["height"] <= 900
        assert await page.locator("#raids-event-title").inner_text() == "Alt run, later"
        assert "22:30" in await page.locator("#raids-event-start").inner_text()
        await edit.locator("input[name=timezone]").fill("Atlantis/Capital")
        await edit.locator("button[type=submit]").click()
        await edit.locator(".raids-feedback.error:has-text('time zone')").wait_for(timeout=15000)
        assert await no_horizontal_overflow(page)

        # The upcoming list: the event's Cancel sits beside it, within the screen's width.
        await page.goto(server.url + "/admin/raids")
        cancel = page.locator(f"#raids-upcoming li[data-id='{event_id}'] .js-raids-cancel")
        place = await cancel.bounding_box()
        assert place is not None and place["x"] + place["width"] <= width
        assert await no_horizontal_overflow(page)

        await page.goto(server.url + "/admin/raids/availability")
        tuesday = page.locator(".raids-day[data-day='1']")
        await tuesday.wait_for()
        assert "2 / 2 available" in await tuesday.inner_text()
        assert "Heroic Tuesday" in await tuesday.inner_text()
        assert await no_horizontal_overflow(page)

        await page.goto(f"{server.url}/admin/raids/events/{past_id}")
        await page.locator(".js-raids-all").check()
        await page.locator(".js-raids-bulk[data-mark=attended]").click()
        await page.locator("#raids-bulk-feedback:has-text('Marked 2 as attended')").wait_for(timeout=15000)
        for mark in await page.locator(".raids-mark").all():  # each result in view, not cut off
            place = await mark.bounding_box()
            assert place is not None and place["x"] + place["width"] <= width
        assert await no_horizontal_overflow(page)

        await page.goto(f"{server.url}/admin/players")  # the season's attendance beside each player
        mark = page.locator(f"[data-raids-attendance='{member.player_id}']")
        await mark.wait_for(timeout=15000)
        assert "attended 1/1" in await mark.inner_text()
        await page.goto(f"{server.url}/admin/players/{member.player_id}")
        await page.locator(f"[data-raids-attendance='{member.player_id}']").wait_for(timeout=15000)

        mpage = await member_context.new_page()
        mpage.on("pageerror", lambda exc: errors.append(str(exc)))
        await log_in(mpage, server.url, member, f"/raids/events/{event_id}")
        assert "tentative" in await mpage.locator("#raids-answer-feedback").inner_text()
        assert "Alt run, later" in await mpage.locator("h1").inner_text()  # the officer's edit
        await mpage.locator(".js-raids-answer[data-status=accepted]").click()
        await mpage.locator("#raids-answer-feedback:has-text('you are accepted')").wait_for(timeout=15000)
        assert (
            await mpage.locator(".js-raids-answer[data-status=accepted]").get_attribute("aria-pressed")
            == "true"
        )
        assert await no_horizontal_overflow(mpage)
        # The composition and the lists follow the answer without a reload.
        tank = mpage.locator("#raids-composition tr[data-role=tank] .raids-accepted:text-is('1')")
        await tank.wait_for(timeout=15000)
        accepted = mpage.locator("#raids-signups .raids-group[data-status=accepted]")
        assert f"E2e{member.player_id}" in await accepted.inner_text()  # their main, now accepted

        await mpage.goto(server.url + "/profile")
        box = mpage.locator(".js-raids-auto-invite")
        await box.check()
        await mpage.locator("#profile-raids .raids-feedback:has-text('accepted on new events')").wait_for(
            timeout=15000
        )
        assert await no_horizontal_overflow(mpage)
        assert errors == []
    finally:
        await officer_context.close()
        await member_context.close()
