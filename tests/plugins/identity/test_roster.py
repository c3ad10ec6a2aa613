"""The public roster: API shape, who is on it, the page and chart, caching and compression."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from sv_common.identity import players as player_service
from sv_common.identity.models import WowCharacter


async def build_roster(guild, db):
    officer = await guild.player("Aria", rank="Officer")
    mage = await guild.character(
        "Ariafrost", class_name="Mage", spec="Fire", player_id=officer, item_level=639
    )
    priest = await guild.character("Ariaheals", class_name="Priest", spec="Holy", player_id=officer)
    await guild.set_main(
        officer,
        mage,
        await guild.spec_id("Mage", "Frost"),
        offspec_character_id=priest,
        offspec_spec_id=await guild.spec_id("Priest", "Discipline"),
    )

    tank = await guild.player("Brom")  # no chosen spec: the character's active spec decides
    warrior = await guild.character(
        "Bromshield", class_name="Warrior", spec="Protection", player_id=tank, item_level=630
    )
    await guild.set_main(tank, warrior)

    no_main = await guild.player("Cato")
    await guild.character("Catoalt", class_name="Rogue", player_id=no_main)

    gone = await guild.player("Dax")
    dax_main = await guild.character("Daxdruid", class_name="Druid", player_id=gone)
    await guild.set_main(gone, dax_main)
    async with db.session() as s:
        await player_service.deactivate_player(s, gone)

    left = await guild.player("Eli")
    eli_main = await guild.character("Elihunt", class_name="Hunter", player_id=left)
    await guild.set_main(left, eli_main)
    async with db.session() as s:
        await s.execute(
            update(WowCharacter).where(WowCharacter.id == eli_main).values(removed_at=datetime.now(UTC))
        )
    return {"officer": officer, "mage": mage, "priest": priest, "tank": tank, "warrior": warrior}


async def test_roster_api_lists_active_players_with_a_main(client, guild, db):
    ids = await build_roster(guild, db)
    response = await client.get("/api/v1/guild/roster")
    assert response.status_code == 200
    data = client.data(response)
    assert [p["display_name"] for p in data["players"]] == ["Aria", "Brom"]
    aria, brom = data["players"]
    assert aria == {
        "player_id": ids["officer"],
        "display_name": "Aria",
        "rank_name": "Officer",
        "rank_level": 4,
        "main": {
            "character_id": ids["mage"],
            "name": "Ariafrost",
            "realm_slug": "test-realm",
            "class_name": "Mage",
            "class_colour": "#3FC7EB",
            "spec_name": "Frost",
            "role_name": "Ranged DPS",
            "role": "ranged",
            "item_level": 639,
            "armory_url": "https://worldofwarcraft.blizzard.com/en-us/character/us/test-realm/ariafrost",
        },
        "offspec": {
            "character_id": ids["priest"],
            "name": "Ariaheals",
            "realm_slug": "test-realm",
            "class_name": "Priest",
            "class_colour": "#FFFFFF",
            "spec_name": "Discipline",
            "role_name": "Healer",
            "role": "healer",
            "item_level": None,
            "armory_url": "https://worldofwarcraft.blizzard.com/en-us/character/us/test-realm/ariaheals",
        },
        "character_count": 2,
        "alts": [  # the offspec character is an alt too, shown with its own active spec
            {
                "character_id": ids["priest"],
                "name": "Ariaheals",
                "realm_slug": "test-realm",
                "class_name": "Priest",
                "class_colour": "#FFFFFF",
                "spec_name": "Holy",
                "role_name": "Healer",
                "role": "healer",
                "item_level": None,
                "level": None,
            }
        ],
    }
    assert brom["main"]["spec_name"] == "Protection" and brom["main"]["role"] == "tank"
    assert brom["rank_name"] is None and brom["rank_level"] == 0 and brom["offspec"] is None
    assert brom["alts"] == []
    assert data["composition"] == {
        "total": 2,
        "roles": [
            {
                "name": "Tank",
                "role": "tank",
                "count": 1,
                "specs": [
                    {
                        "class_name": "Warrior",
                        "spec_name": "Protection",
                        "class_colour": "#C69B6D",
                        "count": 1,
                    }
                ],
            },
            {
                "name": "Ranged DPS",
                "role": "ranged",
                "count": 1,
                "specs": [
                    {"class_name": "Mage", "spec_name": "Frost", "class_colour": "#3FC7EB", "count": 1}
                ],
            },
        ],
        "classes": [
            {"name": "Mage", "class_colour": "#3FC7EB", "count": 1},
            {"name": "Warrior", "class_colour": "#C69B6D", "count": 1},
        ],
    }


async def test_armory_region_comes_from_the_site(make_client, make_host, guild, db):
    import dataclasses

    ids = await build_roster(guild, db)
    host = make_host()
    host.site = dataclasses.replace(
        host.site, config={**host.site.config, "armory_region": "EU", "armory_locale": "en-gb"}
    )
    client = await make_client(host=host)
    data = client.data(await client.get("/api/v1/guild/roster"))
    main = next(p["main"] for p in data["players"] if p["player_id"] == ids["officer"])
    assert (
        main["armory_url"] == "https://worldofwarcraft.blizzard.com/en-gb/character/eu/test-realm/ariafrost"
    )


async def test_roster_is_gzipped_and_supports_etags(client, guild, db):
    await build_roster(guild, db)
    response = await client.get("/api/v1/guild/roster", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["ok"] is True  # httpx inflates it
    etag = response.headers["etag"]
    cached = await client.get("/api/v1/guild/roster", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    plain = await client.get("/api/v1/guild/roster", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == response.json()


async def test_roster_page_renders_table_and_chart_from_the_same_data(client, guild, db):
    await build_roster(guild, db)
    page = await client.get("/roster")
    assert page.status_code == 200
    html = page.text
    assert "Ariafrost" in html and "Bromshield" in html
    for absent in ("Catoalt", "Daxdruid", "Elihunt"):
        assert absent not in html
    assert "Composition" in html and 'class="bar bar-role-tank"' in html and "Ranged DPS" in html
    assert "https://worldofwarcraft.blizzard.com/en-us/character/us/test-realm/ariafrost" in html
    assert 'src="/static/plugins/identity/roster.js"' in html
    assert "<script>" not in html  # the CSP allows no inline script


async def test_roster_follows_changes_made_here_and_elsewhere(make_client, guild, db, monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_ROSTER_RECHECK_SECONDS", "0")
    ids = await build_roster(guild, db)
    client = await make_client()
    cache = client.host.plugin_state("identity").roster
    first = client.data(await client.get("/api/v1/guild/roster"))
    assert len(first["players"]) == 2
    await client.get("/api/v1/guild/roster")
    assert cache.loads == 1  # unchanged fingerprint: served from the cache

    # Another process (a sync, the bot) gives Brom's warrior a new item level.
    async with db.session() as s:
        await s.execute(
            update(WowCharacter)
            .where(WowCharacter.id == ids["warrior"])
            .values(item_level=645, blizzard_last_sync=datetime.now(UTC))
        )
    again = client.data(await client.get("/api/v1/guild/roster"))
    assert next(p for p in again["players"] if p["display_name"] == "Brom")["main"]["item_level"] == 645
    assert cache.loads == 2


async def test_another_processs_moved_character_and_saved_targets_show_at_the_next_recheck(
    make_client, guild, db, log_in, monkeypatch
):
    """Two hosts on one database stand for two web processes: an officer's changes through one
    (whose events never reach the other) show on the other's cached roster at its next recheck."""
    import re

    monkeypatch.setenv("PATT_IDENTITY_ROSTER_RECHECK_SECONDS", "0")
    ids = await build_roster(guild, db)
    here, there = await make_client(), await make_client()
    officer = await guild.member("Officer")
    await log_in(there, officer)

    def tank_target(html: str) -> str:
        return re.search(r"role-card-tank .*?needed to reach (\d+)", html, re.S).group(1)

    def alts_of(roster: dict, name: str) -> list[str]:
        return [a["name"] for p in roster["players"] if p["display_name"] == name for a in p["alts"]]

    alt = await guild.character("Ariaalt", class_name="Rogue", player_id=ids["officer"])
    assert alts_of(here.data(await here.get("/api/v1/guild/roster")), "Brom") == []  # cached now

    # An alt moves in place: the link row keeps its id, the links their count, no main changes.
    moved = await there.put(f"/api/v1/admin/characters/{alt}/player", json={"player_id": ids["tank"]})
    assert moved.status_code == 200, moved.text
    assert alts_of(here.data(await here.get("/api/v1/guild/roster")), "Brom") == ["Ariaalt"]

    assert tank_target((await here.get("/roster")).text) == "2"  # the site's default; page cached now
    form = {s.key: str(s.default) for s in there.host.site.settings} | {"target_tank": "5"}
    await there.get("/admin/settings")
    saved = await there.post("/admin/settings", data={"csrf_token": there.csrf_token, **form})
    assert saved.status_code == 303, saved.text
    assert tank_target((await here.get("/roster")).text) == "5"


async def test_roster_event_invalidates_the_cache(client, guild, db):
    await build_roster(guild, db)
    cache = client.host.plugin_state("identity").roster
    await client.get("/api/v1/guild/roster")
    assert cache._snapshot is not None
    await client.host.emit("player.rank_changed", player_id=1, old_rank_id=None, new_rank_id=1, source="test")
    assert cache._snapshot is None


async def test_guild_ranks(client):
    ranks = client.data(await client.get("/api/v1/guild/ranks"))
    assert [r["name"] for r in ranks] == ["Initiate", "Member", "Veteran", "Officer", "Guild Leader"]
    assert ranks[0] == {
        "id": ranks[0]["id"],
        "name": "Initiate",
        "level": 1,
        "description": "New member, proving reliability and social fit",
    }


async def test_roster_page_gzip_is_a_valid_stream_of_the_same_page(client, guild, db):
    import gzip

    await build_roster(guild, db)
    plain = await client.get("/roster", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    async with client.stream("GET", "/roster", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["content-encoding"] == "gzip"
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert int(response.headers["content-length"]) == len(raw) < len(plain.content)
    assert gzip.decompress(raw) == plain.content  # CRC and length checked by the gzip module


async def test_roster_page_lists_each_players_alts_under_the_main(client, guild, db):
    import re

    owner = await guild.player("Fen")
    main = await guild.character("Fenmain", class_name="Paladin", spec="Holy", player_id=owner, level=80)
    await guild.character(
        "Fenlock", class_name="Warlock", spec="Affliction", player_id=owner, level=80, item_level=612
    )
    await guild.character("Fenbaby", class_name="Monk", player_id=owner, level=12)
    gone = await guild.character("Fenold", class_name="Rogue", player_id=owner, level=70)
    await guild.set_main(owner, main)
    async with db.session() as s:  # a character that left the guild is no alt any more
        await s.execute(
            update(WowCharacter).where(WowCharacter.id == gone).values(removed_at=datetime.now(UTC))
        )
    solo = await guild.player("Gus")
    await guild.set_main(solo, await guild.character("Gusonly", class_name="Hunter", player_id=solo))

    html = (await client.get("/roster")).text
    rows = {
        name: row
        for row in re.findall(r"<tr>.*?</tr>", html, re.S)
        for name in ("Fen", "Gus")
        if f"<td>{name}</td>" in row
    }
    fen, gus = rows["Fen"], rows["Gus"]
    # Fen's row: the main, then a closed <details> holding both alts, highest level first.
    assert (
        fen.index("Fenmain")
        < fen.index('<details class="roster-alts">')
        < fen.index("Fenlock")
        < fen.index("Fenbaby")
    )
    assert "<summary>2 alts</summary>" in fen and "Fenold" not in html
    assert re.search(
        r'<span class="cls-warlock">Fenlock</span> <small>Affliction Warlock · Ranged DPS · 80 · ilvl 612</small>',
        fen,
    )
    assert ".cls-warlock{color:" in html and ".cls-monk{color:" in html  # alt classes are coloured too
    # Gus has no alts: no toggle in his row; the page-level toggle exists (revealed by roster.js).
    assert "<details" not in gus and "Gusonly" in gus
    assert 'id="roster-toggle-alts"' in html and html.count("<details") == 1


async def test_role_cards_break_each_role_down_by_class_and_spec(client, guild, db):
    import re

    async def main(name, class_name, spec, chosen=None):
        player = await guild.player(name)
        character = await guild.character(f"{name}main", class_name=class_name, spec=spec, player_id=player)
        await guild.set_main(player, character, await guild.spec_id(class_name, chosen) if chosen else None)

    await main("Hana", "Paladin", "Holy")
    await main("Hiro", "Paladin", "Retribution", chosen="Holy")  # the chosen spec counts
    await main("Ivy", "Druid", "Restoration")
    await main("Jax", "Warrior", "Protection")
    await main("Kim", "Druid", "Balance")
    await main("Lou", "Mage", "Frost")
    # An alt is no main: it is not counted.
    await guild.character("Hanaalt", class_name="Priest", spec="Holy", player_id=await guild.player("Nobody"))

    roles = {
        r["role"]: r for r in client.data(await client.get("/api/v1/guild/roster"))["composition"]["roles"]
    }
    assert [(s["spec_name"], s["class_name"], s["count"]) for s in roles["healer"]["specs"]] == [
        ("Holy", "Paladin", 2),
        ("Restoration", "Druid", 1),
    ]
    assert roles["healer"]["specs"][0]["class_colour"] == "#F48CBA"
    assert [(s["spec_name"], s["class_name"], s["count"]) for s in roles["ranged"]["specs"]] == [
        ("Balance", "Druid", 1),
        ("Frost", "Mage", 1),
    ]

    html = (await client.get("/roster")).text

    def card(role):
        found = re.search(rf'<div class="role-card role-card-{role} .*?</div>', html, re.S)
        assert found, role
        return [
            re.sub(r"<[^>]+>", "", item).replace("&nbsp;", " ")
            for item in re.findall(r"<li>(.*?)</li>", found.group(0), re.S)
        ]

    assert card("healer") == ["Holy Paladin 2", "Restoration Druid 1"]
    assert card("tank") == ["Protection Warrior 1"]
    assert card("ranged") == ["Balance Druid 1", "Frost Mage 1"]
    assert card("melee") == []  # no melee mains: no list
    assert '<span class="cls-paladin">Holy Paladin</span>' in html and ".cls-paladin{color:" in html
