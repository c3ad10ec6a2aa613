"""raids tables: recurring events, raid events, attendance (the original's names and columns,
additions marked in models.py) and the members' auto-invite flag

Revision ID: raids_0001
Revises:
Depends on: sv_common_0011 (players, wow_characters, raid_seasons)
Create Date: 2026-12-06 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "raids_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("raids",)
depends_on: str | Sequence[str] | None = ("sv_common_0011",)

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "recurring_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=30), server_default="raid", nullable=False),
        sa.Column("day_of_week", sa.Integer(), nullable=False),
        sa.Column("default_start_time", sa.Time(), server_default="21:00", nullable=False),
        sa.Column("default_duration_minutes", sa.Integer(), server_default="120", nullable=False),
        sa.Column("discord_channel_id", sa.String(length=25), nullable=True),
        sa.Column(
            "raid_helper_template_id", sa.String(length=50), server_default="wowretail2", nullable=True
        ),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("display_on_public", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("day_of_week BETWEEN 0 AND 6", name=op.f("ck_recurring_events_day_range")),
        sa.CheckConstraint(
            "default_duration_minutes BETWEEN 15 AND 720", name=op.f("ck_recurring_events_duration_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_events")),
        schema="patt",
        info={"owner": "patt_raids"},
    )
    op.create_index(
        "uq_recurring_events_active_day",
        "recurring_events",
        ["day_of_week"],
        unique=True,
        schema="patt",
        postgresql_where=sa.text("is_active"),
    )
    op.create_table(
        "raid_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("start_time_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raid_helper_event_id", sa.String(length=30), nullable=True),
        sa.Column("discord_channel_id", sa.String(length=25), nullable=True),
        sa.Column("log_url", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_player_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("recurring_event_id", sa.Integer(), nullable=True),
        sa.Column("auto_booked", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("raid_helper_payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("event_type", sa.String(length=30), server_default="raid", nullable=False),
        sa.Column("timezone", sa.String(length=50), server_default="UTC", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("discord_message_id", sa.String(length=25), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("end_time_utc > start_time_utc", name=op.f("ck_raid_events_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["created_by_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_raid_events_created_by_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recurring_event_id"],
            ["patt.recurring_events.id"],
            name=op.f("fk_raid_events_recurring_event_id_recurring_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["season_id"],
            ["patt.raid_seasons.id"],
            name=op.f("fk_raid_events_season_id_raid_seasons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raid_events")),
        sa.UniqueConstraint("recurring_event_id", "event_date", name="uq_raid_events_recurring_date"),
        schema="patt",
        info={"owner": "patt_raids"},
    )
    op.create_index("ix_raid_events_start_time_utc", "raid_events", ["start_time_utc"], schema="patt")
    op.create_table(
        "raid_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("signed_up", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("attended", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("character_id", sa.Integer(), nullable=True),
        sa.Column("noted_absence", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("source", sa.String(length=20), server_default="manual", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("status", sa.String(length=20), server_default="tentative", nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "status IN ('accepted', 'tentative', 'bench', 'absent')", name=op.f("ck_raid_attendance_status")
        ),
        sa.ForeignKeyConstraint(
            ["character_id"],
            ["guild_identity.wow_characters.id"],
            name=op.f("fk_raid_attendance_character_id_wow_characters"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["patt.raid_events.id"],
            name=op.f("fk_raid_attendance_event_id_raid_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_raid_attendance_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raid_attendance")),
        sa.UniqueConstraint("event_id", "player_id", name="uq_attendance_event_player"),
        schema="patt",
        info={"owner": "patt_raids"},
    )
    op.create_index("ix_raid_attendance_player_id", "raid_attendance", ["player_id"], schema="patt")
    op.create_table(
        "raid_player_settings",
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("auto_invite_events", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_raid_player_settings_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("player_id", name=op.f("pk_raid_player_settings")),
        schema="patt",
        info={"owner": "patt_raids"},
    )


def downgrade() -> None:
    op.drop_table("raid_player_settings", schema="patt")
    op.drop_index("ix_raid_attendance_player_id", table_name="raid_attendance", schema="patt")
    op.drop_table("raid_attendance", schema="patt")
    op.drop_index("ix_raid_events_start_time_utc", table_name="raid_events", schema="patt")
    op.drop_table("raid_events", schema="patt")
    op.drop_index("uq_recurring_events_active_day", table_name="recurring_events", schema="patt")
    op.drop_table("recurring_events", schema="patt")
