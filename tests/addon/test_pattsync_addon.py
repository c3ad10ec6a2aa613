"""PATTSync in a real Lua 5.1 VM against the WoW API stub (tests/addon/wow_api_stub.lua)."""

import re

import pytest
from wow_sim import ADDON_DIR, WowClient, expected_name, make_roster, read_toc

HOUR = 3600


def exported(client: WowClient) -> list[dict]:
    return client.db()["lastExport"]["characters"]


def test_toc_declares_retail_interface_and_saved_variables():
    metadata, files = read_toc()
    interfaces = [int(v) for v in metadata["Interface"].split(",")]
    assert max(interfaces) >= 110000
    assert metadata["SavedVariables"] == "PATTSyncDB"
    assert re.fullmatch(r"\d+\.\d+\.\d+", metadata["Version"])
    assert files == ["PATTSync.lua"] and all((ADDON_DIR / f).is_file() for f in files)


def test_login_exports_the_roster_with_notes_once_loaded():
    roster = make_roster(40)
    client = WowClient(roster=roster)
    assert client.db()["totalExports"] == 0  # nothing before GUILD_ROSTER_UPDATE
    client.advance(1)
    db = client.db()
    export = db["lastExport"]
    assert db["totalExports"] == 1 and db["lastExportTime"] == export["exportTime"] == 1767225600
    assert export["exportTimeISO"] == "2026-01-01T00:00:00Z"
    assert export["addonVersion"] == read_toc()[0]["Version"]
    assert export["guildName"] == "Pull All The Things"
    assert export["exportedBy"] == "Trogmoon-Senjin"
    assert export["memberCount"] == 40 and export["canViewOfficerNote"] is True
    for member, character in zip(roster, export["characters"], strict=True):
        name, realm = expected_name(member)
        assert character["name"] == name and character["realm"] == realm
        assert character["class"] == member["class"] and character["classFile"] == member["classFile"]
        assert character["level"] == member["level"]
        assert character["rank"] == member["rankIndex"] and character["rankName"] == member["rankName"]
        assert character["note"] == member["note"] and character["officerNote"] == member["officerNote"]
        assert character["zone"] == member["zone"]
        assert character["isOnline"] is member["online"]
        assert character["achievementPoints"] == member["achievementPoints"]


@pytest.mark.parametrize(
    ("online", "offline", "text"),
    [
        (True, None, "Online"),
        (False, (1, 2, 3, 4), "1y 2m 3d"),
        (False, (0, 5, 4, 1), "5m 4d"),
        (False, (0, 0, 2, 3), "2d 3h"),
        (False, (0, 0, 0, 7), "7h"),
        (False, (0, 0, 0, 0), "0h"),
    ],
)
def test_last_online_text(online, offline, text):
    member = make_roster(1)[0] | {"online": online, "lastOnline": offline}
    client = WowClient(roster=[member])
    client.advance(1)
    assert exported(client)[0]["lastOnline"] == text


def test_realm_split_for_connected_realms_and_home_realm():
    base = make_roster(1)[0]
    names = ["Trogmoon-Sen'jin", "Mito-Area52", "Homebody", "Ärger-AzjolNerub"]
    client = WowClient(roster=[base | {"name": n} for n in names], realm="Senjin")
    client.advance(1)
    pairs = [(c["name"], c["realm"]) for c in exported(client)]
    assert pairs == [
        ("Trogmoon", "Sen'jin"),
        ("Mito", "Area52"),
        ("Homebody", "Senjin"),
        ("Ärger", "AzjolNerub"),
    ]


def test_own_realm_is_written_with_its_display_name():
    base = make_roster(1)[0]
    names = ["Mito-Area52", "Homebody", "Trogmoon-Sen'jin"]
    client = WowClient(roster=[base | {"name": n} for n in names], realm="Area52", realmDisplay="Area 52")
    client.advance(1)
    assert [c["realm"] for c in exported(client)] == ["Area 52", "Area 52", "Sen'jin"]


def test_officer_note_left_out_when_the_rank_cannot_read_it():
    client = WowClient(roster=make_roster(5), officer=False)
    client.advance(1)
    export = client.db()["lastExport"]
    assert export["canViewOfficerNote"] is False
    assert all("officerNote" not in c for c in export["characters"])
    assert all(c["note"] for c in export["characters"])
    client.slash("force")
    client.advance(1)
    assert "without officer notes" in client.messages[-1]


def test_cooldown_for_automatic_exports_and_force():
    client = WowClient(roster=make_roster(3))
    client.advance(1)
    assert client.db()["totalExports"] == 1
    client.advance(HOUR)
    client.toggle_guild_frame()  # opening the guild window within the cooldown: no export
    client.advance(5)
    assert client.db()["totalExports"] == 1
    client.slash("")  # help only
    client.slash("export")
    client.advance(5)
    assert client.db()["totalExports"] == 1
    assert "next automatic export in 4h 59m" in client.messages[-1]
    forced_at = client.wow.now
    client.slash("force")
    client.advance(1)
    db = client.db()
    assert db["totalExports"] == 2 and db["lastExportTime"] == forced_at
    assert "exported 3 members with officer notes" in client.messages[-1]


def test_guild_window_exports_after_the_cooldown():
    client = WowClient(roster=make_roster(3))
    client.advance(1)
    client.advance(6 * HOUR)
    client.toggle_guild_frame()  # loads Blizzard_Communities and shows the window
    client.advance(1)
    assert client.db()["totalExports"] == 2
    assert client.messages == []  # automatic exports are silent
    client.toggle_guild_frame()  # hide
    client.toggle_guild_frame()  # show again: within the cooldown
    client.advance(1)
    assert client.db()["totalExports"] == 2


def test_retries_while_the_roster_is_not_loaded():
    client = WowClient(roster=make_roster(10), loadAfterRequests=3)
    client.advance(1)
    assert client.db()["totalExports"] == 0
    client.advance(10)
    assert client.db()["totalExports"] == 1 and client.roster_requests == 3
    assert len(exported(client)) == 10


def test_waits_for_entries_still_loading_then_exports_all():
    client = WowClient(roster=make_roster(10), unnamedEntries=4, login=False)
    client.slash("force")
    client.advance(3)
    assert client.db().get("lastExport") is None
    client.set("unnamedEntries", 0)
    client.advance(2)
    assert len(exported(client)) == 10


def test_gives_up_after_three_retries_when_the_roster_never_loads():
    client = WowClient(roster=make_roster(10), loadAfterRequests=99, login=False)
    client.slash("force")
    client.advance(60)
    assert client.db().get("lastExport") is None and client.db()["totalExports"] == 0
    assert client.roster_requests == 4  # the request and three retries, no more
    assert "did not load" in client.messages[-1]


def test_exports_even_when_the_client_throttles_roster_updates():
    client = WowClient(roster=make_roster(4), respond=False, login=False)
    client.slash("force")
    client.advance(3)
    assert len(exported(client)) == 4


def test_not_in_a_guild():
    client = WowClient(roster=[], inGuild=False)
    client.slash("force")
    client.advance(10)
    assert client.db().get("lastExport") is None
    assert client.messages[-1].endswith("you are not in a guild.")


def test_status_and_help():
    client = WowClient(roster=make_roster(12), login=False)
    client.slash("status")
    assert "no export yet" in client.messages[-2]
    client.slash("force")
    client.advance(1)
    client.advance(2 * HOUR)
    client.slash("STATUS")
    assert "last export 2h 0m ago, 12 members, 1 exports in total." in client.messages[-2]
    assert "next automatic export in 3h 59m" in client.messages[-1]
    client.slash("help")
    assert any("/pattsync force" in m for m in client.messages)


def test_saved_variables_survive_a_relog(tmp_path):
    path = tmp_path / "PATTSync.lua"
    first = WowClient(roster=make_roster(6))
    first.advance(1)
    first.logout(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\nPATTSyncDB = {\n\t[") and "}, -- [1]" in text
    second = WowClient(path, roster=make_roster(6))
    second.advance(1)  # within the cooldown: the login does not export again
    db = second.db()
    assert (
        db["totalExports"] == 1 and db["lastExport"]["characters"] == first.db()["lastExport"]["characters"]
    )
    second.advance(6 * HOUR)
    second.slash("export")
    second.advance(1)
    assert second.db()["totalExports"] == 2


def test_broken_saved_variables_are_repaired():
    client = WowClient(roster=make_roster(2))
    client.lua.execute("PATTSyncDB = { totalExports = 'x' }")
    client.slash("force")
    client.advance(1)
    assert client.db()["totalExports"] == 1
