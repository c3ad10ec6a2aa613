"""A member's guild-sync data (export, delete my account): the companion upload keys they
own, and the sync runs and uploads they started, confirmed or dismissed (``sync_log``).

Deleting the keys matters beyond privacy: the foreign key sets a deleted player's keys to
no owner, and an ownerless key is an operator key that works whatever anyone's rank.
Runs are found by player id (``triggered_by_player_id``, ``details.*_by_player_id``),
never by display name: they keep their counts, and who started them reads "deleted member".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, literal, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.models import AddonApiKey, SyncLog

DELETED = "deleted member"
# What an officer does to a run, as recorded in sync_log.details: name key, player id key.
_ACTIONS = (("confirmed_by", "confirmed_by_player_id"), ("dismissed_by", "dismissed_by_player_id"))


def _acted_on(player_id: int):
    """sync_log rows the player started, confirmed or dismissed."""
    return or_(
        SyncLog.triggered_by_player_id == player_id,
        *(SyncLog.details[id_key].as_integer() == player_id for _, id_key in _ACTIONS),
    )


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


async def export_guild_sync(session: AsyncSession, player_id: int) -> dict[str, Any]:
    keys = await session.scalars(
        select(AddonApiKey).where(AddonApiKey.player_id == player_id).order_by(AddonApiKey.id)
    )
    return {
        "api_keys": [  # never the hash: it is as good as the key against this table
            {
                "name": key.name,
                "key_prefix": key.key_prefix,
                "created_at": _when(key.created_at),
                "last_used_at": _when(key.last_used_at),
                "revoked_at": _when(key.revoked_at),
            }
            for key in keys
        ],
        "sync_runs": [  # runs and uploads they started, or whose pending removal they decided
            {
                "id": row.id,
                "source": row.source,
                "started_at": _when(row.started_at),
                "started_by": row.triggered_by if row.triggered_by_player_id == player_id else None,
                **{
                    name_key: (row.details or {}).get(name_key)
                    for name_key, id_key in _ACTIONS
                    if (row.details or {}).get(id_key) == player_id
                },
            }
            for row in await session.scalars(select(SyncLog).where(_acted_on(player_id)).order_by(SyncLog.id))
        ],
    }


async def delete_guild_sync(session: AsyncSession, player_id: int) -> int:
    """Deletes the member's upload keys (they stop working at once) and anonymises who
    started, confirmed or dismissed their sync runs (the runs and counts stay)."""
    result = await session.execute(delete(AddonApiKey).where(AddonApiKey.player_id == player_id))
    count = result.rowcount or 0
    runs = await session.execute(
        update(SyncLog)
        .where(SyncLog.triggered_by_player_id == player_id)
        .values(triggered_by=DELETED, triggered_by_player_id=None)
    )
    count += runs.rowcount or 0
    for name_key, id_key in _ACTIONS:
        decided = await session.execute(
            update(SyncLog)
            .where(SyncLog.details[id_key].as_integer() == player_id)
            .values(details=SyncLog.details.op("||")(literal({name_key: DELETED, id_key: None}, JSONB)))
        )
        count += decided.rowcount or 0
    return count
