"""onboarding plugin tables: the original's sessions (seed schema) and their transitions

Revision ID: onboarding_0001
Revises:
Depends on: sv_common_0002 (discord_users, players)
Create Date: 2026-12-06 15:10:24.830806
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "onboarding_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("onboarding",)
depends_on: str | Sequence[str] | None = "sv_common_0002"


def upgrade() -> None:
    op.create_table(
        "onboarding_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discord_member_id", sa.Integer(), nullable=False),
        sa.Column("discord_id", sa.String(length=25), nullable=False),
        sa.Column("state", sa.String(length=30), server_default="awaiting_dm", nullable=False),
        sa.Column("reported_main_name", sa.String(length=50), nullable=True),
        sa.Column("reported_main_realm", sa.String(length=100), nullable=True),
        sa.Column("reported_alt_names", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("is_in_guild", sa.Boolean(), nullable=True),
        sa.Column("verification_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_verification_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_player_id", sa.Integer(), nullable=True),
        sa.Column("website_invite_sent", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("website_invite_code", sa.String(length=50), nullable=True),
        sa.Column("roster_entries_created", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("discord_role_assigned", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("dm_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dm_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["discord_member_id"],
            ["guild_identity.discord_users.id"],
            name=op.f("fk_onboarding_sessions_discord_member_id_discord_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verified_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_onboarding_sessions_verified_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_sessions")),
        sa.UniqueConstraint("discord_id", name=op.f("uq_onboarding_sessions_discord_id")),
        schema="guild_identity",
        info={"owner": "patt_onboarding"},
    )
    op.create_table(
        "onboarding_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["guild_identity.onboarding_sessions.id"],
            name=op.f("fk_onboarding_transitions_session_id_onboarding_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_transitions")),
        schema="guild_identity",
        info={"owner": "patt_onboarding"},
    )
    op.create_index(
        op.f("ix_guild_identity_onboarding_transitions_session_id"),
        "onboarding_transitions",
        ["session_id"],
        unique=False,
        schema="guild_identity",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_guild_identity_onboarding_transitions_session_id"),
        table_name="onboarding_transitions",
        schema="guild_identity",
    )
    op.drop_table("onboarding_transitions", schema="guild_identity")
    op.drop_table("onboarding_sessions", schema="guild_identity")
