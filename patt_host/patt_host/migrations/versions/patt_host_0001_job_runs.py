"""Job run records.

Revision ID: patt_host_0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "patt_host_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("patt_host",)
depends_on: str | Sequence[str] | None = ("sv_common_0001",)


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_name", sa.String(100), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("triggered_by", sa.String(100)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("counts", postgresql.JSONB()),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_job_runs"),
        schema="common",
    )
    op.create_index(
        "ix_job_runs_job_name_started_at", "job_runs", ["job_name", "started_at"], schema="common"
    )


def downgrade() -> None:
    op.drop_index("ix_job_runs_job_name_started_at", table_name="job_runs", schema="common")
    op.drop_table("job_runs", schema="common")
