"""Tables the guild-sync plugin owns (lineage ``guild_sync``).

``guild_identity.sync_log`` keeps the original's name and columns (so an adopted database
keeps its history); the columns after ``completed_at`` are additions.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base

SOURCE_BLIZZARD = "blizzard_api"
SOURCE_ADDON = "addon_upload"

# sync_log.status values
RUNNING = "running"
SUCCESS = "success"
PARTIAL = "partial"  # finished, some characters had errors
FAILED = "failed"
AWAITING_CONFIRMATION = "awaiting_confirmation"  # the removal guard held removals back


class SyncLog(Base):
    """One sync run (Blizzard) or addon upload: counts, duration, requests and errors."""

    __tablename__ = "sync_log"
    __table_args__ = (
        Index("ix_sync_log_source_started", "source", "started_at"),
        {"schema": "guild_identity"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    characters_found: Mapped[int | None] = mapped_column(Integer)
    characters_updated: Mapped[int | None] = mapped_column(Integer)
    characters_new: Mapped[int | None] = mapped_column(Integer)
    characters_removed: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # --- additions ---
    trigger: Mapped[str | None] = mapped_column(String(20))  # cron | manual | cli | upload
    triggered_by: Mapped[str | None] = mapped_column(String(100))
    # The officer (or upload key's owner) behind ``triggered_by``: the link that lets a
    # member's data deletion find and anonymise their runs without matching names.
    triggered_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL"), index=True
    )
    requests: Mapped[int | None] = mapped_column(Integer)
    not_modified: Mapped[int | None] = mapped_column(Integer)  # 304 answers
    unavailable: Mapped[int | None] = mapped_column(Integer)  # 404 profiles (kept, not removed)
    errors: Mapped[int | None] = mapped_column(Integer)
    progress_done: Mapped[int | None] = mapped_column(Integer)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    # Pending removals ({"pending_removal": [character ids], "confirmed_by": name,
    # "confirmed_by_player_id": id, or the same for dismissed_by}), error samples.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class AddonApiKey(Base):
    """A companion-uploader key: per officer, named, stored as a SHA-256 hash, revocable."""

    __tablename__ = "addon_api_keys"
    __table_args__ = {"schema": "guild_identity"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CharacterSyncState(Base):
    """Per-character Blizzard profile state: ``Last-Modified`` for conditional requests, outcome."""

    __tablename__ = "character_sync_state"
    __table_args__ = {"schema": "guild_identity"}

    character_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="CASCADE"), primary_key=True
    )
    last_modified: Mapped[str | None] = mapped_column(String(64))
    profile_status: Mapped[str] = mapped_column(String(20))  # updated | not_modified | unavailable | error
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
