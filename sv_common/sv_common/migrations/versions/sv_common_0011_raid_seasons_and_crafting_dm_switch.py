"""guild-wide seasons (patt.raid_seasons) and a DM switch for guild-order news

Revision ID: sv_common_0011
Revises: sv_common_0010
Create Date: 2026-12-06 14:45:00

``patt.raid_seasons`` keeps the original's table and columns (so an adopted database keeps
its seasons); the unique (expansion, number) pair is an addition.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sv_common_0011"
down_revision: str | Sequence[str] | None = "sv_common_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "raid_seasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expansion_name", sa.String(length=50), nullable=False),
        sa.Column("season_number", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("is_new_expansion", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raid_seasons")),
        sa.UniqueConstraint(
            "expansion_name", "season_number", name=op.f("uq_raid_seasons_expansion_name_season_number")
        ),
        schema="patt",
    )
    op.add_column(
        "discord_config",
        sa.Column("feature_crafting_dm", sa.Boolean(), server_default="false", nullable=False),
        schema="common",
    )


def downgrade() -> None:
    op.drop_column("discord_config", "feature_crafting_dm", schema="common")
    op.drop_table("raid_seasons", schema="patt")
