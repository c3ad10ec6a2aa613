"""Recruiting: mains per role against the officers' targets, and the Wowhead comp link.

Targets are site settings (``target_tank``, ``target_healer``, ``target_melee``,
``target_ranged``) declared by the site package and edited on ``/admin/settings``; a site
that declares none gets counts without targets.
"""

from __future__ import annotations

from typing import Any

ROLES = (("tank", "Tanks"), ("healer", "Healers"), ("melee", "Melee DPS"), ("ranged", "Ranged DPS"))

# Wowhead's raid-comp tool names each spec with two characters (class letter + spec number).
WOWHEAD_SPEC_CODES = {
    ("Death Knight", "Blood"): "K1",
    ("Death Knight", "Frost"): "K2",
    ("Death Knight", "Unholy"): "K3",
    ("Demon Hunter", "Havoc"): "Y1",
    ("Demon Hunter", "Vengeance"): "Y2",
    ("Demon Hunter", "Devourer"): "0Y",
    ("Druid", "Balance"): "D1",
    ("Druid", "Feral"): "D2",
    ("Druid", "Guardian"): "D3",
    ("Druid", "Restoration"): "D4",
    ("Evoker", "Devastation"): "V1",
    ("Evoker", "Preservation"): "V2",
    ("Evoker", "Augmentation"): "V3",
    ("Hunter", "Beast Mastery"): "H1",
    ("Hunter", "Marksmanship"): "H2",
    ("Hunter", "Survival"): "H3",
    ("Mage", "Arcane"): "M1",
    ("Mage", "Fire"): "M2",
    ("Mage", "Frost"): "M3",
    ("Monk", "Brewmaster"): "O1",
    ("Monk", "Mistweaver"): "O2",
    ("Monk", "Windwalker"): "O3",
    ("Paladin", "Holy"): "P1",
    ("Paladin", "Protection"): "P2",
    ("Paladin", "Retribution"): "P3",
    ("Priest", "Discipline"): "R1",
    ("Priest", "Holy"): "R2",
    ("Priest", "Shadow"): "R3",
    ("Rogue", "Assassination"): "U1",
    ("Rogue", "Outlaw"): "U2",
    ("Rogue", "Subtlety"): "U3",
    ("Shaman", "Elemental"): "S1",
    ("Shaman", "Enhancement"): "S2",
    ("Shaman", "Restoration"): "S3",
    ("Warlock", "Affliction"): "W1",
    ("Warlock", "Demonology"): "W2",
    ("Warlock", "Destruction"): "W3",
    ("Warrior", "Arms"): "A1",
    ("Warrior", "Fury"): "A2",
    ("Warrior", "Protection"): "A3",
}
WOWHEAD_COMP = "https://www.wowhead.com/raid-comp#"


def role_targets(settings: dict[str, Any]) -> dict[str, int] | None:
    """The officers' per-role targets, or None when the site declares none."""
    targets = {}
    for slug, _label in ROLES:
        value = settings.get(f"target_{slug}")
        if value not in (None, ""):
            targets[slug] = int(value)
    return targets or None


def role_cards(
    counts: dict[str, int],
    targets: dict[str, int] | None,
    specs: dict[str, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """One card per role: count, target, how many are needed and ``ok`` / ``warn`` / ``short``,
    and (given ``specs``, see :func:`role_specs`) the role's mains by class and spec.

    DPS is balanced as a whole: when one DPS role is over its target, the other's target
    shrinks by the surplus (never below 0), so eight melee and six ranged is a full team.
    """
    wanted = dict(targets or {})
    melee, ranged = counts.get("melee", 0), counts.get("ranged", 0)
    if "melee" in wanted and "ranged" in wanted:
        dps = wanted["melee"] + wanted["ranged"]
        if melee > wanted["melee"]:
            wanted["ranged"] = max(0, dps - melee)
        elif ranged > wanted["ranged"]:
            wanted["melee"] = max(0, dps - ranged)
    cards = []
    for slug, label in ROLES:
        count, target = counts.get(slug, 0), wanted.get(slug)
        if target is None:
            status = "none"
        elif count >= target:
            status = "ok"
        elif count == target - 1:
            status = "warn"
        else:
            status = "short"
        needed = max(0, target - count) if target is not None else 0
        cards.append(
            {
                "role": slug,
                "label": label,
                "count": count,
                "target": target,
                "needed": needed,
                "status": status,
                "specs": (specs or {}).get(slug, []),
            }
        )
    return cards


def role_counts(roster: dict[str, Any]) -> dict[str, int]:
    return {role["role"]: role["count"] for role in roster["composition"]["roles"] if role["role"]}


def role_specs(roster: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each role's mains by class and spec, as the roster's composition counted them."""
    return {role["role"]: role["specs"] for role in roster["composition"]["roles"] if role["role"]}


def wowhead_comp_url(roster: dict[str, Any]) -> str | None:
    """The mains' specs as a Wowhead raid-comp link (specs Wowhead has no code for are left out)."""
    codes = [
        WOWHEAD_SPEC_CODES.get((player["main"]["class_name"], player["main"]["spec_name"]))
        for player in roster["players"]
    ]
    codes = [code for code in codes if code]
    return WOWHEAD_COMP + "".join(codes) if codes else None


def officers(roster: dict[str, Any], officer_level: int) -> list[dict[str, Any]]:
    """Players at officer rank or above with their main, highest rank first."""
    found = [p for p in roster["players"] if p["rank_level"] >= officer_level]
    return sorted(found, key=lambda p: (-p["rank_level"], p["display_name"].lower()))
