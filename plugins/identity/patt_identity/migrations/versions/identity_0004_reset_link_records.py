"""identity: reset links record the issuing officer's player and how the link was delivered

Revision ID: identity_0004
Revises: identity_0003
Create Date: 2026-12-06 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "identity_0004"
down_revision: str | Sequence[str] | None = "identity_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("password_resets", sa.Column("delivered_via", sa.String(10), nullable=True), schema="patt")
    op.add_column(
        "password_resets", sa.Column("created_by_player_id", sa.Integer(), nullable=True), schema="patt"
    )
    op.create_foreign_key(
        op.f("fk_password_resets_created_by_player_id_players"),
        "password_resets",
        "players",
        ["created_by_player_id"],
        ["id"],
        source_schema="patt",
        referent_schema="guild_identity",
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_password_resets_created_by_player_id_players"), "password_resets", schema="patt"
    )
    op.drop_column("password_resets", "created_by_player_id", schema="patt")
    op.drop_column("password_resets", "delivered_via", schema="patt")
