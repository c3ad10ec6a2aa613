"""identity: when each session was last used (the idle timeout)

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "identity_0003"
down_revision: str | Sequence[str] | None = "identity_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_activity",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["common.users.id"],
            name=op.f("fk_session_activity_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_session_activity")),
        schema="patt",
        info={"owner": "patt_identity"},
    )
    op.create_index(op.f("ix_patt_session_activity_user_id"), "session_activity", ["user_id"], schema="patt")
    op.create_index(
        op.f("ix_patt_session_activity_expires_at"), "session_activity", ["expires_at"], schema="patt"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_patt_session_activity_expires_at"), table_name="session_activity", schema="patt")
    op.drop_index(op.f("ix_patt_session_activity_user_id"), table_name="session_activity", schema="patt")
    op.drop_table("session_activity", schema="patt")
