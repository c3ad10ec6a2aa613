"""mito: one row per quote and per title, ignoring case (unique indexes)

The service checked for a namesake and then inserted: 50 identical quotes posted at once
left 4 rows. Existing duplicates are folded into their oldest row first.

Revision ID: mito_0002
Revises: mito_0001
Create Date: 2026-12-06 14:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "mito_0002"
down_revision: str | Sequence[str] | None = "mito_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (("mito_quotes", "quote"), ("mito_titles", "title"))


def upgrade() -> None:
    for table, column in TABLES:
        op.execute(
            f"DELETE FROM patt.{table} AS t USING patt.{table} AS older "
            f"WHERE lower(t.{column}) = lower(older.{column}) AND older.id < t.id"
        )
        op.execute(f"CREATE UNIQUE INDEX uq_{table}_lower_{column} ON patt.{table} (lower({column}))")


def downgrade() -> None:
    for table, column in TABLES:
        op.execute(f"DROP INDEX patt.uq_{table}_lower_{column}")
