"""character_recipes keyed by (character, recipe) without a surrogate id; no foreign key from the
recipe link and search tables to recipes; no first-letter trigrams in the search index

A first profession sync writes about 450 known recipes per character and 20 search rows per
new recipe (half a million rows for 1,000 characters). PostgreSQL checks a foreign key row by
row, locking the referenced recipe each time; those checks doubled the cost of the largest
write of the sync, and the surrogate id added a sequence and a third index nobody reads.
Recipes are never deleted (the catalogue only grows, by Blizzard id) and the sync commits a
recipe before any row names it, so the link to ``recipes`` is kept by the code that writes
it; the link to ``wow_characters`` keeps its foreign key (deleting a character deletes its
recipes).

The search index loses each word's first-letter trigram ("  s"): the most frequent rows of the
index and nearly half of what a three-word search counted (``services/folding.py``).

Revision ID: crafting_0002
Revises: crafting_0001
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "crafting_0002"
down_revision: str | Sequence[str] | None = "crafting_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GI = "guild_identity"


def upgrade() -> None:
    op.drop_constraint(
        "fk_character_recipes_recipe_id_recipes", "character_recipes", schema=GI, type_="foreignkey"
    )
    op.drop_constraint(
        "fk_recipe_trigrams_recipe_id_recipes", "recipe_trigrams", schema=GI, type_="foreignkey"
    )
    op.drop_constraint("pk_character_recipes", "character_recipes", schema=GI, type_="primary")
    op.drop_constraint(
        "uq_character_recipes_character_id_recipe_id", "character_recipes", schema=GI, type_="unique"
    )
    op.drop_column("character_recipes", "id", schema=GI)
    op.create_primary_key(
        "pk_character_recipes", "character_recipes", ["character_id", "recipe_id"], schema=GI
    )
    op.execute(f"DELETE FROM {GI}.recipe_trigrams WHERE trigram LIKE '  %'")
    op.execute(
        f"UPDATE {GI}.recipes r SET trigram_count = "
        f"(SELECT count(*) FROM {GI}.recipe_trigrams t WHERE t.recipe_id = r.id)"
    )


def downgrade() -> None:
    op.execute(
        f"INSERT INTO {GI}.recipe_trigrams (trigram, recipe_id) "
        f"SELECT DISTINCT '  ' || left(w, 1), r.id FROM {GI}.recipes r, "
        f"regexp_split_to_table(r.search_name, ' ') AS w WHERE w <> '' ON CONFLICT DO NOTHING"
    )
    op.execute(
        f"UPDATE {GI}.recipes r SET trigram_count = "
        f"(SELECT count(*) FROM {GI}.recipe_trigrams t WHERE t.recipe_id = r.id)"
    )
    # Rows whose recipe is gone could not satisfy the foreign key again.
    op.execute(
        f"DELETE FROM {GI}.character_recipes c WHERE NOT EXISTS (SELECT 1 FROM {GI}.recipes r WHERE r.id = c.recipe_id)"
    )
    op.execute(
        f"DELETE FROM {GI}.recipe_trigrams t WHERE NOT EXISTS (SELECT 1 FROM {GI}.recipes r WHERE r.id = t.recipe_id)"
    )
    op.drop_constraint("pk_character_recipes", "character_recipes", schema=GI, type_="primary")
    op.add_column("character_recipes", sa.Column("id", sa.Integer(), autoincrement=True), schema=GI)
    op.execute(f"CREATE SEQUENCE {GI}.character_recipes_id_seq OWNED BY {GI}.character_recipes.id")
    op.execute(
        f"ALTER TABLE {GI}.character_recipes ALTER COLUMN id SET DEFAULT nextval('{GI}.character_recipes_id_seq')"
    )
    op.execute(f"UPDATE {GI}.character_recipes SET id = nextval('{GI}.character_recipes_id_seq')")
    op.alter_column("character_recipes", "id", nullable=False, schema=GI)
    op.create_primary_key("pk_character_recipes", "character_recipes", ["id"], schema=GI)
    op.create_unique_constraint(
        "uq_character_recipes_character_id_recipe_id",
        "character_recipes",
        ["character_id", "recipe_id"],
        schema=GI,
    )
    op.create_foreign_key(
        "fk_character_recipes_recipe_id_recipes",
        "character_recipes",
        "recipes",
        ["recipe_id"],
        ["id"],
        source_schema=GI,
        referent_schema=GI,
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        "fk_recipe_trigrams_recipe_id_recipes",
        "recipe_trigrams",
        "recipes",
        ["recipe_id"],
        ["id"],
        source_schema=GI,
        referent_schema=GI,
        ondelete="CASCADE",
    )
