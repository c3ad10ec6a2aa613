"""voting: live standings published in batches; ballots of closed campaigns outlive their voter;
campaign deletions recorded

- ``campaigns.live_results_every`` (officers' setting, default 5): live standings are recounted
  only after that many new or changed ballots (0 = turnout only while live);
  ``live_snapshot``/``live_snapshot_events`` hold what is shown; ``votes.changes`` counts a
  ballot's changes (ballot events = ballots + changes).
- ``votes.player_id`` may be NULL: deleting an account anonymises its ballots in closed
  campaigns (the published BLT keeps matching the result); the FK no longer cascades.
- ``campaign_deletions``: who deleted which campaign, when.

Revision ID: voting_0003
Revises: voting_0002
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "voting_0003"
down_revision: str | Sequence[str] | None = "voting_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "campaigns",
        sa.Column("live_results_every", sa.Integer(), server_default="5", nullable=False),
        schema="patt",
    )
    op.create_check_constraint(
        op.f("ck_campaigns_live_results_every_range"),
        "campaigns",
        "live_results_every BETWEEN 0 AND 1000",
        schema="patt",
    )
    op.add_column(
        "votes", sa.Column("changes", sa.Integer(), server_default="0", nullable=False), schema="patt"
    )
    op.add_column(
        "campaigns",
        sa.Column("live_snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        schema="patt",
    )
    op.add_column("campaigns", sa.Column("live_snapshot_events", sa.Integer(), nullable=True), schema="patt")
    op.alter_column("votes", "player_id", existing_type=sa.Integer(), nullable=True, schema="patt")
    op.drop_constraint(op.f("fk_votes_player_id_players"), "votes", schema="patt", type_="foreignkey")
    op.create_foreign_key(
        op.f("fk_votes_player_id_players"),
        "votes",
        "players",
        ["player_id"],
        ["id"],
        source_schema="patt",
        referent_schema="guild_identity",
        ondelete="SET NULL",
    )
    op.create_table(
        "campaign_deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.Column("deleted_by_player_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["deleted_by_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_campaign_deletions_deleted_by_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_deletions")),
        schema="patt",
        info={"owner": "patt_voting"},
    )


def downgrade() -> None:
    op.drop_table("campaign_deletions", schema="patt")
    op.execute("DELETE FROM patt.votes WHERE player_id IS NULL")
    op.drop_constraint(op.f("fk_votes_player_id_players"), "votes", schema="patt", type_="foreignkey")
    op.create_foreign_key(
        op.f("fk_votes_player_id_players"),
        "votes",
        "players",
        ["player_id"],
        ["id"],
        source_schema="patt",
        referent_schema="guild_identity",
        ondelete="CASCADE",
    )
    op.alter_column("votes", "player_id", existing_type=sa.Integer(), nullable=False, schema="patt")
    op.drop_column("campaigns", "live_snapshot_events", schema="patt")
    op.drop_column("campaigns", "live_snapshot", schema="patt")
    op.drop_column("votes", "changes", schema="patt")
    op.drop_constraint(
        op.f("ck_campaigns_live_results_every_range"), "campaigns", schema="patt", type_="check"
    )
    op.drop_column("campaigns", "live_results_every", schema="patt")
