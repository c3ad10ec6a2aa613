"""invite codes record how they were delivered and which account used them

An officer no longer sees a member's invite code when it can be DMed to the member;
``delivered_via`` says which happened ("dm" or "shown" to the issuing officer), and
``used_by_user_id`` which account redeemed it (with ``created_by_player_id``: who issued).

Revision ID: sv_common_0010
Revises: sv_common_0009
Create Date: 2026-12-06 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sv_common_0010"
down_revision: str | Sequence[str] | None = "sv_common_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("invite_codes", sa.Column("delivered_via", sa.String(10), nullable=True), schema="common")
    op.add_column("invite_codes", sa.Column("used_by_user_id", sa.Integer(), nullable=True), schema="common")
    op.create_foreign_key(
        op.f("fk_invite_codes_used_by_user_id_users"),
        "invite_codes",
        "users",
        ["used_by_user_id"],
        ["id"],
        source_schema="common",
        referent_schema="common",
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_invite_codes_used_by_user_id_users"), "invite_codes", schema="common")
    op.drop_column("invite_codes", "used_by_user_id", schema="common")
    op.drop_column("invite_codes", "delivered_via", schema="common")
