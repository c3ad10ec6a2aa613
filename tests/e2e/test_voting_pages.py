"""Voting pages in chromium: ranking by keyboard and drag-and-drop on a phone, results and admin fit 390 px."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from patt_host.testing import PASSWORD, create_member, sign_in
from patt_voting.models import Vote
from patt_voting.services import ballots, campaigns, lifecycle
from sv_common.auth import Actor

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


async def account(db, name: str, rank: str) -> int:
    return (await create_member(db, rank, name, username=name.lower())).player_id


async def live_campaign(
    db, method="points", names=("Alder", "Birch", "Cedar", "Dogwood")
) -> tuple[int, dict]:
    async with db.session() as s:
        campaign = await campaigns.create_campaign(
            s,
            {
                "title": "Guild banner with a fairly long title that must wrap on a phone",
                "description": "Rank your favourites.",
                "start_at": datetime.now(UTC),
                "duration_hours": 48,
                "picks_per_voter": 3,
                "min_rank_to_vote": 1,
                "counting_method": method,
                "agent_enabled": False,
            },
            None,
        )
        ids = {}
        for order, name in enumerate(names):
            entry = await campaigns.add_entry(s, campaign.id, {"name": name, "sort_order": order})
            ids[name] = entry.id
        await lifecycle.activate(s, campaign.id)
        return campaign.id, ids


async def log_in(browser, server, username: str, path: str):
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    await sign_in(page, server, username, PASSWORD, path)
    return context, page


async def fits(page) -> bool:
    width, client = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return width <= client


async def ranked(page) -> list[str]:
    return [t.split(". ", 1)[1] for t in await page.locator(".vote-ranked-item span").all_inner_texts()]


async def test_rank_with_keyboard_and_drag_on_a_phone(db, live_server, browser):
    player_id = await account(db, "Phoebe", "Member")
    campaign_id, ids = await live_campaign(db)
    server = live_server()
    context, page = await log_in(browser, server, "phoebe", f"/vote/{campaign_id}")
    try:
        assert await fits(page)
        assert await page.locator("select[name^=rank_]").first.is_hidden()  # the list replaced the selects
        for name in ("Cedar", "Alder", "Birch"):
            await page.locator(f".vote-entry:has-text('{name}') .vote-add").click()
        assert await ranked(page) == ["Cedar", "Alder", "Birch"]
        # A fourth entry cannot be added (three picks).
        assert await page.locator(".vote-entry:has-text('Dogwood') .vote-add").is_disabled()
        # Keyboard: focus Cedar, arrow down moves it below Alder.
        await page.locator(".vote-ranked-item").first.focus()
        await page.keyboard.press("ArrowDown")
        assert await ranked(page) == ["Alder", "Cedar", "Birch"]
        # Drag Birch onto Alder: Birch takes first place.
        await page.drag_and_drop(".vote-ranked-item >> nth=2", ".vote-ranked-item >> nth=0")
        assert await ranked(page) == ["Birch", "Alder", "Cedar"]
        await page.click("form.js-ballot button[type=submit]")
        await page.wait_for_url("**saved=ballot**")
        assert "Your ballot is saved." in await page.text_content("#ballot")
        assert await fits(page)
        async with db.session() as s:
            stored = await s.scalar(select(Vote.rankings).where(Vote.player_id == player_id))
        assert stored == [ids["Birch"], ids["Alder"], ids["Cedar"]]
        assert page.js_errors == []
    finally:
        await context.close()


async def test_results_and_admin_pages_fit_a_phone(db, live_server, browser):
    await account(db, "Olga", "Officer")
    campaign_id, ids = await live_campaign(
        db, method="condorcet", names=tuple(f"Entry number {i}" for i in range(8))
    )
    voters = [await account(db, f"Voter{i}", "Member") for i in range(3)]
    async with db.session() as s:
        for i, player_id in enumerate(voters):
            actor = Actor(user_id=None, player_id=player_id, display_name="v", rank_level=2)
            ranking = [ids[f"Entry number {(i + k) % 8}"] for k in range(3)]
            await ballots.cast_ballot(s, campaign_id, actor, ranking, officer_level=4)
        await lifecycle.close(s, campaign_id)
    server = live_server()
    context, page = await log_in(browser, server, "olga", f"/vote/{campaign_id}/results")
    try:
        assert "Pairwise matrix" in await page.text_content("main")
        assert await fits(page)
        for path in (f"/admin/campaigns/{campaign_id}", "/admin/campaigns", "/vote"):
            await page.goto(server.url + path)
            assert await fits(page), path
        assert page.js_errors == []
    finally:
        await context.close()


async def test_no_js_ballot_and_instant_runoff_results_and_home_on_a_phone(db, live_server, browser):
    """Without JavaScript the rank selects are the ballot; the round table and home panel fit 390 px."""
    await account(db, "Nadia", "Member")
    campaign_id, ids = await live_campaign(db, method="instant_runoff")
    server = live_server()
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    try:
        await sign_in(page, server, "nadia", PASSWORD, f"/vote/{campaign_id}")
        assert await fits(page)
        # Two entries with rank 1: refused, and the message sits in the ballot panel.
        await page.select_option(f"select[name=rank_{ids['Cedar']}]", "1")
        await page.select_option(f"select[name=rank_{ids['Birch']}]", "1")
        await page.click("form.js-ballot button[type=submit]")
        assert "Two entries have rank 1" in await page.text_content("#ballot .flash-error")
        assert await fits(page)
        await page.select_option(f"select[name=rank_{ids['Cedar']}]", "1")
        await page.select_option(f"select[name=rank_{ids['Birch']}]", "2")
        await page.click("form.js-ballot button[type=submit]")
        await page.wait_for_url("**saved=ballot**")
        assert "Your ballot is saved." in await page.text_content("#ballot .flash-success")
        async with db.session() as s:
            others = [ids["Alder"], ids["Birch"], ids["Alder"]]
            for i, first in enumerate(others):
                voter = await account(db, f"Late{i}", "Member")
                actor = Actor(user_id=None, player_id=voter, display_name="v", rank_level=2)
                await ballots.cast_ballot(s, campaign_id, actor, [first, ids["Dogwood"]], officer_level=4)
        async with db.session() as s:
            await lifecycle.close(s, campaign_id)
        await page.goto(f"{server.url}/vote/{campaign_id}/results")
        assert "Round by round" in await page.text_content("main")
        assert await page.locator("svg.vote-chart").count() == 1
        assert await fits(page)
        await page.goto(server.url + "/")
        assert await page.locator(".vote-home").count() == 1
        assert await fits(page)
    finally:
        await context.close()
