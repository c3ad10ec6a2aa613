"""A member's guild-sync data: the companion upload keys they own (export, delete my account).

Deleting the keys matters beyond privacy: the foreign key sets a deleted player's keys to
no owner, and an ownerless key is an operator key that works whatever anyone's rank.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.models import AddonApiKey


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
        ]
    }


async def delete_guild_sync(session: AsyncSession, player_id: int) -> int:
    """Deletes the member's upload keys (they stop working at once)."""
    result = await session.execute(delete(AddonApiKey).where(AddonApiKey.player_id == player_id))
    return result.rowcount or 0
