"""Web helpers shared by the raids routes (no routes here): the guild's time zone and the
commit-then-notify step of a route that changes an event."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import Response

from patt_raids.services.schedule import guild_zone_name

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from patt_host import HostAPI


def guild_zone(host: HostAPI, site_settings: dict[str, Any]) -> str:
    return guild_zone_name(site_settings, host.plugin_settings("raids").default_timezone)


async def commit(session: AsyncSession) -> None:
    """Commit before a domain event goes out: a handler (the Discord side) reads the change."""
    await session.commit()


def ok_json(data: Any) -> Response:
    """``ok(data)`` for data that is already plain JSON (str, int, float, bool, None, lists,
    dicts): the availability view has ~1,500 entries, and ``ok``'s generic encoder walks each
    value in Python (tens of milliseconds); ``json.dumps`` does it in C."""
    body = json.dumps({"ok": True, "data": data}, separators=(",", ":"), ensure_ascii=False)
    return Response(body, media_type="application/json")
