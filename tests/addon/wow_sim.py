"""Runs the PATTSync addon in a real Lua 5.1 VM (lupa) against a stub of the WoW API.

``WowClient`` plays one game session: it loads the SavedVariables file if there is one (as
the game does before ``ADDON_LOADED``), runs the addon's files in ``.toc`` order, fires the
login events, and on ``logout()`` writes ``PATTSyncDB`` back the way the game writes it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import lupa.lua51 as lua51

REPO = Path(__file__).resolve().parents[2]
ADDON_DIR = REPO / "addon" / "PATTSync"
STUB = Path(__file__).with_name("wow_api_stub.lua")
ADDON_NAME = "PATTSync"


def read_toc() -> tuple[dict[str, str], list[str]]:
    """The ``## Key: value`` metadata and the file list of PATTSync.toc."""
    metadata: dict[str, str] = {}
    files: list[str] = []
    for line in (ADDON_DIR / f"{ADDON_NAME}.toc").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("##"):
            key, _, value = line[2:].partition(":")
            metadata[key.strip()] = value.strip()
        elif line and not line.startswith("#"):
            files.append(line)
    return metadata, files


class WowClient:
    """One game session with the addon loaded."""

    def __init__(self, saved_variables: Path | None = None, *, login: bool = True, **world: Any):
        self.lua = lua51.LuaRuntime(unpack_returned_tuples=True)
        self.lua.execute(STUB.read_text(encoding="utf-8"))
        self.wow = self.lua.globals().WOW
        self.metadata, files = read_toc()
        for key, value in self.metadata.items():
            self.wow.metadata[key] = value
        for key, value in world.items():
            self.set(key, value)
        self.saved_names = [n.strip() for n in self.metadata["SavedVariables"].split(",")]
        if saved_variables is not None and saved_variables.exists():
            self._run(saved_variables.read_text(encoding="utf-8"), "@" + saved_variables.name)
        for name in files:
            self._run(
                (ADDON_DIR / name).read_text(encoding="utf-8"), "@" + name, ADDON_NAME, self.lua.table()
            )
        self.fire("ADDON_LOADED", ADDON_NAME)
        if login:
            self.fire("PLAYER_LOGIN")
            self.fire("PLAYER_ENTERING_WORLD", True, False)

    def _run(self, source: str, chunk_name: str, *args: Any) -> None:
        loader = self.lua.eval("function(src, name) return assert(loadstring(src, name)) end")
        loader(source, chunk_name)(*args)

    # --- driving the world ------------------------------------------------------------------

    def set(self, key: str, value: Any) -> None:
        if key == "roster":
            value = self.lua_roster(value)
        self.wow[key] = value

    def lua_roster(self, members: list[dict[str, Any]]):
        table = self.lua.table()
        for i, member in enumerate(members, start=1):
            entry = self.lua.table_from(
                {k: v for k, v in member.items() if k != "lastOnline" and v is not None}
            )
            if member.get("lastOnline") is not None:
                entry.lastOnline = self.lua.table_from(list(member["lastOnline"]))
            table[i] = entry
        return table

    def fire(self, event: str, *args: Any) -> None:
        self.wow.fire(event, *args)

    def advance(self, seconds: float) -> None:
        self.wow.advance(seconds)

    def slash(self, message: str) -> None:
        self.lua.globals().SlashCmdList["PATTSYNC"](message)

    def toggle_guild_frame(self) -> None:
        self.lua.globals().ToggleGuildFrame()

    @property
    def messages(self) -> list[str]:
        return list(self.wow.messages.values())

    @property
    def roster_requests(self) -> int:
        return int(self.wow.rosterRequests)

    def db(self) -> Any:
        """PATTSyncDB as plain Python (lists for arrays, dicts otherwise)."""
        return to_python(self.lua.globals().PATTSyncDB)

    # --- leaving the game ---------------------------------------------------------------------

    def logout(self, path: Path) -> None:
        """Writes the SavedVariables file as the game does on logout (or /reload)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        g = self.lua.globals()
        chunks = ["\n"]
        for name in self.saved_names:
            value = g[name]
            if value is not None:
                chunks.append(f"{name} = {serialize(value, 0)}\n")
        path.write_bytes("".join(chunks).encode("utf-8"))


def to_python(value: Any) -> Any:
    if lua51.lua_type(value) != "table":
        return value
    keys = list(value.keys())
    if keys and all(isinstance(k, int) for k in keys) and sorted(keys) == list(range(1, len(keys) + 1)):
        return [to_python(value[i]) for i in range(1, len(keys) + 1)]
    return {k: to_python(v) for k, v in value.items()}


def _quote(text: str) -> str:
    # The game escapes backslash, quote and newline; everything else (UTF-8, "|" codes) is raw.
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'
    )


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return _quote(str(value))


def serialize(value: Any, depth: int) -> str:
    """A Lua value in the game's SavedVariables style: tab indents, ``["key"] =``, ``-- [n]``."""
    if lua51.lua_type(value) != "table":
        return _scalar(value)
    inner = "\t" * (depth + 1)
    lines = ["{"]
    n = 0
    while value[n + 1] is not None:
        n += 1
        lines.append(f"{inner}{serialize(value[n], depth + 1)}, -- [{n}]")
    for key, item in value.items():
        if isinstance(key, int) and 1 <= key <= n:
            continue
        key_text = (
            f"[{key}]" if isinstance(key, int | float) and not isinstance(key, bool) else f"[{_scalar(key)}]"
        )
        lines.append(f"{inner}{key_text} = {serialize(item, depth + 1)},")
    lines.append("\t" * depth + "}")
    return "\n".join(lines)


CLASSES = [
    ("Druid", "DRUID"),
    ("Death Knight", "DEATHKNIGHT"),
    ("Demon Hunter", "DEMONHUNTER"),
    ("Evoker", "EVOKER"),
    ("Hunter", "HUNTER"),
    ("Mage", "MAGE"),
    ("Monk", "MONK"),
    ("Paladin", "PALADIN"),
    ("Priest", "PRIEST"),
    ("Rogue", "ROGUE"),
    ("Shaman", "SHAMAN"),
    ("Warlock", "WARLOCK"),
    ("Warrior", "WARRIOR"),
]
RANKS = ["Guild Master", "Officer", "Veteran", "Member", "Initiate"]
REALMS = ["Senjin", "Area52", "Zul'jin"]
NOTE_SAMPLES = [
    'main: "Trog"',
    "alt of Mito \\ tank",
    "|cff00ff00green|r note",
    "Zarkön's alt — ünïcode",
    "",
    "plain note",
]


def character_name(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    base = "".join(letters[(i // 26**k) % 26] for k in range(3))
    return ("Ä" if i % 17 == 0 else "T") + base + "on"


def make_roster(
    size: int, *, seed: int = 10, realms: list[str] = REALMS, tag: str = ""
) -> list[dict[str, Any]]:
    """A guild of ``size`` members with varied realms, ranks and awkward notes (``tag`` appended)."""
    rng = random.Random(seed)
    members = []
    for i in range(size):
        class_name, class_file = CLASSES[i % len(CLASSES)]
        rank = min(i % 7, len(RANKS) - 1)
        online = rng.random() < 0.2
        members.append(
            {
                "name": f"{character_name(i)}-{realms[i % len(realms)]}",
                "rankName": RANKS[rank],
                "rankIndex": rank,
                "level": 80 if i % 5 else 70 + i % 10,
                "class": class_name,
                "classFile": class_file,
                "zone": "Dornogal" if online else "",
                "note": f"{NOTE_SAMPLES[i % len(NOTE_SAMPLES)]} #{i}{tag}",
                "officerNote": f"officer {i}: {'alt' if i % 3 else 'main'}{tag}",
                "online": online,
                "achievementPoints": 10000 + i,
                "lastOnline": None if online else (0, i % 3, i % 20, i % 24),
            }
        )
    return members


def expected_name(member: dict[str, Any]) -> tuple[str, str]:
    name, _, realm = member["name"].partition("-")
    return name, realm
