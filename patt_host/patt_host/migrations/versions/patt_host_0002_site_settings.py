"""Officer-edited site settings.

Revision ID: patt_host_0002
Revises: patt_host_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "patt_host_0002"
down_revision: str | Sequence[str] | None = "patt_host_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_by", sa.String(100)),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_settings")),
        schema="common",
        info={"owner": "patt_host"},
    )


def downgrade() -> None:
    op.drop_table("site_settings", schema="common")
