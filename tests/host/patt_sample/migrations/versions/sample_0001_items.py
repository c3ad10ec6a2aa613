"""Sample items, in the plugin's own schema.

Revision ID: sample_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "sample_0001"
down_revision = None
branch_labels = ("sample",)
depends_on = ("sv_common_0001",)


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS "sample"')
    op.create_table(
        "sample_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("owner_player_id", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_sample_items"),
        schema="sample",
    )


def downgrade() -> None:
    op.drop_table("sample_items", schema="sample")
    op.execute('DROP SCHEMA IF EXISTS "sample"')
