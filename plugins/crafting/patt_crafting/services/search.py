"""Recipe search: case-, accent- and typo-tolerant, best match first, without extensions.

PostgreSQL's ``pg_trgm`` and ``unaccent`` are not available everywhere this runs (the
embedded PostgreSQL of ``dev.py`` has neither), so the same idea is stored in plain tables:
each recipe's folded name (``recipes.search_name``) and its trigrams (``recipe_trigrams``,
primary key (trigram, recipe_id): one index range per query trigram). One statement

1. counts, per recipe, the query trigrams it shares (the last query word counts as a prefix:
   people search as they type);
2. keeps recipes sharing at least half of them (a typo costs two or three trigrams of a
   word, so "algari helaing potion" still finds "Algari Healing Potion");
3. scores ``0.6 × shared/query + 0.4 × shared/union`` (coverage of the query, and likeness of
   the whole name), plus a bonus when the folded name starts with or contains the folded query;
4. keeps recipes a current guild character knows, with that crafter count.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from patt_crafting.services.catalogue import wowhead_url
from patt_crafting.services.folding import MAX_QUERY, fold, trigrams

MIN_QUERY = 2
# Best-scored recipes whose crafters are counted; those nobody current knows drop out, so a
# margin over the page size (twice it, at least this many).
CANDIDATES = 100
MIN_SHARE = 0.5

_SEARCH = text(
    """
WITH hits AS (
    SELECT t.recipe_id, count(*) AS shared
    FROM guild_identity.recipe_trigrams t WHERE t.trigram = ANY(CAST(:grams AS varchar[]))
    GROUP BY t.recipe_id
    HAVING count(*) >= :min_shared
),
scored AS (
    SELECT r.id, r.name, r.profession_id, r.tier_id,
        -- float8, not numeric: numeric division is several times slower and this runs per hit.
        h.shared * 0.6::float8 / :total
        + h.shared * 0.4::float8 / GREATEST(:total + r.trigram_count - h.shared, 1)
        + CASE WHEN r.search_name LIKE :prefix THEN 0.5::float8
               WHEN r.search_name LIKE :inside THEN 0.3::float8 ELSE 0::float8 END AS score
    -- One primary-key lookup per hit: the planner cannot know how few recipes pass HAVING
    -- (often under a hundred) and would read all of recipes for a hash join (OFFSET 0 keeps
    -- the subquery from being flattened into that join).
    FROM hits h CROSS JOIN LATERAL (
        SELECT * FROM guild_identity.recipes r0 WHERE r0.id = h.recipe_id OFFSET 0
    ) r
    ORDER BY score DESC, r.name
    LIMIT :candidates
),
counted AS (
    -- One pass over the candidates' crafters (not one join of every character per candidate).
    SELECT cr.recipe_id, count(*) AS crafter_count
    FROM guild_identity.character_recipes cr
    JOIN guild_identity.wow_characters w ON w.id = cr.character_id AND w.removed_at IS NULL
    WHERE cr.recipe_id = ANY(ARRAY(SELECT id FROM scored))
    GROUP BY cr.recipe_id
)
SELECT s.id, s.name, p.name AS profession, t.expansion_name AS expansion, c.crafter_count, s.score
FROM scored s
JOIN counted c ON c.recipe_id = s.id
JOIN guild_identity.professions p ON p.id = s.profession_id
JOIN guild_identity.profession_tiers t ON t.id = s.tier_id
ORDER BY s.score DESC, s.name
LIMIT :limit
"""
)


def query_plan(query: str) -> tuple[str, list[str]] | None:
    """The folded query and its trigrams, or None when it is too short to search."""
    folded = fold(query[:MAX_QUERY])
    if len(folded.replace(" ", "")) < MIN_QUERY:
        return None
    return folded, trigrams(folded, prefix_last=True)


async def search_recipes(session: AsyncSession, query: str, *, limit: int = 50) -> list[dict[str, Any]]:
    plan = query_plan(query)
    if plan is None:
        return []
    folded, grams = plan
    rows = await session.execute(
        _SEARCH,
        {
            "grams": grams,
            "total": len(grams),
            "min_shared": max(1, math.ceil(len(grams) * MIN_SHARE)),
            "prefix": folded + "%",
            "inside": "%" + folded + "%",
            "candidates": max(CANDIDATES, 2 * limit),
            "limit": limit,
        },
    )
    return [
        {
            "id": row.id,
            "name": row.name,
            "profession": row.profession,
            "expansion": row.expansion,
            "crafter_count": row.crafter_count,
            "wowhead_url": wowhead_url(row.name),
        }
        for row in rows
    ]
