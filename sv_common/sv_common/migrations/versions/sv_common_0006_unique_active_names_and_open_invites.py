"""unique active player names (case-insensitive) and one open invite per player

Revision ID: sv_common_0006
Revises: sv_common_0005
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sv_common_0006"
down_revision: str | Sequence[str] | None = "sv_common_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing duplicates first: later active namesakes get their id appended; older open
    # invites of a player are dropped (the newest stays, as a new invite now replaces the old).
    op.execute(
        """
        UPDATE guild_identity.players p SET display_name = left(p.display_name, 90) || ' #' || p.id
        WHERE p.is_active AND EXISTS (
            SELECT 1 FROM guild_identity.players q
            WHERE q.is_active AND lower(q.display_name) = lower(p.display_name) AND q.id < p.id
        )
        """
    )
    op.execute(
        """
        DELETE FROM common.invite_codes i
        WHERE i.used_at IS NULL AND i.player_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM common.invite_codes j
            WHERE j.used_at IS NULL AND j.player_id = i.player_id AND j.id > i.id
        )
        """
    )
    op.create_index(
        "uq_players_active_display_name",
        "players",
        [sa.text("lower(display_name)")],
        unique=True,
        schema="guild_identity",
        postgresql_where=sa.text("is_active"),
    )
    op.create_index(
        "uq_invite_codes_open_player",
        "invite_codes",
        ["player_id"],
        unique=True,
        schema="common",
        postgresql_where=sa.text("used_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_invite_codes_open_player", table_name="invite_codes", schema="common")
    op.drop_index("uq_players_active_display_name", table_name="players", schema="guild_identity")
