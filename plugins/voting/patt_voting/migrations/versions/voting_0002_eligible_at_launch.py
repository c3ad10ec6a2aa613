"""voting: campaigns.eligible_at_launch (early close needs voters counted at launch)

Revision ID: voting_0002
Revises: voting_0001
Create Date: 2026-12-02 02:27:10.050693
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "voting_0002"
down_revision: str | Sequence[str] | None = "voting_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("eligible_at_launch", sa.Integer(), nullable=True), schema="patt")


def downgrade() -> None:
    op.drop_column("campaigns", "eligible_at_launch", schema="patt")
