"""guild_sync tables: sync_log, addon API keys, per-character profile sync state

Revision ID: guild_sync_0001
Revises:
Depends on: sv_common_0002 (players, wow_characters)
Create Date: 2026-12-02 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "guild_sync_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("guild_sync",)
depends_on: str | Sequence[str] | None = ("sv_common_0002",)

OWNER = {"owner": "patt_guild_sync"}


def upgrade() -> None:
    op.create_table(
        "sync_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("characters_found", sa.Integer(), nullable=True),
        sa.Column("characters_updated", sa.Integer(), nullable=True),
        sa.Column("characters_new", sa.Integer(), nullable=True),
        sa.Column("characters_removed", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=True),
        sa.Column("triggered_by", sa.String(length=100), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=True),
        sa.Column("not_modified", sa.Integer(), nullable=True),
        sa.Column("unavailable", sa.Integer(), nullable=True),
        sa.Column("errors", sa.Integer(), nullable=True),
        sa.Column("progress_done", sa.Integer(), nullable=True),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_log")),
        schema="guild_identity",
        info=OWNER,
    )
    op.create_index(
        "ix_sync_log_source_started",
        "sync_log",
        ["source", "started_at"],
        unique=False,
        schema="guild_identity",
    )
    op.create_table(
        "addon_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_addon_api_keys_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addon_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_addon_api_keys_key_hash")),
        schema="guild_identity",
        info=OWNER,
    )
    op.create_index(
        op.f("ix_guild_identity_addon_api_keys_player_id"),
        "addon_api_keys",
        ["player_id"],
        unique=False,
        schema="guild_identity",
    )
    op.create_table(
        "character_sync_state",
        sa.Column("character_id", sa.Integer(), nullable=False),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
        sa.Column("profile_status", sa.String(length=20), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["character_id"],
            ["guild_identity.wow_characters.id"],
            name=op.f("fk_character_sync_state_character_id_wow_characters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("character_id", name=op.f("pk_character_sync_state")),
        schema="guild_identity",
        info=OWNER,
    )


def downgrade() -> None:
    op.drop_table("character_sync_state", schema="guild_identity")
    op.drop_index(
        op.f("ix_guild_identity_addon_api_keys_player_id"),
        table_name="addon_api_keys",
        schema="guild_identity",
    )
    op.drop_table("addon_api_keys", schema="guild_identity")
    op.drop_index("ix_sync_log_source_started", table_name="sync_log", schema="guild_identity")
    op.drop_table("sync_log", schema="guild_identity")
