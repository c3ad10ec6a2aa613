"""The raids plugin's domain events: how other plugins (the Discord side, Raid-Helper) hear of
changes. Emit them only after the change has committed.

- ``raids.event_created`` ``{event_id, auto_booked, channel_id}``: a new event (by an officer
  or the auto-booking); the Discord side posts it (the announcement) and records the post
  with ``services.events.set_discord_post``.
- ``raids.event_changed`` ``{event_id, reason, player_id, status, source}``: anything an
  event's post shows changed; ``reason`` is ``signup``, ``edited``, ``cancelled`` or
  ``attendance``. The Discord side edits its embed; ``source`` lets a handler skip echoes of
  its own change (``discord``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from patt_host import HostAPI
    from patt_raids.services.events import SignupChange

EVENT_CREATED = "raids.event_created"
EVENT_CHANGED = "raids.event_changed"


async def event_created(host: HostAPI, event_id: int, *, auto_booked: bool, channel_id: str | None) -> None:
    await host.emit(EVENT_CREATED, event_id=event_id, auto_booked=auto_booked, channel_id=channel_id)


async def event_changed(
    host: HostAPI,
    event_id: int,
    reason: str,
    *,
    player_id: int | None = None,
    status: str | None = None,
    source: str | None = None,
) -> None:
    await host.emit(
        EVENT_CHANGED, event_id=event_id, reason=reason, player_id=player_id, status=status, source=source
    )


async def signup_changed(host: HostAPI, change: SignupChange) -> None:
    """One ``raids.event_changed`` for a signup that actually changed (a repeated click is silent)."""
    if change.changed:
        await event_changed(
            host,
            change.event_id,
            "signup",
            player_id=change.player_id,
            status=change.status,
            source=change.source,
        )
