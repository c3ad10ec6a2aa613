"""The durable notification outbox: every DM and channel post goes through it.

A row is written in the caller's transaction (so a notification exists exactly when
the change that caused it was committed) and the delivery worker sends it later,
retrying transient failures. Nothing is lost when Discord or the bot is down.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base

# "edit": a change to a channel message posted earlier (payload[EDIT_OF] is that post's row id).
KINDS = ("dm", "channel", "edit")
EDIT_OF = "edit_of"
STATUSES = ("pending", "sent", "failed", "skipped")


class NotificationOutbox(Base):
    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index("ix_notification_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        {"schema": "common"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # dm | channel | edit
    # A Discord user id (dm) or channel id (channel), as Discord's string snowflake.
    target: Mapped[str] = mapped_column(String(25))
    # Who a DM is for, so officers see a name and member data can be deleted.
    player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL"), index=True
    )
    # {"content": str|None, "embeds": [...], "components"?: [...], "edit_of"?: post id}
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    feature: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    discord_message_id: Mapped[str | None] = mapped_column(String(25))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # First attempt whose outcome is unknown (a 5xx or a timeout after the request left):
    # Discord may have posted it. Its nonce protects a retry only for a few minutes.
    unsure_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
