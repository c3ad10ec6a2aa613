"""outbox rows remember since when an attempt's outcome is unknown

Revision ID: sv_common_0009
Revises: sv_common_0008
Create Date: 2026-12-06 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sv_common_0009"
down_revision: str | Sequence[str] | None = "sv_common_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "notification_outbox",
        sa.Column("unsure_since", sa.DateTime(timezone=True), nullable=True),
        schema="common",
    )


def downgrade() -> None:
    op.drop_column("notification_outbox", "unsure_since", schema="common")
