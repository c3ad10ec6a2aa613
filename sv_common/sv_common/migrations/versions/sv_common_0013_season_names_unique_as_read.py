"""one season per expansion and number however the name is written (patt.raid_seasons.expansion_key)

Revision ID: sv_common_0013
Revises: sv_common_0012
Create Date: 2026-12-07 07:30:00

The unique (expansion_name, season_number) pair was case-sensitive, and the service's own
check (lower()) missed invisible characters and full-width letters: "Midnight", "MIDNIGHT"
and "Midnight" behind a zero-width space could all be season 1. ``expansion_key`` holds the
name's comparison key (``sv_common.validation.lookalike_key``: NFKC, casefolded, invisible
characters dropped), computed in Python because PostgreSQL has no casefold and its lower()
follows the database's locale; the unique constraint moves to (expansion_key, season_number).

Existing duplicates do not stop the upgrade: names are tidied as the service stores them
(NFKC, nothing invisible at the ends) and a later season (higher id) whose name reads the
same as an earlier one's gets " (2)", " (3)" ... appended, so it stays, with its events,
visibly distinct; an officer can rename it or switch it off on /admin/seasons. Each rename
is logged (alembic's log) with the season's id and its old name.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sv_common.seasons import unique_names

revision: str = "sv_common_0013"
down_revision: str | Sequence[str] | None = "sv_common_0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    # The old constraint goes first: while names are tidied one row at a time, a row may
    # briefly hold the name another row is about to give up.
    op.drop_constraint(
        "uq_raid_seasons_expansion_name_season_number", "raid_seasons", type_="unique", schema="patt"
    )
    op.add_column("raid_seasons", sa.Column("expansion_key", sa.Text(), nullable=True), schema="patt")
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, expansion_name, season_number FROM patt.raid_seasons")).all()
    # The key is the service's function, not a copy frozen here: the constraint is only as
    # good as the agreement between the keys stored now and those computed later.
    for season_id, name, key, old in unique_names((r.id, r.expansion_name, r.season_number) for r in rows):
        bind.execute(
            sa.text("UPDATE patt.raid_seasons SET expansion_name = :n, expansion_key = :k WHERE id = :i"),
            {"n": name, "k": key, "i": season_id},
        )
        if old is not None:
            log.warning("patt.raid_seasons id %s: expansion name %r is now %r", season_id, old, name)
    op.alter_column("raid_seasons", "expansion_key", nullable=False, schema="patt")
    op.create_unique_constraint(
        op.f("uq_raid_seasons_expansion_key_season_number"),
        "raid_seasons",
        ["expansion_key", "season_number"],
        schema="patt",
    )


def downgrade() -> None:
    # Names that differ in their key differ as written, so the old constraint holds.
    op.drop_constraint(
        op.f("uq_raid_seasons_expansion_key_season_number"), "raid_seasons", type_="unique", schema="patt"
    )
    op.create_unique_constraint(
        op.f("uq_raid_seasons_expansion_name_season_number"),
        "raid_seasons",
        ["expansion_name", "season_number"],
        schema="patt",
    )
    op.drop_column("raid_seasons", "expansion_key", schema="patt")
