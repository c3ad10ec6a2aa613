"""guild_sync: sync_log.triggered_by_player_id (member data deletion finds a player's runs)

Revision ID: guild_sync_0002
Revises: guild_sync_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "guild_sync_0002"
down_revision: str | Sequence[str] | None = "guild_sync_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "sync_log",
        sa.Column("triggered_by_player_id", sa.Integer(), nullable=True),
        schema="guild_identity",
    )
    op.create_foreign_key(
        op.f("fk_sync_log_triggered_by_player_id_players"),
        "sync_log",
        "players",
        ["triggered_by_player_id"],
        ["id"],
        source_schema="guild_identity",
        referent_schema="guild_identity",
        ondelete="SET NULL",
    )
    op.create_index(
        op.f("ix_guild_identity_sync_log_triggered_by_player_id"),
        "sync_log",
        ["triggered_by_player_id"],
        unique=False,
        schema="guild_identity",
    )
    # Uploads already recorded name their key ("key:<id> ..."): link them to its owner.
    op.execute(
        """
        UPDATE guild_identity.sync_log AS s SET triggered_by_player_id = k.player_id
        FROM guild_identity.addon_api_keys AS k
        WHERE s.source = 'addon_upload' AND k.player_id IS NOT NULL
          AND s.triggered_by LIKE 'key:' || k.id || ' %'
        """
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_guild_identity_sync_log_triggered_by_player_id"),
        table_name="sync_log",
        schema="guild_identity",
    )
    op.drop_constraint(
        op.f("fk_sync_log_triggered_by_player_id_players"),
        "sync_log",
        schema="guild_identity",
        type_="foreignkey",
    )
    op.drop_column("sync_log", "triggered_by_player_id", schema="guild_identity")
