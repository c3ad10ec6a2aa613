"""voting plugin tables: campaigns, entries, votes, eligible voters, results, contest agent log

Revision ID: voting_0001
Revises:
Depends on: sv_common_0004 (players, notification outbox)
Create Date: 2026-12-02 01:52:53.302179
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "voting_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("voting",)
depends_on: str | Sequence[str] | None = ("sv_common_0004",)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=20), server_default="ranked_choice", nullable=False),
        sa.Column("picks_per_voter", sa.Integer(), server_default="3", nullable=False),
        sa.Column("min_rank_to_vote", sa.Integer(), nullable=False),
        sa.Column("min_rank_to_view", sa.Integer(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_hours", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("early_close_if_all_voted", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("discord_channel_id", sa.String(length=20), nullable=True),
        sa.Column("agent_enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("agent_chattiness", sa.String(length=10), server_default="normal", nullable=False),
        sa.Column("created_by_player_id", sa.Integer(), nullable=True),
        sa.Column("counting_method", sa.String(length=20), server_default="points", nullable=False),
        sa.Column("exact_picks", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("allow_ballot_change", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'live', 'closed', 'archived')", name=op.f("ck_campaigns_status_known")
        ),
        sa.CheckConstraint("duration_hours BETWEEN 1 AND 8784", name=op.f("ck_campaigns_duration_range")),
        sa.CheckConstraint("picks_per_voter BETWEEN 1 AND 50", name=op.f("ck_campaigns_picks_range")),
        sa.ForeignKeyConstraint(
            ["created_by_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_campaigns_created_by_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        schema="patt",
        info={"owner": "patt_voting"},
    )
    op.create_index(op.f("ix_patt_campaigns_status"), "campaigns", ["status"], unique=False, schema="patt")
    op.create_table(
        "campaign_eligible_voters",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["patt.campaigns.id"],
            name=op.f("fk_campaign_eligible_voters_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_campaign_eligible_voters_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "player_id", name=op.f("pk_campaign_eligible_voters")),
        schema="patt",
        info={"owner": "patt_voting"},
    )
    op.create_table(
        "campaign_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["patt.campaigns.id"],
            name=op.f("fk_campaign_entries_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_campaign_entries_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_entries")),
        sa.UniqueConstraint("campaign_id", "name", name=op.f("uq_campaign_entries_campaign_id_name")),
        schema="patt",
        info={"owner": "patt_voting"},
    )
    op.create_table(
        "campaign_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("total_votes", sa.Integer(), nullable=True),
        sa.Column(
            "calculated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["patt.campaigns.id"],
            name=op.f("fk_campaign_results_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_results")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_campaign_results_campaign_id")),
        schema="patt",
        info={"owner": "patt_voting"},
    )
    op.create_table(
        "contest_agent_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("message_sent", sa.Text(), nullable=True),
        sa.Column("discord_message_id", sa.String(length=25), nullable=True),
        sa.Column("leader_entry_id", sa.Integer(), nullable=True),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["patt.campaigns.id"],
            name=op.f("fk_contest_agent_log_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["common.notification_outbox.id"],
            name=op.f("fk_contest_agent_log_notification_id_notification_outbox"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_agent_log")),
        schema="patt",
        info={"owner": "patt_voting"},
    )
    op.create_index(
        op.f("ix_patt_contest_agent_log_campaign_id"),
        "contest_agent_log",
        ["campaign_id"],
        unique=False,
        schema="patt",
    )
    op.create_index(
        "uq_contest_agent_log_once",
        "contest_agent_log",
        ["campaign_id", "event_type"],
        unique=True,
        schema="patt",
        postgresql_where=sa.text("event_type <> 'lead_change'"),
    )
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("rankings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["patt.campaigns.id"],
            name=op.f("fk_votes_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_votes_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("campaign_id", "player_id", name=op.f("uq_votes_campaign_id_player_id")),
        schema="patt",
        info={"owner": "patt_voting"},
    )


def downgrade() -> None:
    op.drop_table("votes", schema="patt")
    op.drop_index(
        "uq_contest_agent_log_once",
        table_name="contest_agent_log",
        schema="patt",
        postgresql_where=sa.text("event_type <> 'lead_change'"),
    )
    op.drop_index(
        op.f("ix_patt_contest_agent_log_campaign_id"), table_name="contest_agent_log", schema="patt"
    )
    op.drop_table("contest_agent_log", schema="patt")
    op.drop_table("campaign_results", schema="patt")
    op.drop_table("campaign_entries", schema="patt")
    op.drop_table("campaign_eligible_voters", schema="patt")
    op.drop_index(op.f("ix_patt_campaigns_status"), table_name="campaigns", schema="patt")
    op.drop_table("campaigns", schema="patt")
