"""Tables of the crafting plugin (lineage ``crafting``).

``professions``, ``profession_tiers``, ``recipes``, ``character_recipes`` and
``crafting_sync_config`` keep the seed's names in ``guild_identity``. Changes to the seed:

- ``recipes.blizzard_recipe_id`` (the seed said ``blizzard_spell_id``): the professions
  endpoint lists *recipe* ids, which are not spell ids, so the seed's generated
  ``wowhead.com/spell=`` link pointed at the wrong thing; links are Wowhead searches by name;
- ``recipes.search_name`` / ``trigram_count`` and ``recipe_trigrams``: the accent-, case- and
  typo-tolerant search without PostgreSQL extensions (the embedded PostgreSQL has neither
  ``pg_trgm`` nor ``unaccent``), see ``services/search.py``;
- the season columns of ``crafting_sync_config`` are gone (seasons are ``patt.raid_seasons``),
  ``crafters_corner_channel_id`` and ``cadence_override_until`` are written by officers.

Additions: ``crafting_character_state`` (Last-Modified per character for conditional
requests), ``crafting_sync_runs`` (history) and ``crafting_orders`` (guild orders).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base

SCHEMA = {"schema": "guild_identity"}

# crafting_sync_runs.status
RUNNING, SUCCESS, PARTIAL, FAILED, SKIPPED = "running", "success", "partial", "failed", "skipped"
# crafting_orders.status
OPEN, CLAIMED, DONE, CANCELLED = "open", "claimed", "done", "cancelled"
ORDER_STATUSES = (OPEN, CLAIMED, DONE, CANCELLED)


class Profession(Base):
    __tablename__ = "professions"
    __table_args__ = SCHEMA

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    blizzard_id: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProfessionTier(Base):
    """An expansion's tier of a profession ("Khaz Algar Blacksmithing")."""

    __tablename__ = "profession_tiers"
    __table_args__ = (UniqueConstraint("profession_id", "blizzard_tier_id"), SCHEMA)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profession_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.professions.id", ondelete="CASCADE"), index=True
    )
    blizzard_tier_id: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    expansion_name: Mapped[str | None] = mapped_column(String(50))
    # Higher = newer expansion (services/professions.py); relabelled by each sync.
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Recipe(Base):
    __tablename__ = "recipes"
    __table_args__ = (Index("ix_recipes_tier_name", "tier_id", "name"), SCHEMA)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    blizzard_recipe_id: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    profession_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.professions.id", ondelete="CASCADE"), index=True
    )
    tier_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.profession_tiers.id", ondelete="CASCADE"))
    # The name folded for search (lower case, accents and punctuation gone).
    search_name: Mapped[str] = mapped_column(String(200), server_default="")
    trigram_count: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RecipeTrigram(Base):
    """The search index: one row per distinct trigram of a recipe's folded name."""

    __tablename__ = "recipe_trigrams"
    __table_args__ = SCHEMA

    trigram: Mapped[str] = mapped_column(String(12), primary_key=True)
    # No foreign key to recipes, as in character_recipes (migration crafting_0002 says why).
    recipe_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class CharacterRecipe(Base):
    """A current character knows a recipe. Keyed by the pair, with no foreign key to recipes:
    a first sync writes half a million of these, and row-by-row foreign key checks doubled
    that write. Recipes are never deleted and the sync commits a recipe before naming it
    (migration crafting_0002)."""

    __tablename__ = "character_recipes"
    __table_args__ = (Index("ix_character_recipes_recipe_character", "recipe_id", "character_id"), SCHEMA)

    character_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="CASCADE"), primary_key=True
    )
    recipe_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CraftingSyncConfig(Base):
    """The single row (id 1) of crafting settings officers change and the last sync's numbers."""

    __tablename__ = "crafting_sync_config"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"), SCHEMA)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    current_cadence: Mapped[str] = mapped_column(String(10), server_default="weekly")
    cadence_override_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync_duration_seconds: Mapped[float | None] = mapped_column(Float)
    last_sync_characters_processed: Mapped[int | None] = mapped_column(Integer)
    last_sync_recipes_found: Mapped[int | None] = mapped_column(Integer)
    crafters_corner_channel_id: Mapped[str | None] = mapped_column(String(25))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CharacterCraftingState(Base):
    """Per character: the professions answer's Last-Modified (for 304s) and the last outcome."""

    __tablename__ = "crafting_character_state"
    __table_args__ = SCHEMA

    character_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="CASCADE"), primary_key=True
    )
    last_modified: Mapped[str | None] = mapped_column(String(64))
    # "realm/name" the Last-Modified belongs to: a renamed character's old stamp is not sent.
    fetched_as: Mapped[str | None] = mapped_column(String(110))
    status: Mapped[str] = mapped_column(
        String(20)
    )  # updated | not_modified | unavailable | error | malformed
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class CraftingSyncRun(Base):
    """One profession sync: trigger, counts, progress, outcome."""

    __tablename__ = "crafting_sync_runs"
    __table_args__ = (Index("ix_crafting_sync_runs_started", "started_at"), SCHEMA)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str | None] = mapped_column(String(20))
    triggered_by: Mapped[str | None] = mapped_column(String(100))
    cadence: Mapped[str | None] = mapped_column(String(10))
    forced: Mapped[bool] = mapped_column(Boolean, server_default="false")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    characters: Mapped[int | None] = mapped_column(Integer)
    updated: Mapped[int | None] = mapped_column(Integer)
    not_modified: Mapped[int | None] = mapped_column(Integer)
    unavailable: Mapped[int | None] = mapped_column(Integer)
    failures: Mapped[int | None] = mapped_column(Integer)
    recipes_added: Mapped[int | None] = mapped_column(Integer)
    recipes_removed: Mapped[int | None] = mapped_column(Integer)
    requests: Mapped[int | None] = mapped_column(Integer)
    progress_done: Mapped[int | None] = mapped_column(Integer)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class CraftingOrder(Base):
    """A guild order: a member asks the guild's crafters for a recipe."""

    __tablename__ = "crafting_orders"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'claimed', 'done', 'cancelled')", name="status"),
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity"),
        Index("ix_crafting_orders_requester_recipe", "requester_player_id", "recipe_id", "created_at"),
        SCHEMA,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.recipes.id", ondelete="CASCADE"))
    requester_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    quantity: Mapped[int] = mapped_column(Integer, server_default="1")
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), server_default=OPEN)
    claimed_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    channel_id: Mapped[str | None] = mapped_column(String(25))
    discord_message_id: Mapped[str | None] = mapped_column(String(25))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(10), server_default="web")  # web | discord
