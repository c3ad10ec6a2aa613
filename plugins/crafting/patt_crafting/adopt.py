"""Adopting the original's professions, tiers, recipes, who knows them, and the sync settings.

The documented schema called the recipe id ``blizzard_spell_id``; the original's migrations
renamed it ``blizzard_recipe_id`` (it is Blizzard's recipe id either way). Each recipe gets
its folded search name and trigrams here, as the profession sync would give it.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sv_common.adopt import AdoptStep, Original, StepReport, carry, missing

GI = "guild_identity"


async def recipes(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    from patt_crafting.services.folding import fold, trigrams

    await carry(
        conn,
        report,
        f"{GI}.professions",
        f"""
        SELECT o.id, o.blizzard_id, o.name, COALESCE(o.is_primary, true) AS is_primary,
               COALESCE(o.created_at, now()) AS created_at, o.id || ' ' || o.name AS _key, NULL::text AS _reason
        FROM {o.table(f"{GI}.professions")} o
        """,
    )
    await carry(
        conn,
        report,
        f"{GI}.profession_tiers",
        f"""
        SELECT o.id, o.profession_id, o.blizzard_tier_id, o.name, o.expansion_name,
               COALESCE(o.sort_order, 0) AS sort_order, COALESCE(o.created_at, now()) AS created_at,
               o.id || ' ' || o.name AS _key,
               CASE WHEN {missing(f"{GI}.professions", "o.profession_id")} THEN 'its profession was not carried' END
                 AS _reason
        FROM {o.table(f"{GI}.profession_tiers")} o
        """,
    )
    r = f"{GI}.recipes"
    recipe_id = o.col(r, "blizzard_recipe_id", o.col(r, "blizzard_spell_id"))
    if o.has(r, "blizzard_spell_id"):
        report.convert("recipes.blizzard_spell_id -> blizzard_recipe_id")
    report.convert(
        "recipes.wowhead_url (a generated column) stays in the archive; the platform makes its own links"
    )
    await carry(
        conn,
        report,
        r,
        f"""
        SELECT o.id, {recipe_id} AS blizzard_recipe_id, o.name, o.profession_id, o.tier_id,
               COALESCE(o.created_at, now()) AS created_at, o.id || ' ' || o.name AS _key,
               CASE WHEN {missing(f"{GI}.profession_tiers", "o.tier_id")} THEN 'its tier was not carried'
                    WHEN {missing(f"{GI}.professions", "o.profession_id")} THEN 'its profession was not carried' END
                 AS _reason
        FROM {o.table(r)} o
        """,
    )
    rows = (await conn.execute(text(f"SELECT id, name FROM {r}"))).all()
    names = [{"i": i, "s": fold(name)[:200]} for i, name in rows]
    grams = [{"t": g, "i": row["i"]} for row in names for g in trigrams(row["s"])]
    counts = {row["i"]: 0 for row in names}
    for gram in grams:
        counts[gram["i"]] += 1
    if names:
        await conn.execute(
            text(f"UPDATE {r} SET search_name = :s, trigram_count = :n WHERE id = :i"),
            [{**row, "n": counts[row["i"]]} for row in names],
        )
    if grams:
        await conn.execute(
            text(f"INSERT INTO {GI}.recipe_trigrams (trigram, recipe_id) VALUES (:t, :i)"), grams
        )
    report.add("recipes.search_name and recipe_trigrams: the search index, built from each name")

    await carry(
        conn,
        report,
        f"{GI}.character_recipes",
        f"""
        SELECT o.character_id, o.recipe_id, COALESCE(o.first_seen, now()) AS first_seen,
               'character ' || o.character_id || ' recipe ' || o.recipe_id AS _key,
               CASE WHEN {missing(f"{GI}.wow_characters", "o.character_id")} THEN 'its character was not carried'
                    WHEN {missing(r, "o.recipe_id")} THEN 'its recipe was not carried' END AS _reason
        FROM {o.table(f"{GI}.character_recipes")} o
        """,
        sequence=None,  # keyed by the pair: no id
    )


async def config(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    t = f"{GI}.crafting_sync_config"
    if not o.has(t):
        return
    await conn.execute(text(f"DELETE FROM {t}"))
    await carry(
        conn,
        report,
        t,
        f"""
        SELECT 1 AS id,
               CASE WHEN o.current_cadence IN ('daily', 'weekly') THEN o.current_cadence ELSE 'weekly' END
                 AS current_cadence,
               o.cadence_override_until, o.last_sync_at, o.next_sync_at, o.last_sync_duration_seconds,
               o.last_sync_characters_processed, o.last_sync_recipes_found,
               {o.col(t, "crafters_corner_channel_id")} AS crafters_corner_channel_id,
               COALESCE(o.created_at, now()) AS created_at, COALESCE(o.updated_at, now()) AS updated_at,
               o.id AS _key, NULL::text AS _reason
        FROM (SELECT * FROM {o.table(t)} ORDER BY id LIMIT 1) o
        """,
    )


def steps() -> list[AdoptStep]:
    return [
        AdoptStep(
            "crafting.recipes",
            (f"{GI}.professions", f"{GI}.profession_tiers", f"{GI}.recipes", f"{GI}.character_recipes"),
            recipes,
        ),
        AdoptStep("crafting.config", (f"{GI}.crafting_sync_config",), config),
    ]
