"""mito plugin tables: quotes and titles

Revision ID: mito_0001
Revises:
Depends on: sv_common_0002 (players)
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "mito_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("mito",)
depends_on: str | Sequence[str] | None = ("sv_common_0002",)


def upgrade() -> None:
    op.create_table(
        "mito_quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("added_by_player_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_mito_quotes_added_by_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mito_quotes")),
        schema="patt",
    )
    op.create_table(
        "mito_titles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("added_by_player_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_mito_titles_added_by_player_id_players"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mito_titles")),
        schema="patt",
    )


def downgrade() -> None:
    op.drop_table("mito_titles", schema="patt")
    op.drop_table("mito_quotes", schema="patt")
