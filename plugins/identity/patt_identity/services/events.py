"""Emitting identity domain events after a unit of work has committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sv_common.identity.ranks import RankChange

if TYPE_CHECKING:
    from patt_host import HostAPI


# Domain events that change what the public roster shows (its cache is dropped on them).
ROSTER_EVENTS = frozenset(
    {
        "player.rank_changed",
        "player.linked",
        "player.updated",
        "member.joined",
        "member.left",
        "member.deleted",
        "roster.synced",
        "site.settings_changed",  # role targets are drawn into the cached roster page
    }
)


async def emit_rank_changes(host: HostAPI, changes: Iterable[RankChange]) -> None:
    """One ``player.rank_changed`` per change (role sync, announcements ... react to it)."""
    for change in changes:
        await host.emit(
            "player.rank_changed",
            player_id=change.player_id,
            old_rank_id=change.old_rank_id,
            new_rank_id=change.new_rank_id,
            source=change.source,
        )
