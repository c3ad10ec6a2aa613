"""Tables the identity plugin owns (lineage ``identity``)."""

from datetime import datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base, TimestampMixin


class PlayerAvailability(TimestampMixin, Base):
    """When a player can usually raid: one row per weekday (0 = Monday ... 6 = Sunday).

    ``earliest_start`` is a wall-clock time in the player's own timezone
    (``players.timezone``); consumers convert at the edge.
    """

    __tablename__ = "player_availability"
    __table_args__ = (
        UniqueConstraint("player_id", "day_of_week"),
        CheckConstraint("day_of_week BETWEEN 0 AND 6", name="day_of_week_range"),
        CheckConstraint(
            "available_hours IS NULL OR (available_hours > 0 AND available_hours <= 16)", name="hours_range"
        ),
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The unique (player_id, day_of_week) index also serves lookups by player.
    player_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.players.id", ondelete="CASCADE"))
    day_of_week: Mapped[int] = mapped_column(SmallInteger)
    available: Mapped[bool] = mapped_column(Boolean, server_default="true")
    earliest_start: Mapped[time | None] = mapped_column(Time)
    available_hours: Mapped[float | None] = mapped_column(Numeric(4, 2, asdecimal=False))


class SessionActivity(Base):
    """When a session token was last used (the idle timeout).

    A token whose session stayed silent for ``PATT_IDENTITY_SESSION_IDLE_MINUTES`` is refused
    although it has not expired: the timeout slides with use, under the token's fixed lifetime.
    Rows are written at login and then at most once a minute per session and web process, and
    pruned once the token would have expired anyway.
    """

    __tablename__ = "session_activity"
    __table_args__ = {"schema": "patt"}

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("common.users.id", ondelete="CASCADE"), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class RevokedToken(Base):
    """A single session token ended by "log out" before it expired.

    "Log out everywhere" bumps ``users.token_version`` instead; this list only holds
    individual tokens, and rows are pruned once the token would have expired anyway.
    """

    __tablename__ = "revoked_tokens"
    __table_args__ = {"schema": "patt"}

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("common.users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PasswordReset(Base):
    """A single-use, expiring password-reset link (officer-issued, or "forgot password" by DM).

    Only a hash of the token is stored; issuing a new link for a user voids the older ones of
    the same kind, and using one voids all of them.
    """

    __tablename__ = "password_resets"
    __table_args__ = {"schema": "patt"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("common.users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # officer | self
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    # "dm" (to the member only) or "shown" (to the issuing officer, once); NULL: "forgot password".
    delivered_via: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
