"""One onboarding session per Discord member, and every state change it went through."""

from datetime import datetime

from sqlalchemy import ARRAY, Boolean, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base

STATES = (
    "awaiting_dm",
    "asked_in_guild",
    "asked_main",
    "asked_alts",
    "pending_verification",
    "verified",
    "provisioned",
    "declined",
    "manually_resolved",
    "dismissed",
)
# "dismissed" (an officer closed it without linking) is an addition: the original recorded a
# dismissal as "manually_resolved", like a member an officer vouched for.
CLOSED = ("provisioned", "declined", "manually_resolved", "dismissed")


class OnboardingSession(Base):
    """The original's ``guild_identity.onboarding_sessions`` (seed schema), one row per member."""

    __tablename__ = "onboarding_sessions"
    __table_args__ = {"schema": "guild_identity"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discord_member_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.discord_users.id", ondelete="CASCADE")
    )
    discord_id: Mapped[str] = mapped_column(String(25), unique=True)
    state: Mapped[str] = mapped_column(String(30), server_default="awaiting_dm")
    reported_main_name: Mapped[str | None] = mapped_column(String(50))
    reported_main_realm: Mapped[str | None] = mapped_column(String(100))
    reported_alt_names: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    is_in_guild: Mapped[bool | None] = mapped_column(Boolean)
    verification_attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_verification_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    website_invite_sent: Mapped[bool] = mapped_column(Boolean, server_default="false")
    website_invite_code: Mapped[str | None] = mapped_column(String(50))
    roster_entries_created: Mapped[bool] = mapped_column(Boolean, server_default="false")
    discord_role_assigned: Mapped[bool] = mapped_column(Boolean, server_default="false")
    dm_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dm_completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class OnboardingTransition(Base):
    """Addition: each state change with its time and cause (the original kept none)."""

    __tablename__ = "onboarding_transitions"
    __table_args__ = {"schema": "guild_identity"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.onboarding_sessions.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    cause: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
