"""Turns a parsed PATTSyncDB into the body of ``POST /api/guild-sync/addon-upload``.

The body is the original companion's (reference §10.5) plus the fields the server also
accepts: ``export_time`` (lets the server read relative "last online" values),
``achievement_points`` and ``class_file``. ``officer_note`` is null when the exporting
character could not read officer notes, so the site never takes "hidden" for "empty".
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from patt_companion import __version__

UPLOADED_BY = "companion_app"
MAX_INT = 2**31 - 1


class NoExportError(ValueError):
    """The file holds no export to upload (message says why)."""


@dataclass(frozen=True)
class Export:
    """One addon export, ready to queue."""

    export_time: int
    guild_name: str
    body: dict[str, Any]
    skipped: int  # roster entries without a usable name

    @property
    def member_count(self) -> int:
        return len(self.body["characters"])


def _clean(value: Any, default: str = "") -> str:
    """Text without control characters (the server refuses them; the game never writes them)."""
    if value is None or isinstance(value, dict | list):
        return default
    if isinstance(value, bool):
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def _int(value: Any, *, low: int = 0, high: int = MAX_INT) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def _character(entry: Any) -> dict[str, Any] | None:
    if not isinstance(entry, dict):
        return None
    name = _clean(entry.get("name")).strip()
    if not name:
        return None
    officer_note = entry.get("officerNote")
    return {
        "name": name,
        "realm": _clean(entry.get("realm")) or None,
        "class": _clean(entry.get("class")) or None,
        "class_file": _clean(entry.get("classFile")) or None,
        "level": _int(entry.get("level"), high=1000),
        "rank": _int(entry.get("rank"), high=255),
        "rank_name": _clean(entry.get("rankName")) or None,
        "guild_note": _clean(entry.get("note")),
        "officer_note": None if officer_note is None else _clean(officer_note),
        "is_online": entry.get("isOnline") is True,
        "last_online": _clean(entry.get("lastOnline")) or None,
        "zone": _clean(entry.get("zone")) or None,
        "achievement_points": _int(entry.get("achievementPoints")),
    }


def build_export(saved: dict[str, Any]) -> Export:
    """The upload for the ``lastExport`` in ``saved`` (the file's globals)."""
    db = saved.get("PATTSyncDB")
    if not isinstance(db, dict):
        raise NoExportError("the file has no PATTSyncDB table (is this PATTSync.lua?)")
    last = db.get("lastExport")
    if not isinstance(last, dict):
        raise NoExportError("no export yet: type /pattsync force in game, then /reload")
    export_time = _int(last.get("exportTime"), low=1)
    if export_time is None:
        raise NoExportError("the export has no valid exportTime")
    entries = last.get("characters")
    if isinstance(entries, dict) and not entries:
        entries = []  # an empty Lua table reads as {}
    if not isinstance(entries, list):
        raise NoExportError("the export's characters are not a list")
    characters = [c for c in map(_character, entries) if c is not None]
    if not characters:
        raise NoExportError("the export lists no characters")
    addon_version = _clean(last.get("addonVersion"))[:40] or "unknown"
    body = {
        "characters": characters,
        "addon_version": addon_version,
        "uploaded_by": UPLOADED_BY,
        "export_time": export_time,
        "guild_name": _clean(last.get("guildName"))[:100] or None,
        "exported_by": _clean(last.get("exportedBy"))[:100] or None,
        "companion_version": __version__,
    }
    return Export(
        export_time=export_time,
        guild_name=body["guild_name"] or "",
        body=body,
        skipped=len(entries) - len(characters),
    )
