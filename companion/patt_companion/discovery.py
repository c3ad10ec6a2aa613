"""Finds ``WTF/Account/<account>/SavedVariables/PATTSync.lua`` on the usual install paths.

Windows: the registry's install path and ``<drive>:/Program Files (x86)/World of Warcraft``
(and similar) on every drive. macOS: ``/Applications`` and ``~/Applications``. Linux: Wine
prefixes (``~/.wine``), Lutris (``~/Games/*``), Steam/Proton ``compatdata`` prefixes and
Bottles, each with the Windows paths inside ``drive_c``.
"""

from __future__ import annotations

import os
import string
import sys
from collections.abc import Iterable
from pathlib import Path

FILE_NAME = "PATTSync.lua"
FLAVOURS = ("_retail_", "_ptr_", "_xptr_", "_beta_")
WINDOWS_DIRS = (
    "Program Files (x86)/World of Warcraft",
    "Program Files/World of Warcraft",
    "World of Warcraft",
    "Games/World of Warcraft",
    "Blizzard/World of Warcraft",
)


def _windows_registry_roots() -> list[Path]:
    try:
        import winreg
    except ImportError:
        return []
    roots = []
    for key_path in (
        r"SOFTWARE\WOW6432Node\Blizzard Entertainment\World of Warcraft",
        r"SOFTWARE\Blizzard Entertainment\World of Warcraft",
    ):
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key_path) as key:
                install, _ = winreg.QueryValueEx(key, "InstallPath")
        except OSError:
            continue
        # InstallPath names the flavour folder (…\_retail_\); its parent is the game root.
        path = Path(install)
        roots.append(path.parent if path.name.startswith("_") else path)
    return roots


def _prefix_roots(drive_c: Path) -> Iterable[Path]:
    for folder in WINDOWS_DIRS:
        yield drive_c / folder


def _wine_prefixes(home: Path) -> Iterable[Path]:
    yield home / ".wine"
    for pattern in (
        "Games/*",  # Lutris
        ".local/share/lutris/prefixes/*",
        ".steam/steam/steamapps/compatdata/*/pfx",
        ".local/share/Steam/steamapps/compatdata/*/pfx",
        ".var/app/com.valvesoftware.Steam/.local/share/Steam/steamapps/compatdata/*/pfx",
        ".local/share/bottles/bottles/*",
        ".var/app/com.usebottles.bottles/data/bottles/bottles/*",
        ".local/share/wineprefixes/*",
    ):
        yield from home.glob(pattern)


def game_roots(
    platform: str | None = None, home: Path | None = None, drives: Iterable[Path] | None = None
) -> list[Path]:
    """Folders that may hold a WoW install (the folder with ``_retail_`` in it)."""
    platform = platform or sys.platform
    home = home or Path.home()
    roots: list[Path] = []
    if platform.startswith("win"):
        roots += _windows_registry_roots()
        if drives is None:
            drives = [Path(f"{letter}:/") for letter in string.ascii_uppercase]
        for drive in drives:
            roots += _prefix_roots(drive)
    elif platform == "darwin":
        roots += [Path("/Applications/World of Warcraft"), home / "Applications/World of Warcraft"]
    else:
        for prefix in _wine_prefixes(home):
            roots += _prefix_roots(prefix / "drive_c")
    return roots


def saved_variables_dirs(
    platform: str | None = None, home: Path | None = None, drives: Iterable[Path] | None = None
) -> list[Path]:
    """Every ``WTF/Account/<account>/SavedVariables`` folder of the installs found."""
    found: dict[str, Path] = {}
    for root in game_roots(platform, home, drives):
        for flavour in FLAVOURS:
            account_dir = root / flavour / "WTF" / "Account"
            try:
                if not account_dir.is_dir():
                    continue
                for folder in account_dir.glob("*/SavedVariables"):
                    if folder.is_dir():
                        found.setdefault(os.path.normcase(str(folder.resolve())), folder)
            except OSError:  # a drive that is not ready, a folder we may not read
                continue
    return list(found.values())


def candidate_files(
    platform: str | None = None, home: Path | None = None, drives: Iterable[Path] | None = None
) -> list[Path]:
    """Where the game writes (or will write, after the first /reload) PATTSync.lua."""
    return [folder / FILE_NAME for folder in saved_variables_dirs(platform, home, drives)]


def find_saved_variables(
    platform: str | None = None, home: Path | None = None, drives: Iterable[Path] | None = None
) -> list[Path]:
    """Every existing PATTSync SavedVariables file, newest first."""
    files = [path for path in candidate_files(platform, home, drives) if path.is_file()]
    return sorted(files, key=_mtime, reverse=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
