"""a DM switch for raid reminders (raids plugin)

Revision ID: sv_common_0012
Revises: sv_common_0011
Create Date: 2026-12-06 17:45:00

The reminder before a raid to members still tentative is a DM like the others, so it
gets its own switch beside ``feature_crafting_dm`` (off by default, as all of them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sv_common_0012"
down_revision: str | Sequence[str] | None = "sv_common_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "discord_config",
        sa.Column("feature_raids_dm", sa.Boolean(), server_default="false", nullable=False),
        schema="common",
    )


def downgrade() -> None:
    op.drop_column("discord_config", "feature_raids_dm", schema="common")
