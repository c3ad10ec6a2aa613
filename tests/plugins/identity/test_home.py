"""The PATT home page and roster: recruiting needs against officer targets, officers, schedule,
join links, role-target cards and the Wowhead comp link — over HTTP, from real rows."""

from datetime import UTC, datetime

from patt_host import site_settings
from patt_identity.roster.services.recruiting import role_cards
from patt_site.home import parse_schedule

TEAM = [
    # (name, class, spec, rank)
    ("Shieldy", "Warrior", "Protection", "Officer"),
    ("Bubbles", "Paladin", "Protection", "Member"),
    ("Lightly", "Priest", "Holy", "Member"),
    *[(f"Stab{i}", "Rogue", "Subtlety", "Member") for i in range(8)],
    *[(f"Frosty{i}", "Mage", "Frost", "Member") for i in range(5)],
]


async def raid_team(guild):
    for name, class_name, spec, rank in TEAM:
        player_id = await guild.player(name, rank=rank)
        character_id = await guild.character(name, class_name=class_name, spec=spec, player_id=player_id)
        await guild.set_main(player_id, character_id)


def card(html: str, role: str) -> str:
    start = html.rindex("<div", 0, html.index(f'data-role="{role}"'))
    return html[start : html.index("</div>", start)]


def test_dps_targets_balance_each_other():
    cards = {c["role"]: c for c in role_cards({"tank": 2, "healer": 1, "melee": 8, "ranged": 5}, TARGETS)}
    assert (cards["tank"]["status"], cards["tank"]["needed"]) == ("ok", 0)
    assert (cards["healer"]["status"], cards["healer"]["needed"]) == ("short", 3)
    assert (cards["melee"]["status"], cards["ranged"]["target"]) == ("ok", 6)  # 14 DPS seats, 8 melee
    assert (cards["ranged"]["status"], cards["ranged"]["needed"]) == ("warn", 1)
    no_targets = role_cards({"tank": 1}, None)
    assert {c["status"] for c in no_targets} == {"none"}


TARGETS = {"tank": 2, "healer": 4, "melee": 7, "ranged": 7}


def test_schedule_lines_become_next_starts_in_utc():
    monday_noon = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    entries = parse_schedule(
        "Tuesday 20:00 3 Heroic raid\nthu 21:30 2.5\nwhenever we feel like it",
        "America/New_York",
        monday_noon,
    )
    assert entries[0]["next_start"] == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 20:00 EST
    assert (entries[0]["label"], entries[0]["hours"]) == ("Heroic raid", 3.0)
    assert (
        entries[1]["next_start"] == datetime(2026, 12, 4, 2, 30, tzinfo=UTC) and entries[1]["label"] == "Raid"
    )
    assert entries[2] == {"text": "whenever we feel like it", "next_start": None}


async def test_home_page_shows_needs_officers_schedule_and_join_links(client, guild):
    await raid_team(guild)
    html = (await client.get("/")).text
    assert "status-short" in card(html, "healer") and "3 needed" in card(html, "healer")
    assert "status-warn" in card(html, "ranged") and "1 needed" in card(html, "ranged")
    assert "status-ok" in card(html, "tank") and "target met" in card(html, "melee")
    officers = html[html.index('id="home-officers"') :]
    assert (
        "Shieldy" in officers and "/character/us/test-realm/shieldy" in officers and "Bubbles" not in officers
    )
    assert 'data-style="weekly"' in html and "Heroic raid" in html
    assert "Join our Discord" not in html  # no invite link configured yet
    assert '<a href="/roster">The roster</a>' in html


async def test_officer_settings_change_the_home_page_and_the_roster_cards(client, guild):
    await raid_team(guild)
    assert "3 needed" in card((await client.get("/roster")).text, "healer")
    await site_settings.save(
        client.host,
        {"discord_invite_url": "https://discord.gg/patt", "target_healer": "1"},
        updated_by="test",
    )
    home = (await client.get("/")).text
    assert 'href="https://discord.gg/patt"' in home and "Join our Discord" in home
    assert "status-ok" in card(home, "healer")
    # The cached roster page drops its snapshot on site.settings_changed.
    assert "status-ok" in card((await client.get("/roster")).text, "healer")


async def test_roster_links_the_comp_to_wowhead(client, guild):
    await raid_team(guild)
    html = (await client.get("/roster")).text
    start = html.index('id="wowhead-comp" href="') + len('id="wowhead-comp" href="')
    url = html[start : html.index('"', start)]
    assert url.startswith("https://www.wowhead.com/raid-comp#")
    codes = url.split("#", 1)[1]
    assert sorted(codes[i : i + 2] for i in range(0, len(codes), 2)) == sorted(
        ["A3", "P2", "R2", *["U3"] * 8, *["M3"] * 5]
    )


async def test_the_join_panel_is_for_visitors_not_members(client, guild, log_in):
    """A logged-in member was asked to join and told an officer would send them an invite code."""
    visitor = (await client.get("/")).text
    assert 'id="home-join"' in visitor and 'href="/register"' in visitor
    await log_in(client, await guild.member())
    member = (await client.get("/")).text
    assert 'id="home-join"' not in member and "send you an invite code" not in member
    assert 'id="home-about"' in member  # the rest of the page is still there
