"""identity plugin tables: player availability and revoked session tokens

Revision ID: identity_0001
Revises:
Depends on: sv_common_0002 (players, users)
Create Date: 2026-11-22 00:28:52.121898
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "identity_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("identity",)
depends_on: str | Sequence[str] | None = ("sv_common_0002",)


def upgrade() -> None:
    op.create_table(
        "revoked_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["common.users.id"], name=op.f("fk_revoked_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_revoked_tokens")),
        schema="patt",
        info={"owner": "patt_identity"},
    )
    op.create_index(
        op.f("ix_patt_revoked_tokens_expires_at"),
        "revoked_tokens",
        ["expires_at"],
        unique=False,
        schema="patt",
    )
    op.create_table(
        "player_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("day_of_week", sa.SmallInteger(), nullable=False),
        sa.Column("available", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("earliest_start", sa.Time(), nullable=True),
        sa.Column("available_hours", sa.Numeric(precision=4, scale=2, asdecimal=False), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "available_hours IS NULL OR (available_hours > 0 AND available_hours <= 16)",
            name=op.f("ck_player_availability_hours_range"),
        ),
        sa.CheckConstraint(
            "day_of_week BETWEEN 0 AND 6", name=op.f("ck_player_availability_day_of_week_range")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["guild_identity.players.id"],
            name=op.f("fk_player_availability_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_player_availability")),
        sa.UniqueConstraint(
            "player_id", "day_of_week", name=op.f("uq_player_availability_player_id_day_of_week")
        ),
        schema="patt",
        info={"owner": "patt_identity"},
    )


def downgrade() -> None:
    op.drop_table("player_availability", schema="patt")
    op.drop_index(op.f("ix_patt_revoked_tokens_expires_at"), table_name="revoked_tokens", schema="patt")
    op.drop_table("revoked_tokens", schema="patt")
