"""Reading Blizzard's character professions answer, and naming each tier's expansion.

``/profile/wow/character/{realm}/{name}/professions`` lists ``primaries`` and
``secondaries``; each profession has ``tiers`` (one per expansion: "Kul Tiran Alchemy",
"Khaz Algar Blacksmithing", plain "Alchemy" for the original game) with ``known_recipes``.

- A tier whose id is in :data:`TIER_IDS` (every profession's tiers, Classic to Midnight) gets
  its expansion from the id: the label and order do not depend on the answer's language
  (with ``locale=fr_FR`` the tier is "Alchimie de Kul Tiras") nor on the character's faction
  (Battle for Azeroth's tier 2478 is "Kul Tiran Alchemy" for the Alliance and "Zandalari
  Alchemy" for the Horde; both are labelled "Kul Tiran").
- Any other tier (an expansion newer than this code) is named from its tier name without the
  profession's ("The Last Titan Alchemy" -> "The Last Titan"); the bare profession name is
  the original game ("Classic"), and "Zandalari" reads as "Kul Tiran". The original kept a
  fixed name map and silently skipped expansions missing from it (reference §23.2).
- Newest first: known expansions get their release order; any other (a newer one) ranks
  above all of them, ordered by tier id. Tier ids alone misorder the past: the Battle for
  Azeroth patch numbered the older tiers backwards (Kul Tiran 2478 < Alchemy 2485).
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
KUL_TIRAN = "Kul Tiran"
# The expansions in release order, by the prefix of their English tier names.
EXPANSIONS: tuple[str, ...] = (
    CLASSIC,
    "Outland",
    "Northrend",
    "Cataclysm",
    "Pandaria",
    "Draenor",
    "Legion",
    KUL_TIRAN,
    "Shadowlands",
    "Dragon Isles",
    "Khaz Algar",
    "Midnight",
)
KNOWN_EXPANSIONS: dict[str, int] = {name: position for position, name in enumerate(EXPANSIONS)}
# Battle for Azeroth names its tiers by the character's faction (same tier id): one label for both.
ALIASES = {"Zandalari": KUL_TIRAN}
# Expansions whose tier names depend on the faction: a tier's other name is not a rename.
FACTION_SPLIT = frozenset({KUL_TIRAN})

# Blizzard's skill-tier ids by profession id, one per entry of EXPANSIONS (oldest first). Taken
# from AllTheThings' SKILL_ID_CONVERSION_TABLE (github.com/ATTWoWAddon/AllTheThings at 7119fbd,
# ".contrib/Parser/DATAS/00 - DB/Parser Setup Data/SKILL_ID_CONVERSION_TABLE.lua", every
# expansion) and checked against WeeklyKnowledge (github.com/DennisRas/WeeklyKnowledge,
# Data/SkillLineVariants.lua: Dragon Isles to Midnight, all but Cooking and Fishing) and the
# recorded answer (fixtures/blizzard/wow_character_professions.json: Alchemy, Engineering,
# Cooking, Fishing up to Kul Tiran). Add an id only from such a source; an id missing here
# is named by the name rule, so a new expansion works before it is listed.
TIER_IDS: dict[int, tuple[int, ...]] = {
    171: (2485, 2484, 2483, 2482, 2481, 2480, 2479, 2478, 2750, 2823, 2871, 2906),  # Alchemy
    164: (2477, 2476, 2475, 2474, 2473, 2472, 2454, 2437, 2751, 2822, 2872, 2907),  # Blacksmithing
    185: (2548, 2547, 2546, 2545, 2544, 2543, 2542, 2541, 2752, 2824, 2873, 2908),  # Cooking
    333: (2494, 2493, 2492, 2491, 2489, 2488, 2487, 2486, 2753, 2825, 2874, 2909),  # Enchanting
    202: (2506, 2505, 2504, 2503, 2502, 2501, 2500, 2499, 2755, 2827, 2875, 2910),  # Engineering
    356: (2592, 2591, 2590, 2589, 2588, 2587, 2586, 2585, 2754, 2826, 2876, 2911),  # Fishing
    182: (2556, 2555, 2554, 2553, 2552, 2551, 2550, 2549, 2760, 2832, 2877, 2912),  # Herbalism
    773: (2514, 2513, 2512, 2511, 2510, 2509, 2508, 2507, 2756, 2828, 2878, 2913),  # Inscription
    755: (2524, 2523, 2522, 2521, 2520, 2519, 2518, 2517, 2757, 2829, 2879, 2914),  # Jewelcrafting
    165: (2532, 2531, 2530, 2529, 2528, 2527, 2526, 2525, 2758, 2830, 2880, 2915),  # Leatherworking
    186: (2572, 2571, 2570, 2569, 2568, 2567, 2566, 2565, 2761, 2833, 2881, 2916),  # Mining
    393: (2564, 2563, 2562, 2561, 2560, 2559, 2558, 2557, 2762, 2834, 2882, 2917),  # Skinning
    197: (2540, 2539, 2538, 2537, 2536, 2535, 2534, 2533, 2759, 2831, 2883, 2918),  # Tailoring
}
# (profession id, tier id) -> position in EXPANSIONS. Keyed by both: a tier id is only known
# under the profession it belongs to.
KNOWN_TIERS: dict[tuple[int, int], int] = {
    (profession, tier): position
    for profession, tiers in TIER_IDS.items()
    for position, tier in enumerate(tiers)
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

    @property
    def faction_split(self) -> bool:
        """Its name depends on the character's faction ("Kul Tiran"/"Zandalari Alchemy")."""
        return self.expansion in FACTION_SPLIT


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
    """The expansion a tier belongs to by its name: the name without the profession's
    ("Classic" if nothing is left), a faction's name for its expansion read as the other's."""
    name = " ".join(tier_name.split())
    lowered, profession = name.lower(), profession_name.lower().strip()
    if profession and lowered.endswith(profession):
        name = name[: len(name) - len(profession)]
    elif profession and lowered.startswith(profession):
        name = name[len(profession) :]
    name = name.strip(" -:–")[:50] or CLASSIC
    return ALIASES.get(name, name)


def sort_order(expansion: str, tier_id: int) -> int:
    """Higher is newer: known expansions by release, unknown (newer) ones above, by tier id."""
    known = KNOWN_EXPANSIONS.get(expansion)
    if known is not None:
        return known * KNOWN_STEP
    return FUTURE + min(max(0, tier_id), ID_MAX - FUTURE)


def tier_expansion(profession_id: int, tier_id: int, tier_name: str, profession_name: str) -> tuple[str, int]:
    """A tier's expansion label and sort order: from its id when :data:`TIER_IDS` lists it
    (whatever the language and faction of its name), else from its name."""
    position = KNOWN_TIERS.get((profession_id, tier_id))
    if position is not None:
        return EXPANSIONS[position], position * KNOWN_STEP
    expansion = expansion_of(tier_name, profession_name)
    return expansion, sort_order(expansion, tier_id)


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
                tier = Tier(tier_id, tier_name, *tier_expansion(blizzard_id, tier_id, tier_name, name))
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
