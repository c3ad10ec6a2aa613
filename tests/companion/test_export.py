"""From the game's file to the upload body (and `patt-companion parse`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from wow_sim import WowClient, expected_name, make_roster

from patt_companion.export import NoExportError, build_export
from patt_companion.luaparse import read_saved_variables

PATT_COMPANION = str(Path(sys.executable).parent / "patt-companion")


def game_file(tmp_path, roster, **world):
    client = WowClient(roster=roster, **world)
    client.advance(1)
    path = tmp_path / "WTF" / "Account" / "ACC" / "SavedVariables" / "PATTSync.lua"
    client.logout(path)
    return path, client


def test_body_matches_the_upload_api(tmp_path):
    roster = make_roster(30)
    path, client = game_file(tmp_path, roster)
    export = build_export(read_saved_variables(path))
    body = export.body
    assert export.export_time == client.db()["lastExportTime"] and export.skipped == 0
    assert body["uploaded_by"] == "companion_app" and body["addon_version"] == client.metadata["Version"]
    assert body["export_time"] == export.export_time and body["guild_name"] == "Pull All The Things"
    assert len(body["characters"]) == 30
    for member, character in zip(roster, body["characters"], strict=True):
        name, realm = expected_name(member)
        assert character == {
            "name": name,
            "realm": realm,
            "class": member["class"],
            "class_file": member["classFile"],
            "level": member["level"],
            "rank": member["rankIndex"],
            "rank_name": member["rankName"],
            "guild_note": member["note"],
            "officer_note": member["officerNote"],
            "is_online": member["online"],
            "last_online": character["last_online"],
            "zone": member["zone"] or None,
            "achievement_points": member["achievementPoints"],
        }
        assert character["last_online"]


def test_officer_note_is_null_when_the_exporter_could_not_read_it(tmp_path):
    path, _ = game_file(tmp_path, make_roster(3), officer=False)
    body = build_export(read_saved_variables(path)).body
    assert [c["officer_note"] for c in body["characters"]] == [None, None, None]
    assert all(c["guild_note"] for c in body["characters"])


def test_control_characters_and_bad_entries_are_cleaned():
    saved = {
        "PATTSyncDB": {
            "lastExport": {
                "exportTime": 1767225600,
                "characters": [
                    {"name": "Tab\tName", "note": "line\nbreak\x00", "level": 1e12, "rank": -3},
                    {"name": ""},
                    "not a table",
                    {"name": "Ok", "officerNote": "", "isOnline": "yes"},
                ],
            }
        }
    }
    export = build_export(saved)
    first, second = export.body["characters"]
    assert first["name"] == "Tab Name" and first["guild_note"] == "line break "
    assert first["level"] is None and first["rank"] is None
    assert second["officer_note"] == "" and second["is_online"] is False
    assert export.skipped == 2


@pytest.mark.parametrize(
    ("saved", "message"),
    [
        ({}, "no PATTSyncDB"),
        ({"PATTSyncDB": {"totalExports": 0}}, "no export yet"),
        ({"PATTSyncDB": {"lastExport": {"characters": []}}}, "exportTime"),
        ({"PATTSyncDB": {"lastExport": {"exportTime": 5, "characters": {}}}}, "no characters"),
        ({"PATTSyncDB": {"lastExport": {"exportTime": 5, "characters": "x"}}}, "not a list"),
    ],
)
def test_files_without_an_export(saved, message):
    with pytest.raises(NoExportError, match=message):
        build_export(saved)


def test_parse_command_prints_the_body_without_network(tmp_path, companion_home):
    path, _ = game_file(tmp_path, make_roster(4))
    out = subprocess.run([PATT_COMPANION, "parse", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body == build_export(read_saved_variables(path)).body
    assert not (companion_home / "data").exists()  # nothing queued


def test_parse_command_reports_a_broken_file(tmp_path, companion_home):
    path = tmp_path / "PATTSync.lua"
    path.write_text("PATTSyncDB = { while true do end")
    out = subprocess.run([PATT_COMPANION, "parse", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error: not a valid SavedVariables file")
