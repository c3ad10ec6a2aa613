"""Tables of the raids plugin (lineage ``raids``), in schema ``patt``.

``recurring_events``, ``raid_events`` and ``raid_attendance`` keep the original's names and
columns so an existing database's rows carry over; additions are marked. Changes:

- ``recurring_events``: at most one *active* row per weekday is a partial unique index (the
  original only checked it in the API, so two requests at once could both pass);
- ``raid_events``: ``(recurring_event_id, event_date)`` is unique, so the auto-booking pass
  inserts an occurrence with ``ON CONFLICT DO NOTHING`` and books it exactly once however
  many workers run it; ``event_date`` is the date in the zone the event was created in;
- ``raid_attendance``: ``status`` is the signup (accepted/tentative/bench/absent),
  ``signed_up`` stays the original's "accepted or tentative" and is kept in step with it.

``raid_player_settings`` (addition) holds the member's auto-invite flag. The original kept it
as ``players.auto_invite_events``; the players table belongs to sv_common, so raids keeps the
flag in a table of its own (an adoption copies the column with one ``INSERT ... SELECT``).
"""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base

# raid_attendance.status: the member's answer to the event.
ACCEPTED, TENTATIVE, BENCH, ABSENT = "accepted", "tentative", "bench", "absent"
STATUSES = (ACCEPTED, TENTATIVE, BENCH, ABSENT)
# raid_attendance.source: who set the status last.
SOURCES = ("auto", "override", "site", "officer", "discord", "raid_helper")
EVENT_TYPES = ("raid", "mythic_plus", "pvp", "social", "other")


class RecurringEvent(Base):
    """A weekly raid night: the home page's schedule and the auto-booking's source."""

    __tablename__ = "recurring_events"
    __table_args__ = (
        CheckConstraint("day_of_week BETWEEN 0 AND 6", name="day_range"),
        CheckConstraint("default_duration_minutes BETWEEN 15 AND 720", name="duration_range"),  # addition
        # Addition: the original's "one active row per weekday" rule, held by the database.
        Index(
            "uq_recurring_events_active_day",
            "day_of_week",
            unique=True,
            postgresql_where=text("is_active"),
        ),
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(30), server_default="raid")
    day_of_week: Mapped[int] = mapped_column(Integer)  # 0 = Monday ... 6 = Sunday
    # Wall-clock time in the guild's time zone (site setting ``schedule_timezone``).
    default_start_time: Mapped[time] = mapped_column(Time, server_default="21:00")
    default_duration_minutes: Mapped[int] = mapped_column(Integer, server_default="120")
    discord_channel_id: Mapped[str | None] = mapped_column(String(25))
    raid_helper_template_id: Mapped[str | None] = mapped_column(String(50), server_default="wowretail2")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    display_on_public: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class RaidEvent(Base):
    """One raid night: when (UTC), where, who signed up (``raid_attendance``)."""

    __tablename__ = "raid_events"
    __table_args__ = (
        # Addition: one event per recurring event and date (the auto-booking's exactly-once).
        UniqueConstraint("recurring_event_id", "event_date", name="uq_raid_events_recurring_date"),
        CheckConstraint("end_time_utc > start_time_utc", name="ends_after_start"),  # addition
        Index("ix_raid_events_start_time_utc", "start_time_utc"),  # addition
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int | None] = mapped_column(ForeignKey("patt.raid_seasons.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    # The event's date in ``timezone`` (the zone its officer or recurring event gave).
    event_date: Mapped[date] = mapped_column(Date)
    start_time_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_time_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raid_helper_event_id: Mapped[str | None] = mapped_column(String(30))
    discord_channel_id: Mapped[str | None] = mapped_column(String(25))
    log_url: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    recurring_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("patt.recurring_events.id", ondelete="SET NULL")
    )
    auto_booked: Mapped[bool] = mapped_column(Boolean, server_default="false")
    raid_helper_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # --- additions ---
    event_type: Mapped[str] = mapped_column(String(30), server_default="raid")
    # IANA zone the event was created in: Raid-Helper wants the local time, pages show
    # each viewer's own zone from start_time_utc.
    timezone: Mapped[str] = mapped_column(String(50), server_default="UTC")
    description: Mapped[str | None] = mapped_column(Text)
    # The bot's own post of the event (the Discord side edits it when signups change).
    discord_message_id: Mapped[str | None] = mapped_column(String(25))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class RaidAttendance(Base):
    """A player's signup for an event and, afterwards, whether they came."""

    __tablename__ = "raid_attendance"
    __table_args__ = (
        UniqueConstraint("event_id", "player_id", name="uq_attendance_event_player"),
        CheckConstraint("status IN ('accepted', 'tentative', 'bench', 'absent')", name="status"),  # addition
        Index("ix_raid_attendance_player_id", "player_id"),  # addition
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("patt.raid_events.id", ondelete="CASCADE"))
    player_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.players.id", ondelete="CASCADE"))
    signed_up: Mapped[bool] = mapped_column(Boolean, server_default="false")
    attended: Mapped[bool] = mapped_column(Boolean, server_default="false")
    character_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="SET NULL")
    )
    noted_absence: Mapped[bool] = mapped_column(Boolean, server_default="false")
    source: Mapped[str] = mapped_column(String(20), server_default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # --- additions ---
    status: Mapped[str] = mapped_column(String(20), server_default=TENTATIVE)
    # When an officer recorded attended/absent/noted absence (NULL: not recorded yet).
    marked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class RaidPlayerSettings(Base):
    """A member's raid preferences (addition; the original's ``players.auto_invite_events``)."""

    __tablename__ = "raid_player_settings"
    __table_args__ = {"schema": "patt"}

    player_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="CASCADE"), primary_key=True
    )
    # Signed up as "accepted" (instead of "tentative") to every new event.
    auto_invite_events: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
