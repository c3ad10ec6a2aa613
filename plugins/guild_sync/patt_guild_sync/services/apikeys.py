"""Companion-uploader API keys: per officer, named, hashed at rest, shown once, revocable.

A key is 256 random bits (``patt_`` + URL-safe base64). Only its SHA-256 is stored: a slow
hash adds nothing for a random key that long, and a lookup by hash keeps verification at
one indexed query. A key works while it is not revoked and, when it belongs to an officer,
while that officer still holds an officer rank (a demoted officer's keys stop working).

Public: :func:`create_api_key` is the supported way for tests (and tools) to mint a key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.models import AddonApiKey
from sv_common.auth import Actor
from sv_common.db import utcnow
from sv_common.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from sv_common.identity.ceiling import holds_top_rank, players_below
from sv_common.identity.models import GuildRank, Player
from sv_common.validation import is_blank

KEY_PREFIX = "patt_"
MAX_KEY_LENGTH = 200


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    """A freshly created key: ``key`` is the secret, shown to its owner exactly once."""

    id: int
    name: str
    key: str
    key_prefix: str
    player_id: int | None
    created_at: datetime


async def create_api_key(session: AsyncSession, *, name: str, player_id: int | None = None) -> NewApiKey:
    """Create an upload key named ``name`` for officer ``player_id`` (None: an operator's key).

    Returns the secret once; only its hash is stored. Flushes, does not commit.
    """
    name = (name or "").strip()
    if is_blank(name) or len(name) > 100 or not name.isprintable():
        raise ValidationFailed("A key name is 1-100 printable characters.")
    if player_id is not None and await session.get(Player, player_id) is None:
        raise NotFound("That player does not exist.")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = AddonApiKey(name=name, key_prefix=secret[:12], key_hash=hash_key(secret), player_id=player_id)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return NewApiKey(row.id, row.name, secret, row.key_prefix, row.player_id, row.created_at)


async def verify_api_key(session: AsyncSession, key: str | None, *, officer_level: int) -> AddonApiKey:
    """The live key behind ``key`` (records its use); Unauthorized otherwise."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii():
        raise Unauthorized("A valid X-API-Key header is required.", code="invalid_api_key")
    row = await session.scalar(select(AddonApiKey).where(AddonApiKey.key_hash == hash_key(key.strip())))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("A valid X-API-Key header is required.", code="invalid_api_key")
    if row.player_id is not None:
        level = await session.scalar(
            select(GuildRank.level)
            .join(Player, Player.guild_rank_id == GuildRank.id)
            .where(Player.id == row.player_id, Player.is_active.is_(True))
        )
        if level is None or level < officer_level:
            raise Unauthorized("This key's officer no longer holds an officer rank.", code="invalid_api_key")
    row.last_used_at = utcnow()
    await session.flush()
    return row


async def list_api_keys(session: AsyncSession, actor: Actor | None = None) -> list[dict]:
    """Every key (never the secret or its hash), newest first, with its officer's name and,
    given ``actor``, whether that officer may revoke it (the page shows the button then)."""
    rows = (
        await session.execute(
            select(AddonApiKey, Player.display_name)
            .outerjoin(Player, Player.id == AddonApiKey.player_id)
            .order_by(AddonApiKey.id.desc())
        )
    ).all()
    revocable = await _revocable(session, actor, [key for key, _ in rows]) if actor is not None else set()
    return [
        {
            "id": key.id,
            "name": key.name,
            "key_prefix": key.key_prefix,
            "player_id": key.player_id,
            "owner": owner,
            "created_at": key.created_at,
            "last_used_at": key.last_used_at,
            "revoked_at": key.revoked_at,
            "active": key.revoked_at is None,
            "revocable": key.id in revocable,
        }
        for key, owner in rows
    ]


async def _revocable(session: AsyncSession, actor: Actor, keys: list[AddonApiKey]) -> set[int]:
    """The ids among ``keys`` the actor may revoke: their own, those of players under their
    rank ceiling (the one identity applies to players), and ownerless operator keys only for
    the guild leader. Otherwise any officer could cut off the Guild Leader's uploader."""
    below = await players_below(session, actor, {key.player_id for key in keys})
    top = any(key.player_id is None for key in keys) and await holds_top_rank(session, actor)
    return {
        key.id
        for key in keys
        if (key.player_id is None and top)
        or (key.player_id is not None and (key.player_id == actor.player_id or key.player_id in below))
    }


async def revoke_api_key(session: AsyncSession, key_id: int, actor: Actor) -> AddonApiKey:
    """Revoke a key for good (idempotent); Forbidden above the actor's rank ceiling."""
    row = await session.get(AddonApiKey, key_id)
    if row is None:
        raise NotFound("That API key does not exist.")
    if row.id not in await _revocable(session, actor, [row]):
        raise Forbidden(
            "You can revoke your own keys and those of players ranked below you; "
            "operator keys need the guild leader.",
            code="rank_too_high",
        )
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.flush()
    return row
