"""Identity pages in a real browser: invite registration, profile spec filtering, roster search, Player Manager."""

import pytest
from sqlalchemy import select

from sv_common.auth.service import create_invite, register_with_invite
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import GuildRank, Player, Specialization, WowClass
from sv_common.identity.ranks import set_rank_override

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


async def make_player(db, name, *, rank="Member", characters=()):
    async with db.session() as s:
        player = await player_service.create_player(s, display_name=name)
        rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.name == rank))
        await set_rank_override(s, player.id, rank_id)
        ids = []
        for char_name, class_name in characters:
            class_id = await s.scalar(select(WowClass.id).where(WowClass.name == class_name))
            character, _ = await upsert_character(
                s, name=char_name, realm_slug="test-realm", class_id=class_id
            )
            await player_service.link_character(s, player_id=player.id, character_id=character.id)
            ids.append(character.id)
        return player.id, ids


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
        async with db.session() as s:
            await player_service.set_main_and_offspec(
                s,
                player_id=player_id,
                main_character_id=char_id,
                main_spec_id=None,
                offspec_character_id=None,
                offspec_spec_id=None,
            )
    server = live_server()
    await page.goto(server.url + "/roster")
    assert await page.locator("#roster-table tbody tr:visible").count() == 3
    await page.fill("#roster-search", "monk")
    assert await page.locator("#roster-table tbody tr:visible").count() == 1
    assert "Brewby" in await page.locator("#roster-table tbody tr:visible").inner_text()
    assert (await page.text_content("#roster-count")).strip() == "1 players"


async def test_officer_creates_a_player_in_the_player_manager(db, live_server, page):
    officer_id, _ = await make_player(db, "Olga", rank="Officer")
    async with db.session() as s:
        code = (await create_invite(s, player_id=officer_id)).code
        await register_with_invite(s, code=code, username="olga", password=PASSWORD)
    server = live_server()
    await page.goto(server.url + "/login?next=/admin/players")
    await page.fill("input[name=username]", "olga")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.stack button[type=submit]")
    await page.wait_for_url("**/admin/players")
    await page.fill("#pm-create input[name=display_name]", "Newbie")
    await page.click("#pm-create button[type=submit]")
    await page.wait_for_selector("tr[data-player] input.pm-name[value='Newbie']", timeout=10000)
    async with db.session() as s:
        assert await s.scalar(select(Player.id).where(Player.display_name == "Newbie")) is not None
