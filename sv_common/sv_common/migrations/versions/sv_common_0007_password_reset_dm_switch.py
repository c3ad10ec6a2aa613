"""a DM switch of its own for password-reset links

Revision ID: sv_common_0007
Revises: sv_common_0006
Create Date: 2026-12-02 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sv_common_0007"
down_revision: str | Sequence[str] | None = "sv_common_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "discord_config",
        sa.Column("feature_password_reset_dm", sa.Boolean(), server_default="false", nullable=False),
        schema="common",
    )
    # Reset links went out under the invite switch until now: keep what the officers chose.
    op.execute("UPDATE common.discord_config SET feature_password_reset_dm = feature_invite_dm")


def downgrade() -> None:
    op.drop_column("discord_config", "feature_password_reset_dm", schema="common")
