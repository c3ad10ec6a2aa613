"""The raids pages in chromium at 390 px and 1366 px: an officer adds a weekly night and an event,
reads availability and marks attendance in bulk, sets members' answers on the event page and tests
the Raid-Helper connection; an officer adjusts a new event's roster before creating it; a member
answers on the event page. Each action's feedback shows beside it and no page scrolls sideways."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from patt_host.testing import create_member, eventually, no_horizontal_overflow, sign_in
from patt_identity.models import PlayerAvailability
from patt_raids.services import events
from patt_raids.services.raiders import set_auto_invite
from sv_common.identity import players as player_service
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import Player, Specialization, WowCharacter, WowClass
from sv_common.testing.fake_raid_helper import FakeRaidHelper

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
        await sign_in(page, server, officer.username, officer.password, "/admin/raids")
        assert await no_horizontal_overflow(page)

        night = page.locator("#raids-recurring-new")
        await night.locator("select[name=day_of_week]").select_option("1")
        await night.locator("input[name=label]").fill("Heroic Tuesday")
        posts = []
        page.on(
            "request",
            lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/recurring-events") else None,
        )
        await night.locator("button[type=submit]").dblclick()  # one night, and "Added" (not a refusal)
        await night.locator(".raids-feedback:has-text('Added Tuesday')").wait_for(timeout=15000)
        assert len(posts) == 1
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
        # On the title and time's row, to their right (not on a line of its own), at both widths.
        what = await page.locator(
            f"#raids-upcoming li[data-id='{event_id}'] .raids-upcoming-what"
        ).bounding_box()
        assert place["y"] < what["y"] + what["height"] and place["y"] + place["height"] > what["y"]
        assert place["x"] >= what["x"] + what["width"]
        assert await no_horizontal_overflow(page)

        await page.goto(server.url + "/admin/raids/availability")
        tuesday = page.locator(".raids-day[data-day='1']")
        await tuesday.wait_for()
        assert "2 / 2 available" in await tuesday.inner_text()
        assert "Heroic Tuesday" in await tuesday.inner_text()
        assert await no_horizontal_overflow(page)
        # Each night's "Who" table fits its card: no sideways scrolling (it was cut by a few px
        # at 1366 px, and scrolled on a phone).
        await tuesday.locator("summary").click()
        who = tuesday.locator("table.raids-people")
        assert await who.locator("tbody tr").count() == 2
        assert await who.evaluate("(t) => t.scrollWidth <= t.parentElement.clientWidth")

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
        await sign_in(mpage, server, member.username, member.password, f"/raids/events/{event_id}")
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
        # The attendance table is whole in its panel, Rate included (cut off at 1366 px too).
        box = mpage.locator("#profile-raids .table-scroll:has(#raids-my-attendance)")
        assert await box.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
        if width > 760:  # and where the panel is narrowest (it scrolled 17 px at 1100 px)
            await mpage.set_viewport_size({"width": 1100, "height": 900})
            assert await box.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
        assert errors == []
    finally:
        await officer_context.close()
        await member_context.close()


def in_view(place, width, height=900) -> bool:
    return (
        place is not None
        and place["x"] >= 0
        and place["x"] + place["width"] <= width
        and (0 <= place["y"] and place["y"] + place["height"] <= height)
    )


async def test_officer_sets_members_answers_on_the_event_page_at_390px(db, live_server, browser):
    server = live_server(plugins=PLUGINS)
    officer = await create_member(db, "Officer", "Chief Answers")
    member = await create_member(db, "Member", "Voice Bencher")
    await give_main(db, officer.player_id, "Priest", "Holy", "America/New_York")
    await give_main(db, member.player_id, "Warrior", "Protection", "Europe/Berlin")
    async with db.session() as s:
        event = await events.create_event(
            s,
            title="Answers night",
            event_date=(datetime.now(UTC) + timedelta(days=4)).date(),
            start_time=time(20, 0),
            timezone="UTC",
        )
        event_id = event.id
    late = await create_member(db, "Member", "Late Mage")  # joined after the event was made
    await give_main(db, late.player_id, "Mage", "Frost", "UTC")

    context = await browser.new_context(viewport={"width": 390, "height": 900})
    errors = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await sign_in(page, server, officer.username, officer.password, f"/admin/raids/events/{event_id}")
        assert "no signup 1" in await page.locator("#raids-signup-counts").inner_text()
        assert await no_horizontal_overflow(page)

        # The member told the officer on voice: bench. Feedback beside the control, in view.
        row = page.locator(f"tr[data-player='{member.player_id}']")
        await row.locator(".js-raids-signup").select_option("bench")
        feedback = row.locator(".raids-feedback")
        await row.locator(".raids-feedback:has-text('Voice Bencher is bench')").wait_for(timeout=15000)
        assert in_view(await feedback.bounding_box(), 390)
        assert await row.get_attribute("data-status") == "bench"
        assert "by an officer" in await row.locator(".raids-source").inner_text()
        counts = page.locator("#raids-signup-counts:has-text('bench 1')")
        await counts.wait_for(timeout=15000)  # the counts follow without a reload

        # The raider with no signup yet is put on the event; the composition follows.
        late_row = page.locator(f"tr[data-player='{late.player_id}']")
        assert await late_row.locator(".js-raids-signup").input_value() == ""
        await late_row.locator(".js-raids-signup").select_option("accepted")
        await late_row.locator(".raids-feedback:has-text('Late Mage is accepted')").wait_for(timeout=15000)
        ranged = page.locator("#raids-composition tr[data-role=ranged] .raids-accepted:text-is('1')")
        await ranged.wait_for(timeout=15000)
        await page.locator("#raids-signup-counts:not(:has-text('no signup'))").wait_for(timeout=15000)
        assert "accepted 1" in await page.locator("#raids-signup-counts").inner_text()
        assert await late_row.locator(".js-raids-signup option[value='']").count() == 0
        assert await no_horizontal_overflow(page)

        # Cancelled meanwhile (another officer): the refusal shows beside the control, which
        # goes back to what is saved.
        async with db.session() as s:
            await events.cancel_event(s, event_id)
        await row.locator(".js-raids-signup").select_option("absent")
        await row.locator(".raids-feedback.error:has-text('cancelled')").wait_for(timeout=15000)
        assert await row.locator(".js-raids-signup").input_value() == "bench"
        assert in_view(await row.locator(".raids-feedback").bounding_box(), 390)
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()


async def test_officer_tests_the_raid_helper_connection_at_390px(db, live_server, browser, raid_helper_env):
    fake = FakeRaidHelper(api_key="rh-e2e-key-0123456789", server_id="800000000000000555")
    await fake.start()
    raid_helper_env(fake, "810000000000000555")
    server = live_server(plugins=PLUGINS)
    officer = await create_member(db, "Officer", "Chief Connector")
    context = await browser.new_context(viewport={"width": 390, "height": 900})
    errors = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await sign_in(page, server, officer.username, officer.password, "/admin/raids")
        panel = page.locator("#raids-raid-helper")
        assert "Connector on" in await panel.inner_text()
        button = panel.locator(".js-raids-rh-test")
        await button.click()
        feedback = panel.locator(".raids-feedback")
        await panel.locator(".raids-feedback:has-text('Connected')").wait_for(timeout=15000)
        assert "server 800000000000000555 (0 events posted there)" in await feedback.inner_text()
        assert in_view(await feedback.bounding_box(), 390)
        assert len(fake.requests_to("GET", r"/api/v4/servers/800000000000000555/events")) == 1

        fake.api_key = "rh-refreshed-key-000000"  # the guild ran /apikey again: the site's key is stale
        await button.click()
        await panel.locator(".raids-feedback.error:has-text('401')").wait_for(timeout=15000)
        assert "API key" in await feedback.inner_text()
        assert await button.is_enabled()  # ready to try again once the key is fixed
        assert in_view(await feedback.bounding_box(), 390)
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()
        await fake.stop()


async def test_the_demo_officer_tests_the_demo_fake_raid_helper_at_390px(db, make_host, live_server, browser):
    """`patt demo` without a real Raid-Helper: the panel says the connector talks to the demo's
    fake, "Test connection" answers with the events the demo's sync put there, and the event
    page shows the Raid-Helper event."""
    seeding = make_host(plugins=PLUGINS, patt_demo=True)
    async with seeding.running(), seeding.db.session() as session:
        summaries = await seeding.hooks.seed_demo_data(session)
    username, password = re.search(r"officer login: (\S+) / (\S+)$", summaries["identity"]).groups()
    host = make_host(plugins=PLUGINS, patt_demo=True)
    server = live_server(host)
    fake = host.plugin_state("raids").demo_raid_helper
    async with db.session() as session:
        upcoming = await events.list_events(session, upcoming=True)
    await eventually(lambda: len(fake.events) == len(upcoming), timeout=30)  # the first sync pass
    context = await browser.new_context(viewport={"width": 390, "height": 900})
    errors = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await sign_in(page, server, username, password, "/admin/raids")
        panel = page.locator("#raids-raid-helper")
        assert "demo fake" in await panel.locator("h2").inner_text()
        assert "in-process fake" in await panel.locator("#raids-raid-helper-demo").inner_text()
        assert "Connector on" in await panel.inner_text()
        await panel.locator(".js-raids-rh-test").click()
        feedback = panel.locator(".raids-feedback")
        await panel.locator(".raids-feedback:has-text('Connected')").wait_for(timeout=15000)
        assert (
            f"the demo's fake Raid-Helper accepts the key for server 700000000000000001 "
            f"({len(upcoming)} events posted there)" in await feedback.inner_text()
        )
        assert in_view(await feedback.bounding_box(), 390)
        assert await no_horizontal_overflow(page)

        await page.goto(f"{server.url}/admin/raids/events/{upcoming[0].id}")
        async with db.session() as session:
            rh_id = (await events.get_event(session, upcoming[0].id)).raid_helper_event_id
        facts = await page.locator(".raids-facts").inner_text()
        assert f"event {rh_id}" in facts and "the demo's fake Raid-Helper" in facts
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()


async def link_discord(db, player_id: int, discord_id: str) -> None:
    async with db.session() as s:
        user, _ = await upsert_discord_user(
            s, discord_id=discord_id, username=f"u{discord_id}", display_name=None, role_ids=[]
        )
        await player_service.link_discord(s, player_id=player_id, discord_user_id=user.id)


async def test_officer_adjusts_the_roster_before_creating_an_event_at_390px(
    db, live_server, browser, raid_helper_env
):
    """The New event form's roster preview: one raider skipped and one benched before creating;
    the event page and the demo's fake Raid-Helper get exactly that, and the member without a
    Discord account is flagged in the preview and not sent."""
    fake = FakeRaidHelper(api_key="rh-e2e-key-roster-000000", server_id="800000000000000777")
    await fake.start()
    raid_helper_env(fake, "810000000000000777", CHANNEL_ID="820000000000000777")
    server = live_server(plugins=PLUGINS)
    officer = await create_member(db, "Officer", "Chief Roster")
    keen = await create_member(db, "Member", "Keen Healer")
    bencher = await create_member(db, "Member", "Bench Me")
    skipper = await create_member(db, "Member", "Skip Me")
    loner = await create_member(db, "Member", "Nell No-Discord")
    leaver = await create_member(db, "Member", "Leaving Lee")
    await give_main(db, leaver.player_id, "Hunter", "Marksmanship", "UTC")
    for n, (who, spec) in enumerate(
        [
            (officer, ("Priest", "Holy")),
            (keen, ("Druid", "Restoration")),
            (bencher, ("Warrior", "Protection")),
            (skipper, ("Mage", "Frost")),
            (loner, ("Rogue", "Outlaw")),
        ]
    ):
        await give_main(db, who.player_id, *spec, "UTC")
        if who is not loner:
            await link_discord(db, who.player_id, f"89200000000000{n:04d}")
    async with db.session() as s:
        await set_auto_invite(s, keen.player_id, True)
    discord_of = {
        who.player_id: f"89200000000000{n:04d}" for n, who in enumerate([officer, keen, bencher, skipper])
    }

    context = await browser.new_context(viewport={"width": 390, "height": 900})
    errors = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await sign_in(page, server, officer.username, officer.password, "/admin/raids")
        roster = page.locator("#raids-roster")
        assert await roster.get_attribute("open") is None  # collapsed: the form stays short
        summary = roster.locator("summary")
        assert await summary.inner_text() == "Roster (6) — adjust before creating"
        await summary.click()
        counts = page.locator("#raids-roster-counts")
        assert await counts.inner_text() == "accepted 1 · tentative 5 · bench 0"
        row = lambda who: roster.locator(f".raids-roster-row[data-player='{who.player_id}']")  # noqa: E731
        assert "auto-invite" in await row(keen).inner_text()
        assert await row(loner).locator(".raids-no-discord").count() == 1
        assert await row(keen).locator(".raids-no-discord").count() == 0
        assert await row(bencher).locator(".js-raids-override").input_value() == ""  # "default (tentative)"

        await row(skipper).locator(".js-raids-override").select_option("skip")
        await row(bencher).locator(".js-raids-override").select_option("bench")
        assert await counts.inner_text() == "accepted 1 · tentative 3 · bench 1 · skipped 1 — 2 changed"
        assert await row(skipper).get_attribute("data-effective") == "skip"
        for each in await roster.locator(".raids-roster-row").all():  # every picker within the screen
            place = await each.locator(".js-raids-override").bounding_box()
            assert place is not None and place["x"] >= 0 and place["x"] + place["width"] <= 390
        assert await no_horizontal_overflow(page)

        form = page.locator("#raids-event-new")
        await form.locator("input[name=title]").fill("Roster night")
        await form.locator("input[name=event_date]").fill(
            (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
        )
        # The roster went stale: Lee left the guild after the page was loaded. A change for Lee is
        # refused beside Create with the name, and no event is made.
        async with db.session() as s:
            (await s.get(Player, leaver.player_id)).is_active = False
        await row(leaver).locator(".js-raids-override").select_option("bench")
        await form.locator("button[type=submit]").click()
        refusal = form.locator(".raids-feedback.error")
        await refusal.wait_for(timeout=15000)
        assert f"Leaving Lee ({leaver.player_id})" in await refusal.inner_text()
        assert in_view(await refusal.bounding_box(), 390)
        async with db.session() as s:
            assert await events.list_events(s, upcoming=True) == []
        await row(leaver).locator(".js-raids-override").select_option("")  # back to the rule
        async with page.expect_request(
            lambda r: r.method == "POST" and r.url.endswith("/api/v1/admin/raids/events")
        ) as sent:
            await form.locator("button[type=submit]").click()
        assert (await sent.value).post_data_json["player_overrides"] == {  # only the rows changed
            str(skipper.player_id): "skip",
            str(bencher.player_id): "bench",
        }
        created = form.locator(".raids-feedback a")
        await created.wait_for(timeout=15000)
        assert in_view(await form.locator(".raids-feedback").bounding_box(), 390)
        # The form is ready for the next event: every row back on its rule.
        assert await counts.inner_text() == "accepted 1 · tentative 5 · bench 0"
        event_id = int((await created.get_attribute("href")).rsplit("/", 1)[1])
        assert await no_horizontal_overflow(page)

        # Raid-Helper gets the four linked signups minus the skipped one, the bench as bench.
        rh_id = await eventually(lambda: next(iter(fake.events), None), timeout=30)
        await eventually(lambda: len(fake.signups(rh_id)) == 3, timeout=30)
        got = fake.signups(rh_id)
        assert set(got) == {discord_of[p.player_id] for p in (officer, keen, bencher)}
        assert got[discord_of[bencher.player_id]]["className"] == "Bench"

        await page.goto(f"{server.url}/admin/raids/events/{event_id}")
        signup = lambda who: page.locator(f"#raids-attendance tr[data-player='{who.player_id}']")  # noqa: E731
        assert await signup(bencher).get_attribute("data-status") == "bench"
        assert "set at creation" in await signup(bencher).locator(".raids-source").inner_text()
        assert await signup(keen).get_attribute("data-status") == "accepted"
        assert await signup(loner).get_attribute("data-status") == "tentative"
        assert await signup(skipper).get_attribute("data-status") == ""  # skipped: no signup
        assert "no signup 1" in await page.locator("#raids-signup-counts").inner_text()

        async def facts_say_sent() -> bool:  # the sync stores what it sent right after sending
            await page.reload()
            return (
                "3 of 4 signups sent (1 without a linked Discord account"
                in await page.locator(".raids-facts").inner_text()
            )

        await eventually(facts_say_sent, timeout=30)
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()
        await fake.stop()
