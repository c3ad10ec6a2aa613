"""Identity pages in a real browser: invite registration, profile spec filtering, roster search, Player Manager."""

import re

import pytest
from sqlalchemy import select

from patt_host.testing import PASSWORD, create_member, sign_in
from sv_common.auth.service import create_invite
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import GuildRank, InviteCode, Player, Specialization, WowClass
from sv_common.identity.ranks import set_rank_override

pytestmark = pytest.mark.e2e


async def make_player(db, name, *, rank="Member", characters=()):
    """A player without an account: a rank override and (name, class) characters."""
    async with db.session() as s:
        player = await player_service.create_player(s, display_name=name)
        rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.name == rank))
        await set_rank_override(s, player.id, rank_id)
        return player.id, await link_characters(s, player.id, characters)


async def link_characters(s, player_id, characters) -> list[int]:
    """Makes the (name, class) characters and links them to the player; returns their ids."""
    ids = []
    for char_name, class_name in characters:
        class_id = await s.scalar(select(WowClass.id).where(WowClass.name == class_name))
        character, _ = await upsert_character(s, name=char_name, realm_slug="test-realm", class_id=class_id)
        await player_service.link_character(s, player_id=player_id, character_id=character.id)
        ids.append(character.id)
    return ids


async def set_main(db, player_id, character_id, spec: tuple[str, str] | None = None):
    """``character_id`` as the player's main, in ``spec`` (class name, spec name) when given."""
    async with db.session() as s:
        spec_id = None
        if spec is not None:
            spec_id = await s.scalar(
                select(Specialization.id)
                .join(WowClass, WowClass.id == Specialization.class_id)
                .where(WowClass.name == spec[0], Specialization.name == spec[1])
            )
        await player_service.set_main_and_offspec(
            s,
            player_id=player_id,
            main_character_id=character_id,
            main_spec_id=spec_id,
            offspec_character_id=None,
            offspec_spec_id=None,
        )


async def test_register_with_an_invite_then_pick_a_main_and_spec(db, live_server, page):
    player_id, (priest_id, _rogue_id) = await make_player(
        db, "Holyroller", characters=[("Holyroller", "Priest"), ("Stabby", "Rogue")]
    )
    async with db.session() as s:
        code = (await create_invite(s, player_id=player_id)).code
    server = live_server()

    await page.goto(server.url + "/register")
    await page.fill("input[name=code]", code.lower())  # codes are case-insensitive
    await page.fill("input[name=username]", "holy")
    await page.fill("input[name=password]", PASSWORD)
    await page.fill("input[name=password2]", PASSWORD)
    await page.click("text=Create my account")
    await page.wait_for_url("**/profile**")
    assert "Holyroller" in await page.text_content("body")

    # Choosing the priest leaves only priest specs selectable (profile.js); the server checks too.
    await page.select_option("select[name=main_character_id]", str(priest_id))
    enabled = await page.eval_on_selector_all(
        "#main_spec_id option:not([disabled])",
        "options => options.map(o => o.textContent.trim()).filter(Boolean)",
    )
    specs = sorted(t.split(" · ")[0] for t in enabled if not t.startswith("—"))
    assert specs == ["Discipline", "Holy", "Shadow"]
    await page.select_option("#main_spec_id", label="Shadow · Ranged DPS")
    await page.click("#profile-characters button[type=submit]")
    await page.wait_for_load_state()
    async with db.session() as s:
        player = await s.get(Player, player_id)
        spec = await s.get(Specialization, player.main_spec_id)
        assert player.main_character_id == priest_id and spec.name == "Shadow"
    assert page.js_errors == []


async def test_roster_search_filters_rows(db, live_server, page):
    for name, cls in [("Aldor", "Paladin"), ("Brewby", "Monk"), ("Cinder", "Mage")]:
        player_id, (char_id,) = await make_player(db, name, characters=[(name, cls)])
        await set_main(db, player_id, char_id)
    server = live_server()
    await page.goto(server.url + "/roster")
    assert await page.locator("#roster-table tbody tr:visible").count() == 3
    await page.fill("#roster-search", "monk")
    assert await page.locator("#roster-table tbody tr:visible").count() == 1
    assert "Brewby" in await page.locator("#roster-table tbody tr:visible").inner_text()
    assert (await page.text_content("#roster-count")).strip() == "1 player"
    assert not await page.locator("#roster-no-match").is_visible()
    # No match: said in words, not a bare table header.
    await page.fill("#roster-search", "zzz")
    assert await page.locator("#roster-table tbody tr:visible").count() == 0
    assert (await page.text_content("#roster-count")).strip() == "0 players"
    assert await page.locator("#roster-no-match").inner_text() == (
        "No player matches “zzz”. Search by name, class, spec or rank."
    )
    assert await page.locator("#roster-no-match").is_visible()
    await page.fill("#roster-search", "")
    assert await page.locator("#roster-table tbody tr:visible").count() == 3
    assert (await page.text_content("#roster-count")).strip() == "3 players"
    assert not await page.locator("#roster-no-match").is_visible()


async def test_roster_alts_toggle_at_phone_width(db, live_server, browser):
    player_id, (main_id, _alt) = await make_player(
        db, "Aldor", characters=[("Aldor", "Paladin"), ("Aldorlock", "Warlock")]
    )
    await make_player(db, "Brewby", characters=[("Brewby", "Monk")])
    await set_main(db, player_id, main_id)
    server = live_server()
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + "/roster")
    alt = page.locator("#roster-table .roster-alts li", has_text="Aldorlock")
    assert not await alt.is_visible()
    await page.click("#roster-table .roster-alts summary")  # one row's own toggle
    await alt.wait_for(state="visible", timeout=5000)
    await page.click("#roster-table .roster-alts summary")
    await alt.wait_for(state="hidden", timeout=5000)
    toggle = page.locator("#roster-toggle-alts")  # the page-level toggle opens every row
    await toggle.click()
    await alt.wait_for(state="visible", timeout=5000)
    assert (await toggle.text_content()).strip() == "Hide alts"
    assert (
        await page.evaluate("document.documentElement.scrollWidth") <= 390
    )  # the table scrolls, not the page
    assert errors == []
    await context.close()


async def test_role_cards_break_each_role_down_by_spec_at_phone_width(db, live_server, browser):
    mains = [
        ("Ashbeast", "Hunter", "Beast Mastery"),
        ("Bristle", "Hunter", "Beast Mastery"),
        ("Cairn", "Shaman", "Restoration"),
        ("Dawnpres", "Evoker", "Preservation"),
        ("Emberaug", "Evoker", "Augmentation"),
        ("Frostbite", "Death Knight", "Frost"),
        ("Glade", "Demon Hunter", "Havoc"),
        ("Hollow", "Death Knight", "Blood"),
    ]
    for name, class_name, spec_name in mains:
        player_id, (character_id,) = await make_player(db, name, characters=[(name, class_name)])
        await set_main(db, player_id, character_id, (class_name, spec_name))
    server = live_server()
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(server.url + "/roster")

    async def specs(role):
        texts = await page.locator(f".role-card-{role} .role-card-specs li").all_inner_texts()
        return [" ".join(t.split()) for t in texts]  # the count follows a no-break space

    assert await specs("ranged") == ["Beast Mastery Hunter 2", "Augmentation Evoker 1"]
    assert await specs("healer") == ["Preservation Evoker 1", "Restoration Shaman 1"]
    assert await specs("melee") == ["Frost Death Knight 1", "Havoc Demon Hunter 1"]
    assert await specs("tank") == ["Blood Death Knight 1"]
    # Class colours, and every card keeps its breakdown inside itself and the phone's width.
    colour = await page.locator(".role-card-ranged .role-card-specs .cls-hunter").first.evaluate(
        "(el) => getComputedStyle(el).color"
    )
    assert colour == "rgb(170, 211, 114)"  # the hunter's class colour (#AAD372)
    spilled = await page.evaluate(
        """() => [...document.querySelectorAll('.role-card')].filter((card) =>
             card.scrollWidth > card.clientWidth + 1 || card.getBoundingClientRect().right > 390).length"""
    )
    assert spilled == 0
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await context.close()


async def test_officer_creates_a_player_in_the_player_manager(db, live_server, page):
    await create_member(db, "Officer", "Olga", username="olga")
    server = live_server()
    await sign_in(page, server, "olga", PASSWORD, "/admin/players")
    await page.fill("#pm-create input[name=display_name]", "Newbie")
    await page.click("#pm-create button[type=submit]")
    # Created, then opened on its own page for the rest of its details.
    await page.wait_for_selector(".pm-player input.pm-name[value='Newbie']", timeout=10000)
    assert re.search(r"/admin/players/\d+$", page.url)
    async with db.session() as s:
        assert await s.scalar(select(Player.id).where(Player.display_name == "Newbie")) is not None


async def officer_page(db, live_server, browser, *, width=390):
    await create_member(db, "Officer", "Olga", username="olga")
    server = live_server()
    context = await browser.new_context(viewport={"width": width, "height": 844})
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    await sign_in(page, server, "olga", PASSWORD, "/admin/players")
    page.server_url = server.url
    return page


async def open_player(page, player_id):
    """A player's own page, opened from the Player Manager's table as an officer would."""
    await page.goto(f"{page.server_url}/admin/players?q=")
    row = page.locator(f'.pm-row[data-player="{player_id}"]')
    await row.locator("a.pm-open").click()
    await page.wait_for_url(f"**/admin/players/{player_id}?*")
    return page.locator(f'.pm-player[data-player="{player_id}"]')


async def test_player_manager_rows_mark_unsaved_edits_and_report_next_to_the_button(db, live_server, browser):
    player_id, (char_id,) = await make_player(db, "Rowan", characters=[("Rowanmage", "Mage")])
    spare_id, _ = await make_player(db, "Spare", characters=[])
    page = await officer_page(db, live_server, browser)
    row = await open_player(page, player_id)

    await row.locator(".pm-name").fill("Rowan the Bold")
    assert "dirty" in await row.get_attribute("class")
    assert await row.locator(".pm-actions .pm-status").text_content() == "Unsaved changes"
    await row.locator(".pm-save").click()
    await row.locator(".pm-status:text('Saved.')").wait_for(timeout=10000)
    assert "dirty" not in await row.get_attribute("class")
    # The feedback sits beside the Save button, on screen at phone width.
    save_box = await row.locator(".pm-save").bounding_box()
    status_box = await row.locator(".pm-actions .pm-status").bounding_box()
    assert abs(status_box["y"] - save_box["y"]) < 60 and status_box["x"] + status_box["width"] <= 390

    await row.locator(".pm-char-role").select_option("main")
    await row.locator(".pm-status:text('Rowanmage is now main.')").wait_for(timeout=10000)

    # Delete asks first; Cancel keeps the player.
    spare = await open_player(page, spare_id)
    await spare.locator(".pm-delete").click()
    assert await page.locator("#pm-confirm").is_visible()
    await page.click("#pm-confirm button[value=no]")
    await spare.locator(".pm-status:text('Not deleted.')").wait_for(timeout=5000)
    await spare.locator(".pm-delete").click()
    await page.click("#pm-confirm button[value=yes]")
    # text-is: ':text()' is a case-insensitive substring match, and 'Not deleted.' contains it.
    await spare.locator(".pm-status:text-is('Deleted.')").wait_for(timeout=10000)
    async with db.session() as s:
        assert await s.scalar(select(Player.id).where(Player.display_name == "Spare")) is None
        assert (await s.get(Player, player_id)).main_character_id == char_id
    assert page.js_errors == []


async def test_saving_a_row_keeps_another_officers_edit_of_the_other_fields(db, live_server, browser):
    """Two officers on one player: each Save sends only its own changes."""
    player_id, _ = await make_player(db, "Quill")
    page = await officer_page(db, live_server, browser)
    row = await open_player(page, player_id)
    async with db.session() as s:  # the other officer, after this page was loaded
        await player_service.rename_player(s, player_id, "Quill the Elder")
        discord, _ = await upsert_discord_user(
            s, discord_id="623456789012345678", username="quilly", display_name="Q", role_ids=()
        )
        await player_service.link_discord(s, player_id=player_id, discord_user_id=discord.id)
        veteran = await s.scalar(select(GuildRank.id).where(GuildRank.name == "Veteran"))

    await row.locator(".pm-rank").select_option(str(veteran))
    await row.locator(".pm-save").click()
    await row.locator(".pm-status:text-is('Saved.')").wait_for(timeout=10000)
    async with db.session() as s:
        player = await s.get(Player, player_id)
        assert (player.display_name, player.rank_override_id) == ("Quill the Elder", veteran)
        assert player.discord_user_id == discord.id
    assert page.js_errors == []


async def near(page, action, feedback_text: str) -> None:
    """The feedback appears beside the control that was used, on screen at 390 px."""
    status = page.locator(f".pm-status:text-is('{feedback_text}')")
    await status.wait_for(timeout=10000)
    action_box, status_box = await action.bounding_box(), await status.bounding_box()
    assert abs(status_box["y"] - action_box["y"]) < 60, (feedback_text, action_box, status_box)
    assert status_box["x"] >= 0 and status_box["x"] + status_box["width"] <= 390


async def test_each_action_answers_next_to_its_control_at_phone_width(db, live_server, browser):
    characters = [(f"Manyalt{i}", "Mage") for i in range(6)]
    player_id = (await create_member(db, "Member", "Busy Bea", username="busybea")).player_id
    async with db.session() as s:
        char_ids = await link_characters(s, player_id, characters)
    page = await officer_page(db, live_server, browser)
    row = await open_player(page, player_id)

    reset = row.locator(".pm-reset")
    await reset.click()
    await near(page, reset, "Reset link made.")
    assert "/reset-password?token=" in await row.get_by_label("Password-reset link").input_value()
    first = row.locator(f'[data-character="{char_ids[0]}"]')
    role = first.locator(".pm-char-role")
    await role.select_option("main")
    await near(page, role, "Manyalt0 is now main.")
    last = row.locator(f'[data-character="{char_ids[-1]}"]')
    unlink = last.locator(".pm-unlink")
    await unlink.click()
    await near(page, unlink, "Manyalt5 unlinked.")
    assert page.js_errors == []


async def test_invite_without_a_dm_shows_a_masked_copyable_link_once_with_human_expiry(
    db, live_server, browser
):
    player_id, _ = await make_player(db, "Invitee")
    page = await officer_page(db, live_server, browser)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    row = await open_player(page, player_id)
    await row.locator(".pm-invite").click()
    result = row.locator(".pm-invite-result")
    await result.locator(".pm-invite-link").wait_for(timeout=10000)
    text = await result.inner_text()
    # No bot in this test: the page says so instead of a green success.
    assert "Not sent by Discord DM" in text and "flash-success" not in await result.get_attribute("class")
    assert "expires" in text and not re.search(r"\d{4}-\d\d-\d\dT", text)  # a human time, no ISO stamp
    link = await result.locator(".pm-invite-link").input_value()
    assert "/register?code=" in link
    # Shown once and masked until the officer asks: the code is not readable on screen.
    field = result.locator(".pm-invite-link")
    assert await field.get_attribute("type") == "password" and "shown only this once" in text
    code = link.rsplit("=", 1)[1]
    assert code not in text and code[:2] + "••••••" in text
    await result.locator("button:text('Show')").click()
    assert await field.get_attribute("type") == "text"
    await result.locator("button:text('Copy link')").click()
    await result.locator("text=Copied.").wait_for(timeout=5000)
    assert await page.evaluate("navigator.clipboard.readText()") == link


async def test_revoking_an_invite_asks_first_and_answers_in_the_row(db, live_server, browser):
    player_id, _ = await make_player(db, "Waiting")
    async with db.session() as s:
        invite_id = (await create_invite(s, player_id=player_id)).id
    page = await officer_page(db, live_server, browser)
    await page.goto(page.url.replace("/admin/players", "/admin/invites"))
    row = page.locator(f'tr[data-invite="{invite_id}"]')
    await row.locator(".js-invite-revoke").click()
    assert "Click again to revoke" in await row.locator(".invite-note").text_content()
    await page.keyboard.press("Escape")
    await row.locator(".invite-note:text-is('Kept.')").wait_for(timeout=5000)
    async with db.session() as s:
        assert await s.get(InviteCode, invite_id) is not None
    await row.locator(".js-invite-revoke").click()
    await row.locator(".js-invite-revoke").click()
    await row.locator(".invite-note:text('Revoked: the code no longer works.')").wait_for(timeout=10000)
    async with db.session() as s:
        assert await s.get(InviteCode, invite_id) is None
    assert page.js_errors == []
