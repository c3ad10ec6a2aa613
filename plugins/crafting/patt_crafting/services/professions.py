"""Reading Blizzard's character professions answer, and naming expansions from tier names.

``/profile/wow/character/{realm}/{name}/professions`` lists ``primaries`` and
``secondaries``; each profession has ``tiers`` (one per expansion: "Kul Tiran Alchemy",
"Khaz Algar Blacksmithing", plain "Alchemy" for the original game) with ``known_recipes``.

- The expansion is the tier name without the profession's name, for any expansion, also
  ones newer than this code ("The Last Titan Alchemy" -> "The Last Titan"); the bare
  profession name is the original game ("Classic"). The original kept a fixed map and
  silently skipped expansions missing from it (reference §23.2).
- Newest first: Blizzard's tier ids grow with each expansion since Shadowlands, but the
  Battle for Azeroth patch numbered the older tiers backwards (Kul Tiran 2478 < Alchemy
  2485), so tier ids alone misorder the past. Expansions this code knows get their release
  order; any other (a newer one) ranks above all of them, ordered by tier id.
- A profession with no recipe in any tier (Fishing, Archaeology, the gathering professions)
  is not a crafting profession and is left out.
- Parsing is lenient about optional fields, strict about shape: an answer that is not an
  object with a ``primaries`` or ``secondaries`` list is *malformed*, and the sync keeps
  the character's recipes rather than clearing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

CLASSIC = "Classic"
# Release order of the expansions whose tier prefixes exist today (public game data).
KNOWN_EXPANSIONS: dict[str, int] = {
    CLASSIC: 0,
    "Outland": 1,
    "Northrend": 2,
    "Cataclysm": 3,
    "Pandaria": 4,
    "Draenor": 5,
    "Legion": 6,
    "Kul Tiran": 7,
    "Zandalari": 7,
    "Shadowlands": 8,
    "Dragon Isles": 9,
    "Khaz Algar": 10,
}
# sort_order of a known expansion = its position * this; an unknown (newer) one = FUTURE + tier id.
KNOWN_STEP = 100
FUTURE = 1_000_000
# Blizzard ids are stored in 32-bit columns (and sort_order too): an id outside them is not an id,
# and one such recipe failed the whole run's batch instead of its own entry.
ID_MAX = 2**31 - 1


class KnownRecipe(NamedTuple):
    # A tuple, not a dataclass: an answer holds hundreds and a sync reads a thousand answers.
    blizzard_id: int
    name: str


@dataclass
class Tier:
    blizzard_id: int
    name: str
    expansion: str
    sort_order: int
    recipes: list[KnownRecipe] = field(default_factory=list)


@dataclass
class Profession:
    blizzard_id: int
    name: str
    is_primary: bool
    tiers: list[Tier] = field(default_factory=list)


def _id(value: Any) -> int | None:
    """A Blizzard id (1 to :data:`ID_MAX`), also from a digit string; anything else is None."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if type(value) is int and 0 < value <= ID_MAX:
        return value
    return None


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, dict):  # a localised name without ?locale: {"en_US": "..."}
        value = next((v for v in value.values() if isinstance(v, str) and v.strip()), None)
    if isinstance(value, str) and value.strip():
        text = " ".join(value.split())
        return text[:limit]
    return None


def expansion_of(tier_name: str, profession_name: str) -> str:
    """The expansion a tier belongs to: its name without the profession's ("Classic" if nothing is left)."""
    name = " ".join(tier_name.split())
    lowered, profession = name.lower(), profession_name.lower().strip()
    if profession and lowered.endswith(profession):
        name = name[: len(name) - len(profession)]
    elif profession and lowered.startswith(profession):
        name = name[len(profession) :]
    name = name.strip(" -:–")
    return name[:50] or CLASSIC


def sort_order(expansion: str, tier_id: int) -> int:
    """Higher is newer: known expansions by release, unknown (newer) ones above, by tier id."""
    known = KNOWN_EXPANSIONS.get(expansion)
    if known is not None:
        return known * KNOWN_STEP
    return FUTURE + min(max(0, tier_id), ID_MAX - FUTURE)


def parse_professions(body: Any) -> list[Profession] | None:
    """The crafting professions of one answer, or None when the answer is malformed."""
    if not isinstance(body, dict):
        return None
    lists = [(body.get("primaries"), True), (body.get("secondaries"), False)]
    if not any(isinstance(entries, list) for entries, _ in lists):
        return None
    out: list[Profession] = []
    seen: set[int] = set()
    for entries, primary in lists:
        if entries is None:
            continue
        if not isinstance(entries, list):
            return None
        for entry in entries:
            if not isinstance(entry, dict):
                return None
            ref = entry.get("profession") if isinstance(entry.get("profession"), dict) else {}
            blizzard_id, name = _id(ref.get("id")), _text(ref.get("name"), 50)
            if blizzard_id is None or name is None or blizzard_id in seen:
                continue
            profession = Profession(blizzard_id, name, primary)
            for tier_entry in entry.get("tiers") or []:
                tier_ref = tier_entry.get("tier") if isinstance(tier_entry, dict) else None
                if not isinstance(tier_ref, dict):
                    continue
                tier_id, tier_name = _id(tier_ref.get("id")), _text(tier_ref.get("name"), 100)
                if tier_id is None or tier_name is None:
                    continue
                expansion = expansion_of(tier_name, name)
                tier = Tier(tier_id, tier_name, expansion, sort_order(expansion, tier_id))
                known: set[int] = set()
                for recipe in tier_entry.get("known_recipes") or []:
                    if not isinstance(recipe, dict):
                        continue
                    recipe_id, recipe_name = recipe.get("id"), recipe.get("name")
                    # The common case (an id in range, a clean name) without the general checks.
                    if type(recipe_id) is not int or not 0 < recipe_id <= ID_MAX:
                        recipe_id = _id(recipe_id)
                    if type(recipe_name) is str:
                        recipe_name = " ".join(recipe_name.split())[:200] or None  # as _text does
                    else:
                        recipe_name = _text(recipe_name, 200)
                    if recipe_id is not None and recipe_name is not None and recipe_id not in known:
                        known.add(recipe_id)
                        tier.recipes.append(KnownRecipe(recipe_id, recipe_name))
                if tier.recipes:
                    profession.tiers.append(tier)
            if profession.tiers:  # gathering and secondary skills without recipes are skipped
                seen.add(blizzard_id)
                out.append(profession)
    return out
