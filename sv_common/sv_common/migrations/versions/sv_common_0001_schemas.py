"""Platform schemas: common (infrastructure), guild_identity (people), patt (features).

Revision ID: sv_common_0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "sv_common_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("sv_common",)
depends_on: str | Sequence[str] | None = None

SCHEMAS = ("common", "guild_identity", "patt")


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def downgrade() -> None:
    # RESTRICT: never drop a schema that still holds another package's tables.
    for schema in reversed(SCHEMAS):
        op.execute(f"DROP SCHEMA IF EXISTS {schema} RESTRICT")
