"""Finding PATTSync.lua on Windows, macOS and Linux (Wine, Lutris, Proton, Bottles) layouts."""

import pytest

from patt_companion.discovery import find_saved_variables


def plant(root, flavour="_retail_", account="ACCOUNT1"):
    path = root / flavour / "WTF" / "Account" / account / "SavedVariables" / "PATTSync.lua"
    path.parent.mkdir(parents=True)
    path.write_text("PATTSyncDB = {}\n")
    return path


def test_windows_drives(tmp_path):
    c, d = tmp_path / "C", tmp_path / "D"
    first = plant(c / "Program Files (x86)" / "World of Warcraft")
    second = plant(d / "Games" / "World of Warcraft", account="12345#1")
    ptr = plant(d / "Games" / "World of Warcraft", flavour="_ptr_")
    found = find_saved_variables("win32", home=tmp_path / "home", drives=[c, d])
    assert set(found) == {first, second, ptr}


def test_macos_applications(tmp_path):
    home = tmp_path / "home"
    path = plant(home / "Applications" / "World of Warcraft")
    assert find_saved_variables("darwin", home=home) == [path]


@pytest.mark.parametrize(
    "prefix",
    [
        ".wine",
        "Games/world-of-warcraft",
        "Games/battlenet",
        ".steam/steam/steamapps/compatdata/123456/pfx",
        ".local/share/Steam/steamapps/compatdata/99/pfx",
        ".local/share/bottles/bottles/Battle-net",
        ".var/app/com.usebottles.bottles/data/bottles/bottles/wow",
    ],
)
def test_linux_prefixes(tmp_path, prefix):
    home = tmp_path / "home"
    path = plant(home / prefix / "drive_c" / "Program Files (x86)" / "World of Warcraft")
    assert find_saved_variables("linux", home=home) == [path]


def test_nothing_installed(tmp_path):
    assert find_saved_variables("linux", home=tmp_path) == []
    assert find_saved_variables("win32", home=tmp_path, drives=[tmp_path / "missing"]) == []


def test_newest_first(tmp_path):
    import os

    home = tmp_path / "home"
    old = plant(home / ".wine" / "drive_c" / "Program Files (x86)" / "World of Warcraft", account="OLD")
    new = plant(home / ".wine" / "drive_c" / "Program Files (x86)" / "World of Warcraft", account="NEW")
    os.utime(old, (1_000_000, 1_000_000))
    assert find_saved_variables("linux", home=home) == [new, old]


def test_account_folders_without_an_export_yet_are_candidates(tmp_path):
    from patt_companion.discovery import candidate_files

    home = tmp_path / "home"
    folder = (
        home
        / "Games/battlenet/drive_c/Program Files (x86)/World of Warcraft/_retail_/WTF/Account/X/SavedVariables"
    )
    folder.mkdir(parents=True)
    assert candidate_files("linux", home=home) == [folder / "PATTSync.lua"]
    assert find_saved_variables("linux", home=home) == []
