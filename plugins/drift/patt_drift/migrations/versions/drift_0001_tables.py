"""drift tables: audit issues (the seed's table, extended), their history and trend snapshots

Revision ID: drift_0001
Revises:
Depends on: sv_common_0005 (players, characters, Discord users, note aliases)
Create Date: 2026-12-06 14:38:40.717476
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "drift_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("drift",)
depends_on: str | Sequence[str] | None = ("sv_common_0005",)


def upgrade() -> None:

    op.create_table(
        "audit_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=True),
        sa.Column("open_counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("new_counts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("resolved_counts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_snapshots")),
        schema="guild_identity",
        info={"owner": "patt_drift"},
    )
    op.create_index(
        "ix_audit_snapshots_taken_at", "audit_snapshots", ["taken_at"], unique=False, schema="guild_identity"
    )
    op.create_table(
        "audit_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_type", sa.String(length=50), nullable=False),
        sa.Column("severity", sa.String(length=10), server_default="info", nullable=False),
        sa.Column("wow_character_id", sa.Integer(), nullable=True),
        sa.Column("discord_member_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("issue_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=50), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("proposal", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_by_player_id", sa.Integer(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_by", sa.String(length=50), nullable=True),
        sa.Column("dismissed_by_player_id", sa.Integer(), nullable=True),
        sa.Column("dismissed_reason", sa.Text(), nullable=True),
        sa.Column("dismissed_fingerprint", sa.String(length=64), nullable=True),
        sa.CheckConstraint("severity IN ('info', 'warning', 'error')", name=op.f("ck_audit_issues_severity")),
        sa.CheckConstraint(
            "status IN ('open', 'dismissed', 'resolved')", name=op.f("ck_audit_issues_status")
        ),
        sa.ForeignKeyConstraint(
            ["discord_member_id"],
            ["guild_identity.discord_users.id"],
            name=op.f("fk_audit_issues_discord_member_id_discord_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dismissed_by_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_audit_issues_dismissed_by_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_audit_issues_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_audit_issues_resolved_by_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["wow_character_id"],
            ["guild_identity.wow_characters.id"],
            name=op.f("fk_audit_issues_wow_character_id_wow_characters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_issues")),
        schema="guild_identity",
        info={"owner": "patt_drift"},
    )
    op.create_index(
        "ix_audit_issues_status_type",
        "audit_issues",
        ["status", "issue_type"],
        unique=False,
        schema="guild_identity",
    )
    op.create_index(
        op.f("ix_guild_identity_audit_issues_discord_member_id"),
        "audit_issues",
        ["discord_member_id"],
        unique=False,
        schema="guild_identity",
    )
    op.create_index(
        op.f("ix_guild_identity_audit_issues_player_id"),
        "audit_issues",
        ["player_id"],
        unique=False,
        schema="guild_identity",
    )
    op.create_index(
        op.f("ix_guild_identity_audit_issues_wow_character_id"),
        "audit_issues",
        ["wow_character_id"],
        unique=False,
        schema="guild_identity",
    )
    op.create_index(
        "uq_audit_issues_live_hash",
        "audit_issues",
        ["issue_hash"],
        unique=True,
        schema="guild_identity",
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_table(
        "audit_issue_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("issue_type", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=50), nullable=True),
        sa.Column("actor_player_id", sa.Integer(), nullable=True),
        sa.Column("job_run_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_audit_issue_events_actor_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["guild_identity.audit_issues.id"],
            name=op.f("fk_audit_issue_events_issue_id_audit_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_issue_events")),
        schema="guild_identity",
        info={"owner": "patt_drift"},
    )
    op.create_index(
        "ix_audit_issue_events_at", "audit_issue_events", ["at"], unique=False, schema="guild_identity"
    )
    op.create_index(
        op.f("ix_guild_identity_audit_issue_events_issue_id"),
        "audit_issue_events",
        ["issue_id"],
        unique=False,
        schema="guild_identity",
    )


def downgrade() -> None:

    op.drop_index(
        op.f("ix_guild_identity_audit_issue_events_issue_id"),
        table_name="audit_issue_events",
        schema="guild_identity",
    )
    op.drop_index("ix_audit_issue_events_at", table_name="audit_issue_events", schema="guild_identity")
    op.drop_table("audit_issue_events", schema="guild_identity")
    op.drop_index(
        "uq_audit_issues_live_hash",
        table_name="audit_issues",
        schema="guild_identity",
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.drop_index(
        op.f("ix_guild_identity_audit_issues_wow_character_id"),
        table_name="audit_issues",
        schema="guild_identity",
    )
    op.drop_index(
        op.f("ix_guild_identity_audit_issues_player_id"), table_name="audit_issues", schema="guild_identity"
    )
    op.drop_index(
        op.f("ix_guild_identity_audit_issues_discord_member_id"),
        table_name="audit_issues",
        schema="guild_identity",
    )
    op.drop_index("ix_audit_issues_status_type", table_name="audit_issues", schema="guild_identity")
    op.drop_table("audit_issues", schema="guild_identity")
    op.drop_index("ix_audit_snapshots_taken_at", table_name="audit_snapshots", schema="guild_identity")
    op.drop_table("audit_snapshots", schema="guild_identity")
