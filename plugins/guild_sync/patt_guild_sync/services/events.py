"""Domain events of guild sync, emitted after the sync's transaction committed.

``character.joined`` / ``character.left`` / ``character.renamed`` / ``character.rank_changed``
per character, ``player.rank_changed`` for every player whose computed rank moved, then one
``roster.synced`` with the run's counts. Uploads emit ``character.note_changed``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from patt_identity.services.events import emit_rank_changes

if TYPE_CHECKING:
    from patt_host import HostAPI


async def emit_sync_events(host: HostAPI, result: Any) -> None:
    for name, data in result.events:
        await host.emit(name, **data)
    await emit_rank_changes(host, result.rank_changes)
    if result.counts:
        counts = {k: v for k, v in result.counts.items() if isinstance(v, int)}
        await host.emit(
            "roster.synced",
            sync_log_id=result.log_id,
            status=result.status,
            pending_removal=len(result.pending_removal),
            **counts,
        )
