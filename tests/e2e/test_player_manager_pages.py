"""The Player Manager's compact lists in a real browser, at 1366 and 390 px: the first page of
40 players fits in a screenful or three, an unlinked character is linked in three clicks from
the dashboard, suggestions are applied in bulk, ranks set in bulk and a stray character removed."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from patt_host.testing import no_horizontal_overflow
from sv_common.identity import matching
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    InviteCode,
    Player,
    PlayerCharacter,
    Specialization,
    WowCharacter,
    WowClass,
)
from sv_common.identity.ranks import set_rank_override

pytestmark = pytest.mark.e2e
WIDTHS = [1366, 390]


async def make_player(db, name, *, rank="Member", characters=()):
    """A player with a rank override and (name, class) characters, the first their main."""
    async with db.session() as s:
        player = await player_service.create_player(s, display_name=name)
        await set_rank_override(
            s, player.id, await s.scalar(select(GuildRank.id).where(GuildRank.name == rank))
        )
        ids = []
        for char_name, class_name in characters:
            class_id = await s.scalar(select(WowClass.id).where(WowClass.name == class_name))
            character, _ = await upsert_character(
                s, name=char_name, realm_slug="test-realm", class_id=class_id
            )
            await player_service.link_character(s, player_id=player.id, character_id=character.id)
            ids.append(character.id)
        if ids:
            player.main_character_id = ids[0]
        return player.id, ids


async def officer_page(db, live_server, browser, member_login, width):
    # The guild leader exists so the officer's rank ceiling is a real one.
    await make_player(db, "Gwen", rank="Guild Leader")
    server = live_server()
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    await member_login(page, server, "/admin", name="Olga", username="olga", rank="Officer")
    page.server_url = server.url
    return page


async def fill_guild(db, players: int) -> None:
    """``players`` players, each with a main and two alts, most on Discord, some registered-looking."""
    async with db.session() as s:
        specs = (await s.execute(select(Specialization.id, Specialization.class_id))).all()
        ranks = list(
            await s.scalars(select(GuildRank.id).where(GuildRank.level < 4).order_by(GuildRank.level))
        )
        discord_ids = list(
            await s.scalars(
                insert(DiscordUser).returning(DiscordUser.id),
                [
                    {"discord_id": str(10**17 + i), "username": f"discordname{i:03d}", "is_present": True}
                    for i in range(players)
                ],
            )
        )
        player_ids = list(
            await s.scalars(
                insert(Player).returning(Player.id),
                [
                    {
                        "display_name": f"Guildie Number {i:03d}",
                        "guild_rank_id": ranks[i % len(ranks)],
                        "discord_user_id": discord_ids[i] if i % 4 else None,
                    }
                    for i in range(players)
                ],
            )
        )
        character_ids = list(
            await s.scalars(
                insert(WowCharacter).returning(WowCharacter.id),
                [
                    {
                        "character_name": f"Longcharname{i:04d}",
                        "realm_slug": "argent-dawn",
                        "class_id": specs[i % len(specs)][1],
                        "active_spec_id": specs[i % len(specs)][0],
                        "level": 80,
                        "item_level": 600,
                    }
                    for i in range(players * 3)
                ],
            )
        )
        await s.execute(
            insert(PlayerCharacter),
            [
                {"player_id": player_ids[i // 3], "character_id": c, "link_source": "test"}
                for i, c in enumerate(character_ids)
            ],
        )
        for i, player_id in enumerate(player_ids):
            player = await s.get(Player, player_id)
            player.main_character_id = character_ids[i * 3]


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_first_page_of_forty_players_is_compact(db, live_server, browser, member_login, width):
    await fill_guild(db, 60)
    page = await officer_page(db, live_server, browser, member_login, width)
    await page.goto(page.server_url + "/admin/players")
    rows = page.locator("#pm-players tbody tr.pm-row")
    assert await rows.count() == 40
    height = await page.evaluate("document.documentElement.scrollHeight")
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, overflow
    if width == 1366:
        assert height < 2500, height  # it was 7,572 px with a full form per player
    # Each row reads name, rank, main, alts, Discord, account; the name opens the player.
    first = rows.first
    text = await first.inner_text()
    assert "Guildie Number 000" in text and "Longcharname0000" in text
    assert await first.locator("td[data-label=Alts]").inner_text() == "2"
    box = await first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    await first.locator("a.pm-open").click()
    await page.wait_for_url("**/admin/players/*")
    assert await page.locator(".pm-player .pm-char-role").count() == 3
    await page.locator(".pm-back a").click()
    await page.wait_for_url("**/admin/players")
    assert page.js_errors == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_an_officer_links_an_unlinked_character_in_three_clicks(
    db, live_server, browser, member_login, width
):
    rowan_id, _ = await make_player(db, "Rowan", characters=[("Rowanmage", "Mage")])
    await make_player(db, "Rowena")
    three_days_ago = datetime.now(UTC) - timedelta(days=3, hours=2)
    async with db.session() as s:
        loose, _ = await upsert_character(
            s,
            name="Loosey",
            realm_slug="test-realm",
            guild_note="Rowan's alt",
            last_login_timestamp=int(three_days_ago.timestamp() * 1000),
        )
        loose_id = loose.id
    page = await officer_page(db, live_server, browser, member_login, width)

    await page.click('[data-item="Characters not linked to a player"]')  # 1: the dashboard tile
    await page.wait_for_url("**/admin/players?filter=unlinked")
    assert await page.locator(".pm-tabs a[aria-current=page]").inner_text() == "Unlinked characters 1"
    row = page.locator(f'#pm-unlinked .pm-row[data-character="{loose_id}"]')
    # When the character last logged in, in words, inside the row on a phone too.
    last_login = row.locator('td[data-label="Last login"]')
    assert (await last_login.inner_text()).strip() == "3 days ago"
    box = await last_login.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    link = row.locator(".pm-pick")
    await link.click()  # 2: open the picker, searched by the note's name already
    choice = page.locator(f'#pm-picker .pm-choice[data-player="{rowan_id}"]')
    assert "main: Rowanmage" in await choice.inner_text()
    await choice.click()  # 3: the player
    status = row.locator(".pm-status:text-is('Linked to Rowan.')")
    await status.wait_for(timeout=10000)
    link_box, status_box = await link.bounding_box(), await status.bounding_box()
    assert abs(status_box["y"] - link_box["y"]) < 60 and status_box["x"] + status_box["width"] <= width
    async with db.session() as s:
        owner = await s.scalar(
            select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == loose_id)
        )
    assert owner == rowan_id

    # Without a hint the officer types: the list narrows on names and mains.
    async with db.session() as s:
        other, _ = await upsert_character(s, name="Nonote", realm_slug="test-realm")
    await page.reload()
    row = page.locator(f'#pm-unlinked .pm-row[data-character="{other.id}"]')
    assert (await row.locator('td[data-label="Last login"]').inner_text()).strip() == "never seen"
    await row.locator(".pm-pick").click()
    await page.fill("#pm-picker-search", "rowanm")
    assert await page.locator("#pm-picker .pm-choice").all_inner_texts() == ["Rowan main: Rowanmage"]
    await page.fill("#pm-picker-search", "zzz")
    assert await page.locator("#pm-picker-empty").is_visible()
    await page.click("#pm-picker button[value=cancel]")
    assert page.js_errors == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_bulk_apply_suggestions_and_remove_a_stray_character(
    db, live_server, browser, member_login, width
):
    async with db.session() as s:
        for i in range(3):
            await upsert_discord_user(
                s, discord_id=f"70000000000000000{i}", username=f"adopted{i}", display_name=None, role_ids=()
            )
            await upsert_character(s, name=f"Adopted{i}", realm_slug="test-realm")
        stray, _ = await upsert_character(s, name="Strayling", realm_slug="test-realm")
        await matching.run_matching(s, rules=matching.rule_set(), auto_apply=False)
    page = await officer_page(db, live_server, browser, member_login, width)
    await page.goto(page.server_url + "/admin/players?filter=unlinked")
    # On a phone's row card the checkbox sits top right: the character's words stop short of it.
    under_the_box = await page.evaluate(
        """() => [...document.querySelectorAll('#pm-unlinked .pm-row')].filter((row) => {
            const box = row.querySelector('.pm-select');
            const cell = row.querySelector('td[data-label=Character]');
            if (!box) return false;
            const b = box.getBoundingClientRect(), c = cell.getBoundingClientRect();
            const sameBand = c.top < b.bottom && c.bottom > b.top && c.left < b.right;
            return sameBand && c.right - parseFloat(getComputedStyle(cell).paddingRight) > b.left;
          }).map((row) => row.dataset.name)"""
    )
    assert under_the_box == [], under_the_box

    await page.check("#pm-select-all")
    apply = page.locator("#pm-bulk-apply button[type=submit]")
    await apply.click()
    status = page.locator("#pm-bulk-apply .pm-status:text-is('Applied 3 of 3.')")
    await status.wait_for(timeout=10000)
    assert await status.is_visible()
    for i in range(3):
        row = page.locator(f'#pm-unlinked .pm-row[data-name="Adopted{i}"]')
        assert await row.locator(".pm-status").inner_text() == f"Linked to adopted{i}."
    async with db.session() as s:
        linked = await s.scalar(
            select(PlayerCharacter.id).join(WowCharacter).where(WowCharacter.character_name == "Adopted2")
        )
    assert linked is not None

    row = page.locator(f'#pm-unlinked .pm-row[data-character="{stray.id}"]')
    await row.locator(".pm-remove").click()
    assert "no longer in the guild" in await page.locator("#pm-confirm-text").inner_text()
    await page.click("#pm-confirm button[value=no]")
    await row.locator(".pm-status:text-is('Not removed.')").wait_for(timeout=5000)
    await row.locator(".pm-remove").click()
    await page.click("#pm-confirm button[value=yes]")
    await row.locator(".pm-status:text-is('Removed.')").wait_for(timeout=10000)
    async with db.session() as s:
        assert (await s.get(WowCharacter, stray.id)).removed_at is not None
    assert page.js_errors == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_matching_runs_for_one_rank_and_up_and_answers_beside_the_button(
    db, live_server, browser, member_login, width
):
    async with db.session() as s:
        await upsert_discord_user(
            s, discord_id="700000000000000009", username="rocket", display_name="Rocket", role_ids=()
        )
        # In-game rank index 2 is the Veteran rank (level 3), index 4 the Initiate (level 1).
        await upsert_character(
            s, name="Rocketvet", realm_slug="test-realm", guild_note="Rocket main", wow_rank_index=2
        )
        await upsert_character(
            s, name="Rocketnew", realm_slug="test-realm", guild_note="Rocket alt", wow_rank_index=4
        )
    page = await officer_page(db, live_server, browser, member_login, width)
    await page.goto(page.server_url + "/admin/matching")
    form = page.locator("#matching-run")
    await form.locator("select[name=min_rank_level]").select_option(label="Veteran and above")
    run = form.locator("button[type=submit]")
    await run.click()
    status = page.locator(
        "#matching-run-status:text-is('Done: 1 unlinked character looked at; 1 new, 0 refreshed, 0 removed, 1 pending.')"
    )
    await status.wait_for(timeout=15000)
    run_box, status_box = await run.bounding_box(), await status.bounding_box()
    assert abs(status_box["y"] - run_box["y"]) < 60, (run_box, status_box)
    assert status_box["x"] >= 0 and status_box["x"] + status_box["width"] <= width
    table = page.locator("#suggestions-table")
    assert "Rocketvet" in await table.inner_text() and "Rocketnew" not in await table.inner_text()
    assert await form.locator("select[name=min_rank_level]").input_value() == "3"  # no reload

    await form.locator("select[name=min_rank_level]").select_option(label="All ranks")
    await run.click()
    await page.locator(
        "#matching-run-status:text-is('Done: 2 unlinked characters looked at; 1 new, 1 refreshed, 0 removed, 2 pending.')"
    ).wait_for(timeout=15000)
    assert "Rocketnew" in await table.inner_text()
    # The new rows' buttons work like the first ones.
    row = page.locator("#suggestions-table tr", has_text="Rocketnew")
    await row.locator("button[data-action=reject]").click()
    await row.wait_for(state="detached", timeout=10000)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, overflow
    assert page.js_errors == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_set_the_rank_of_selected_players(db, live_server, browser, member_login, width):
    first, _ = await make_player(db, "Ash", rank="Initiate")
    second, _ = await make_player(db, "Birch", rank="Initiate")
    peer, _ = await make_player(db, "Cedar", rank="Officer")
    page = await officer_page(db, live_server, browser, member_login, width)
    await page.goto(page.server_url + "/admin/players")
    async with db.session() as s:
        member = await s.scalar(select(GuildRank.id).where(GuildRank.name == "Member"))
    for player_id in (first, second):
        await page.check(f'.pm-row[data-player="{player_id}"] .pm-select')
    await page.select_option("#pm-bulk-rank select[name=rank]", str(member))
    await page.click("#pm-bulk-rank button[type=submit]")
    await page.locator("#pm-bulk-rank .pm-status:text-is('Rank set for 2 players.')").wait_for(timeout=10000)
    cell = page.locator(f'.pm-row[data-player="{first}"] .pm-rank-cell')
    assert (await cell.inner_text()).startswith("Member")
    # A player at the officer's own rank refuses the lot, said beside the button.
    for player_id in (first, peer):
        await page.check(f'.pm-row[data-player="{player_id}"] .pm-select')
    await page.click("#pm-bulk-rank button[type=submit]")
    refusal = page.locator("#pm-bulk-rank .pm-status.danger")
    await refusal.wait_for(timeout=10000)
    assert "Cedar" in await refusal.inner_text()
    async with db.session() as s:
        assert (await s.get(Player, peer)).rank_override_id != member
    assert page.js_errors == []


async def test_members_cannot_open_the_player_manager(db, live_server, browser, member_login):
    server = live_server()
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    member_id = await member_login(page, server, "/", name="Plain", username="plain", rank="Member")
    for path in ("/admin/players?filter=unlinked", f"/admin/players/{member_id}", "/admin/matching/aliases"):
        response = await page.goto(server.url + path)
        assert response.status == 403, path
    await context.close()


@pytest.mark.parametrize("width", WIDTHS)
async def test_toolbar_buttons_line_up_with_their_fields(db, live_server, browser, member_login, width):
    """Apply, Create and Set rank were shorter than their fields and sat low beside them."""
    page = await officer_page(db, live_server, browser, member_login, width)
    await page.goto(page.server_url + "/admin/players")
    for form, field in (
        ("form[role=search]", "select[name=filter]"),
        ("#pm-create", "input[name=display_name]"),
        ("#pm-bulk-rank", "select[name=rank]"),
    ):
        field_box = await page.locator(f"{form} {field}").bounding_box()
        button_box = await page.locator(f"{form} button[type=submit]").bounding_box()
        assert abs(button_box["height"] - field_box["height"]) <= 1, (form, field_box, button_box)
        if abs(button_box["y"] - field_box["y"]) < field_box["height"]:  # on the same line
            assert abs(button_box["y"] - field_box["y"]) <= 1, (form, field_box, button_box)
        assert button_box["x"] + button_box["width"] <= width
    assert await no_horizontal_overflow(page)


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_second_invite_says_it_replaced_the_first(db, live_server, browser, member_login, width):
    newbie, _ = await make_player(db, "Newbie")
    page = await officer_page(db, live_server, browser, member_login, width)
    await page.goto(f"{page.server_url}/admin/players/{newbie}")
    invite = page.locator(".pm-invite")
    status = page.locator(".pm-account > .pm-status")
    await invite.click()
    await page.locator(".pm-account > .pm-status:text-is('Invite made.')").wait_for(timeout=10000)
    await invite.click()
    await page.locator(
        ".pm-account > .pm-status:text-is('New invite made. It replaces the earlier unused code, which no longer works.')"
    ).wait_for(timeout=10000)
    invite_box, status_box = await invite.bounding_box(), await status.bounding_box()
    assert abs(status_box["y"] - invite_box["y"]) < 80 and status_box["x"] + status_box["width"] <= width
    async with db.session() as s:
        codes = list(await s.scalars(select(InviteCode.id).where(InviteCode.player_id == newbie)))
    assert len(codes) == 1  # the earlier code is gone, as the officer was told
    assert page.js_errors == []
