"""The Player Manager at scale: server-side pages and the original's filters, main/alt
marking and delete — over HTTP as an officer, on real rows."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.engine import Engine

from patt_host.testing import eventually
from sv_common.auth.service import register_with_invite
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    InviteCode,
    Player,
    PlayerCharacter,
    Specialization,
    WowCharacter,
)


@pytest.fixture
async def officer_client(client, guild, log_in):
    await log_in(client, await guild.member("Officer", name="Boss"))
    return client


def shown_players(html: str) -> list[str]:
    return re.findall(r'data-player="\d+" data-name="([^"]+)"', html)


async def test_players_are_paged_on_the_server(officer_client, guild, db):
    async with db.session() as s:
        for i in range(90):
            s.add(Player(display_name=f"Bulk {i:02d}"))
    first = (await officer_client.get("/admin/players")).text
    assert len(shown_players(first)) == 40 and "91 found · page 1 of 3" in first
    last = (await officer_client.get("/admin/players?page=3")).text
    assert len(shown_players(last)) == 11 and "page=2" in last and "Next →" not in last
    # Out-of-range or junk paging is clamped, never an error.
    for junk in ("page=abc", "page=99999999999", "page=-4", "rank=99999999999", "filter=%00", "q=%00%01"):
        response = await officer_client.get(f"/admin/players?{junk}")
        # Control characters are refused at the edge (422); the rest is clamped (200).
        assert response.status_code == (422 if "%0" in junk else 200), junk
    assert "page 3 of 3" in (await officer_client.get("/admin/players?page=400")).text


async def test_original_filters_and_search(officer_client, guild, db):
    linked = await guild.player("Linked", rank="Member")
    main = await guild.character("Mainly", class_name="Mage", player_id=linked)
    await guild.set_main(linked, main)
    alt_only = await guild.player("AltsOnly", rank="Member")
    await guild.character("Offsy", class_name="Rogue", player_id=alt_only)
    async with db.session() as s:
        await s.execute(
            update(WowCharacter).where(WowCharacter.id == main).values(blizzard_last_sync=func.now())
        )
        discord, _ = await upsert_discord_user(
            s, discord_id="555", username="linkedy", display_name="L", role_ids=()
        )
        discord.highest_guild_role = "Guild Leader"
        await s.execute(update(Player).where(Player.id == linked).values(discord_user_id=discord.id))
    await guild.player("Lonely", rank="Member")
    gone = await guild.player("Gone", rank="Member")
    async with db.session() as s:
        await s.execute(update(Player).where(Player.id == gone).values(is_active=False))

    async def names(query: str) -> set[str]:
        return set(shown_players((await officer_client.get(f"/admin/players?{query}")).text))

    assert await names("filter=no_characters") == {"Boss", "Lonely"}
    assert await names("filter=no_discord") == {"Boss", "AltsOnly", "Lonely"}
    assert await names("filter=no_main") == {"Boss", "AltsOnly", "Lonely"}
    assert await names("filter=unregistered") == {"Linked", "AltsOnly", "Lonely"}
    assert await names("filter=not_in_api") == {"AltsOnly"}
    assert await names("filter=role_mismatch") == {"Linked"}  # Discord says Guild Leader, rank is Member
    assert await names("filter=inactive") == {"Gone"}
    assert await names("q=offs") == {"AltsOnly"}  # by character name
    assert await names("q=linkedy") == {"Linked"}  # by Discord name
    assert "Gone" not in await names("")


async def test_unlinked_characters_have_their_own_searchable_tab(officer_client, guild):
    for i in range(45):
        await guild.character(f"Loose{i:02d}", class_name="Hunter")
    await guild.character("Notey", class_name="Mage", guild_note="Rocket's mage")
    owner = await guild.player("Owner", rank="Member")
    await guild.character("Owned", class_name="Mage", player_id=owner)

    def rows(html: str) -> list[str]:
        return re.findall(r'<tr class="pm-row[^"]*" data-character="\d+" data-name="([^"]+)"', html)

    players_tab = (await officer_client.get("/admin/players")).text
    assert rows(players_tab) == [] and 'id="pm-tab-unlinked"' in players_tab
    assert re.search(r'Unlinked characters <span class="badge">46</span>', players_tab)
    # The dashboard tile's link lands on the tab (it used to show everyone).
    tab = (await officer_client.get("/admin/players?filter=unlinked")).text
    assert len(rows(tab)) == 40 and "46 found · page 1 of 2" in tab and "Owned" not in rows(tab)
    assert shown_players(tab) == []
    second = (await officer_client.get("/admin/players?filter=unlinked&page=2")).text
    assert len(rows(second)) == 6
    # Search covers the name and the guild note.
    assert rows((await officer_client.get("/admin/players?filter=unlinked&q=loose4")).text) == [
        f"Loose{i}" for i in range(40, 45)
    ]
    assert rows((await officer_client.get("/admin/players?filter=unlinked&q=rocket")).text) == ["Notey"]


async def test_unlinked_characters_show_when_they_last_logged_in(officer_client, guild):
    from datetime import UTC, datetime, timedelta

    seen = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3, hours=2)
    recent = await guild.character(
        "Recently", class_name="Mage", last_login_timestamp=int(seen.timestamp() * 1000)
    )
    never = await guild.character("Neverseen", class_name="Rogue")

    tab = (await officer_client.get("/admin/players?filter=unlinked")).text

    def cell(character_id: int) -> str:
        row = re.search(rf'<tr class="pm-row" data-character="{character_id}".*?</tr>', tab, re.S)
        found = re.search(r'<td data-label="Last login"[^>]*>(.*?)</td>', row.group(0), re.S)
        return found.group(1)

    # A <time> in the viewer's zone, shown relative ("3 days ago") by app.js; absolute in the HTML.
    assert cell(recent) == (
        f'<time class="js-time" data-style="relative" datetime="{seen.isoformat()}">'
        f"{seen.day} {seen:%b %Y, %H:%M} UTC</time>"
    )
    assert cell(never) == '<span class="muted">never seen</span>'
    assert "<th>Last login</th>" in tab
    # The officers' JSON has it too, with whole days ago as the original's coverage page did.
    characters = {
        c["id"]: c
        for c in officer_client.data(await officer_client.get("/api/v1/admin/players"))["characters"]
    }
    assert characters[recent]["last_login_days_ago"] == 3
    assert characters[recent]["last_login_at"] == seen.isoformat()
    assert (characters[never]["last_login_at"], characters[never]["last_login_days_ago"]) == (None, None)


async def test_compact_rows_show_rank_main_alts_discord_and_account(officer_client, guild, db):
    player_id = await guild.player("Rowan", rank="Member")
    main = await guild.character("Rowanmage", class_name="Mage", player_id=player_id)
    await guild.character("Rowanalt", class_name="Rogue", player_id=player_id)
    await guild.character("Rowanalt2", class_name="Rogue", player_id=player_id)
    await guild.set_main(player_id, main)
    html = (await officer_client.get("/admin/players?q=rowan")).text
    row = html[html.index(f'data-player="{player_id}"') :]
    row = row[: row.index("</tr>")]
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[1:] == ["Rowan", "Member (override)", "Rowanmage", "2", "—", "none"]
    assert f'href="/admin/players/{player_id}?' in row
    detail = await officer_client.get(f"/admin/players/{player_id}")
    assert detail.status_code == 200 and 'class="pm-char-role"' in detail.text and "Rowanalt2" in detail.text
    assert (await officer_client.get("/admin/players/2147483647")).status_code == 404
    assert (await officer_client.get("/admin/players/2147483648")).status_code == 422


async def test_bulk_rank_is_all_or_nothing(officer_client, guild, db):
    ranks = {r.name: r.id for r in (await db_ranks(db))}
    await guild.player("Leader", rank="Guild Leader")  # so the officer is not the top rank
    first = await guild.player("First", rank="Initiate")
    second = await guild.player("Second", rank="Initiate")
    answer = await officer_client.post(
        "/api/v1/admin/players/rank",
        json={"player_ids": [first, second], "rank_override_id": ranks["Member"]},
    )
    players = officer_client.data(answer)["players"]
    assert [(p["id"], p["rank_name"]) for p in players] == [(first, "Member"), (second, "Member")]
    # A player at the officer's own rank refuses the whole batch; nothing changes.
    peer = await guild.player("Peer", rank="Officer")
    refused = await officer_client.post(
        "/api/v1/admin/players/rank", json={"player_ids": [first, peer], "rank_override_id": None}
    )
    assert refused.status_code == 403 and "Peer" in refused.json()["error"]["message"]
    async with db.session() as s:
        assert await s.scalar(select(Player.rank_override_id).where(Player.id == first)) == ranks["Member"]
    # Above their own rank is refused too; an unknown player or rank is a 404, junk a 422.
    over = await officer_client.post(
        "/api/v1/admin/players/rank", json={"player_ids": [first], "rank_override_id": ranks["Guild Leader"]}
    )
    assert over.status_code == 403
    missing = await officer_client.post(
        "/api/v1/admin/players/rank", json={"player_ids": [first, 2**31 - 1], "rank_override_id": None}
    )
    assert missing.status_code == 404
    for junk in ([], [0], [2**31], ["x"]):
        bad = await officer_client.post(
            "/api/v1/admin/players/rank", json={"player_ids": junk, "rank_override_id": None}
        )
        assert bad.status_code == 422, junk
    cleared = await officer_client.post(
        "/api/v1/admin/players/rank", json={"player_ids": [first], "rank_override_id": None}
    )
    assert officer_client.data(cleared)["players"][0]["rank_override_id"] is None


async def test_ids_in_json_bodies_are_plain_integers(officer_client, guild, db):
    """``true`` is not id 1 and "7", "07", 7.0 or 1e1 are not ids, in every body that names a row."""
    ranks = {r.name: r.id for r in (await db_ranks(db))}
    await guild.player("Leader", rank="Guild Leader")
    first = await guild.player("First", rank="Initiate")
    stray = await guild.character("Loosely", class_name="Hunter")
    member = ranks["Member"]

    async def override():
        async with db.session() as s:
            return await s.scalar(select(Player.rank_override_id).where(Player.id == first))

    before = await override()
    assert before != member
    cases = [
        ("POST", "/api/v1/admin/players/rank", '{{"player_ids": [{v}], "rank_override_id": null}}', first),
        (
            "POST",
            "/api/v1/admin/players/rank",
            f'{{{{"player_ids": [{first}], "rank_override_id": {{v}}}}}}',
            member,
        ),
        ("PATCH", f"/api/v1/admin/players/{first}", '{{"rank_override_id": {v}}}', member),
        ("PUT", f"/api/v1/admin/characters/{stray}/player", '{{"player_id": {v}}}', first),
        ("POST", "/api/v1/admin/matching/suggestions/apply", '{{"suggestion_ids": [{v}]}}', 1),
        ("POST", "/api/v1/admin/matching/aliases", '{{"player_id": {v}, "alias": "Loose"}}', first),
    ]
    for method, url, body, good in cases:
        for loose in ("true", f'"{good}"', f'"0{good}"', f"{good}.0", "1e1"):
            response = await officer_client.request(
                method, url, content=body.format(v=loose), headers={"content-type": "application/json"}
            )
            assert response.status_code == 422, (url, loose, response.text)
    assert await override() == before  # nothing changed
    linked = await officer_client.put(f"/api/v1/admin/characters/{stray}/player", json={"player_id": first})
    assert linked.status_code == 200, linked.text


async def test_remove_a_stray_character(officer_client, guild, db):
    stray = await guild.character("Strayed", class_name="Hunter")
    owner = await guild.player("Keeper", rank="Member")
    kept = await guild.character("Kept", class_name="Hunter", player_id=owner)
    answer = await officer_client.delete(f"/api/v1/admin/characters/{stray}")
    assert officer_client.data(answer) == {"id": stray, "name": "Strayed", "removed": True}
    async with db.session() as s:
        assert (await s.get(WowCharacter, stray)).removed_at is not None
    assert "Strayed" not in (await officer_client.get("/admin/players?filter=unlinked")).text
    assert (await officer_client.delete(f"/api/v1/admin/characters/{stray}")).status_code == 404
    linked = await officer_client.delete(f"/api/v1/admin/characters/{kept}")
    assert linked.status_code == 409 and "unlink it first" in linked.json()["error"]["message"]


async def db_ranks(db):
    async with db.session() as s:
        return (await s.scalars(select(GuildRank))).all()


async def test_mark_main_offspec_and_alt(officer_client, guild, db):
    player_id = await guild.player("Multi", rank="Member")
    first = await guild.character("Firsty", class_name="Mage", player_id=player_id)
    second = await guild.character("Secondy", class_name="Priest", player_id=player_id)
    url = f"/api/v1/admin/players/{player_id}/characters"
    data = officer_client.data(await officer_client.put(f"{url}/{first}/role", json={"role": "main"}))
    assert data["main_character_id"] == first
    data = officer_client.data(await officer_client.put(f"{url}/{second}/role", json={"role": "main"}))
    assert (data["main_character_id"], data["offspec_character_id"]) == (second, None)
    data = officer_client.data(await officer_client.put(f"{url}/{first}/role", json={"role": "offspec"}))
    assert (data["main_character_id"], data["offspec_character_id"]) == (second, first)
    data = officer_client.data(await officer_client.put(f"{url}/{second}/role", json={"role": "alt"}))
    assert (data["main_character_id"], data["offspec_character_id"]) == (None, first)
    assert (await officer_client.put(f"{url}/{first}/role", json={"role": "tank"})).status_code == 422
    stranger = await guild.character("Stranger", class_name="Druid")
    refused = await officer_client.put(f"{url}/{stranger}/role", json={"role": "main"})
    assert refused.status_code in (409, 422) and refused.json()["ok"] is False
    huge = await officer_client.put(f"{url}/{2**31}/role", json={"role": "main"})
    assert huge.status_code == 422


async def test_delete_a_player_without_an_account(officer_client, guild, db):
    player_id = await guild.player("Ghost", rank="Member")
    character = await guild.character("Ghosty", class_name="Warlock", player_id=player_id)
    response = await officer_client.delete(f"/api/v1/admin/players/{player_id}")
    assert response.status_code == 200 and officer_client.data(response)["deleted"] is True
    async with db.session() as s:
        assert await s.get(Player, player_id) is None
        assert await s.get(WowCharacter, character) is not None  # the character stays, unlinked
        assert (
            await s.scalar(select(PlayerCharacter.id).where(PlayerCharacter.character_id == character))
            is None
        )
    assert (await officer_client.delete(f"/api/v1/admin/players/{player_id}")).status_code == 404


async def wait_until_a_statement_waits_for_a_lock(db) -> None:
    """Until another connection of this database is queued behind a row lock (bounded)."""

    async def waiting() -> int:
        async with db.engine.connect() as conn:
            return await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            )

    await eventually(waiting, timeout=10)


async def while_registering(db, guild, username: str, request):
    """``request(player_id)`` sent while the player's registration holds their row (it
    queues behind it); the registration then commits. Returns the player id and the answer."""
    player_id = await guild.player(username.title(), rank="Member")
    code = await guild.invite(player_id)
    async with db.session() as s:
        await register_with_invite(s, code=code, username=username, password="correct horse battery")
        pending = asyncio.create_task(request(player_id))
        await wait_until_a_statement_waits_for_a_lock(db)
    return player_id, await pending


async def test_a_player_registering_while_being_deleted_keeps_their_player(officer_client, guild, db):
    player_id, response = await while_registering(
        db, guild, "racer", lambda pid: officer_client.delete(f"/api/v1/admin/players/{pid}")
    )
    assert response.status_code == 409, response.text
    async with db.session() as s:
        player = await s.get(Player, player_id)
        assert player is not None and player.website_user_id is not None


async def test_a_registered_player_is_deactivated_not_deleted(officer_client, guild, db):
    member = await guild.member("Member", name="Keeper")
    response = await officer_client.delete(f"/api/v1/admin/players/{member.player_id}")
    assert response.status_code == 409 and "deactivate them instead" in response.json()["error"]["message"]
    async with db.session() as s:
        assert await s.get(Player, member.player_id) is not None


async def test_members_cannot_delete_or_mark(client, guild, log_in):
    target = await guild.player("Target", rank="Member")
    await log_in(client, await guild.member("Member"))
    assert (await client.delete(f"/api/v1/admin/players/{target}")).status_code == 403
    marked = await client.put(f"/api/v1/admin/players/{target}/characters/1/role", json={"role": "main"})
    assert marked.status_code == 403


async def build_guild(db, players: int, characters: int, unlinked: int) -> None:
    """``players`` players (two thirds on Discord), ``characters`` characters of which
    ``unlinked`` have no player: the Player Manager's target size is 400 / 1,000."""
    async with db.session() as s:
        specs = (await s.execute(select(Specialization.id, Specialization.class_id))).all()
        ranks = list(await s.scalars(select(GuildRank.id).order_by(GuildRank.level)))
        discord_ids = list(
            await s.scalars(
                insert(DiscordUser).returning(DiscordUser.id),
                [
                    {"discord_id": str(10**17 + i), "username": f"disc{i}", "is_present": True}
                    for i in range(players + 100)
                ],
            )
        )
        player_ids = list(
            await s.scalars(
                insert(Player).returning(Player.id),
                [
                    {
                        "display_name": f"Scale {i:03d}",
                        "guild_rank_id": ranks[i % len(ranks)],
                        "discord_user_id": discord_ids[i] if i % 3 else None,
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
                        "character_name": f"Scalechar{i:04d}",
                        "realm_slug": "scale-realm",
                        "class_id": specs[i % len(specs)][1],
                        "active_spec_id": specs[i % len(specs)][0],
                        "level": 80,
                    }
                    for i in range(characters)
                ],
            )
        )
        await s.execute(
            insert(PlayerCharacter),
            [
                {"player_id": player_ids[i % players], "character_id": c, "link_source": "test"}
                for i, c in enumerate(character_ids[: characters - unlinked])
            ],
        )


async def test_the_page_costs_a_fixed_few_statements_at_guild_size(officer_client, db):
    """400 players and 1,000 characters: every filter, search, page and tab in six statements
    (the officer's authentication included), never one per row."""
    await build_guild(db, players=400, characters=1000, unlinked=100)
    statements: list[str] = []
    engine = Engine  # every engine: web requests use a pool of their own (request timeouts)

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for query in (
            "",
            "?filter=no_discord",
            "?filter=not_in_api",
            "?filter=no_main",
            "?q=scalechar01",
            "?page=11",
            "?filter=unlinked",
            "?filter=unlinked&page=3",
            "?filter=unlinked&q=scalechar09",
        ):
            statements.clear()
            page = await officer_client.get(f"/admin/players{query}")
            assert page.status_code == 200 and len(statements) <= 6, (query, statements)
        assert "401 found · page 1 of 11" in (await officer_client.get("/admin/players")).text
        statements.clear()
        beyond = (await officer_client.get("/admin/players?page=999")).text
        # Past the end: the last page, counted and read again (two more statements).
        assert "page 11 of 11" in beyond and len(shown_players(beyond)) == 1 and len(statements) <= 8
        statements.clear()
        beyond = (await officer_client.get("/admin/players?filter=unlinked&page=999")).text
        assert "100 found · page 3 of 3" in beyond and len(statements) <= 8
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_an_invite_asked_for_while_the_player_registers_is_refused(officer_client, guild, db):
    player_id, response = await while_registering(
        db, guild, "racertwo", lambda pid: officer_client.post(f"/api/v1/admin/players/{pid}/invite")
    )
    assert response.status_code == 409 and "already has an account" in response.text, response.text
    async with db.session() as s:
        open_codes = await s.scalar(
            select(func.count())
            .select_from(InviteCode)
            .where(InviteCode.player_id == player_id, InviteCode.used_at.is_(None))
        )
    assert open_codes == 0
