"""Reading the professions answer: the real recorded one, its Horde and localised variants,
future expansions, gathering, malformed."""

from __future__ import annotations

import copy

import pytest

from patt_crafting.services.professions import (
    CLASSIC,
    EXPANSIONS,
    ID_MAX,
    KNOWN_EXPANSIONS,
    TIER_IDS,
    expansion_of,
    parse_professions,
    sort_order,
    tier_expansion,
)
from sv_common.testing.fake_battlenet import professions_body, recorded

RECORDED = recorded("wow_character_professions")["exchanges"][0]["body"]


def test_the_recorded_answer_gives_crafting_professions_only():
    parsed = parse_professions(RECORDED)
    names = [p.name for p in parsed]
    # Fishing has tiers without recipes and Archaeology none at all: not crafting professions.
    assert names == ["Alchemy", "Engineering", "Cooking"]
    alchemy = parsed[0]
    assert alchemy.is_primary and not parsed[2].is_primary
    assert {t.name: t.expansion for t in alchemy.tiers} == {
        "Kul Tiran Alchemy": "Kul Tiran",
        "Alchemy": CLASSIC,
    }
    assert len(alchemy.tiers[0].recipes) == 64
    assert alchemy.tiers[0].recipes[0].name == "Steelskin Potion"
    engineering = parsed[1]
    assert [t.expansion for t in engineering.tiers][:3] == ["Kul Tiran", "Legion", "Draenor"]


def test_newest_expansion_first_even_where_tier_ids_run_backwards():
    # Battle for Azeroth gave the older tiers *higher* ids (Alchemy 2485 > Kul Tiran 2478).
    parsed = parse_professions(RECORDED)
    tiers = sorted(parsed[1].tiers, key=lambda t: -t.sort_order)
    assert [t.expansion for t in tiers] == [
        "Kul Tiran",
        "Legion",
        "Draenor",
        "Pandaria",
        "Cataclysm",
        "Northrend",
        "Outland",
        CLASSIC,
    ]


@pytest.mark.parametrize(
    ("tier", "profession", "expansion"),
    [
        ("The Last Titan Alchemy", "Alchemy", "The Last Titan"),
        ("Midnight Blacksmithing", "Blacksmithing", "Midnight"),
        ("Khaz Algar Blacksmithing", "Blacksmithing", "Khaz Algar"),
        ("Cooking", "Cooking", CLASSIC),
        ("Alchemy - Void Era", "Alchemy", "Void Era"),
        ("Zandalari Alchemy", "Alchemy", "Kul Tiran"),
        ("Kul Tiran Alchemy", "Alchemy", "Kul Tiran"),
    ],
)
def test_expansion_from_any_tier_name(tier, profession, expansion):
    assert expansion_of(tier, profession) == expansion


def test_unknown_future_expansions_rank_above_every_known_one_by_tier_id():
    newest_known = max(sort_order(name, 2871) for name in KNOWN_EXPANSIONS)
    titan, void = sort_order("The Last Titan", 3100), sort_order("Void Era", 3200)
    assert newest_known < titan < void
    body = professions_body(
        [
            (
                171,
                "Alchemy",
                [
                    (2871, "Khaz Algar Alchemy", [(1, "Algari Healing Potion")]),
                    (2906, "Midnight Alchemy", [(3, "Silvermoon Health Potion")]),
                    (3100, "The Last Titan Alchemy", [(2, "Titan Tonic")]),
                ],
            )
        ]
    )
    tiers = sorted(parse_professions(body)[0].tiers, key=lambda t: -t.sort_order)
    assert [t.expansion for t in tiers] == ["The Last Titan", "Midnight", "Khaz Algar"]


def test_a_tier_named_for_an_expansion_but_with_an_unknown_id_is_named_by_its_name():
    # 2500 is Legion *Engineering*: under Alchemy it is not a tier this code knows.
    body = professions_body(
        [
            (
                171,
                "Alchemy",
                [
                    (2871, "Khaz Algar Alchemy", [(1, "Algari Healing Potion")]),
                    (2500, "Midnight Alchemy", [(2, "Void Draught")]),
                    (2999, "Zandalari Alchemy", [(3, "Troll Tonic")]),
                ],
            )
        ]
    )
    tiers = {t.blizzard_id: t for t in parse_professions(body)[0].tiers}
    assert (tiers[2500].expansion, tiers[2500].sort_order) == ("Midnight", KNOWN_EXPANSIONS["Midnight"] * 100)
    assert tiers[2500].sort_order > tiers[2871].sort_order  # its own expansion, the newest
    assert (tiers[2999].expansion, tiers[2999].sort_order) == (
        "Kul Tiran",
        KNOWN_EXPANSIONS["Kul Tiran"] * 100,
    )


def _renamed(body, tiers: dict[str, str], professions: dict[str, str]):
    """The recorded answer with its tier and profession names replaced (ids unchanged)."""
    body = copy.deepcopy(body)
    for key in ("primaries", "secondaries"):
        for entry in body[key]:
            ref = entry["profession"]
            ref["name"] = professions.get(ref["name"], ref["name"])
            for tier in entry.get("tiers", []):
                name = tier["tier"]["name"]
                tier["tier"]["name"] = tiers.get(name, name)
    return body


def _labels(parsed):
    return {t.blizzard_id: (t.expansion, t.sort_order) for p in parsed for t in p.tiers}


def test_a_horde_character_gets_the_same_labels_as_an_alliance_one():
    # Same tier ids; Battle for Azeroth's tiers carry the Horde's name.
    horde = _renamed(
        RECORDED,
        {
            n: n.replace("Kul Tiran", "Zandalari")
            for n in ("Kul Tiran Alchemy", "Kul Tiran Engineering", "Kul Tiran Cooking")
        },
        {},
    )
    alliance, parsed = parse_professions(RECORDED), parse_professions(horde)
    assert [t.name for t in parsed[0].tiers][0] == "Zandalari Alchemy"
    assert _labels(parsed) == _labels(alliance)
    assert _labels(parsed)[2478] == ("Kul Tiran", 700)
    assert parsed[0].tiers[0].faction_split and not parsed[0].tiers[1].faction_split


# Tier names in the style of a localised answer (``locale=fr_FR`` / ``de_DE``): the profession's
# name and the expansion's are both translated and in another order.
FRENCH = {
    "tiers": {
        "Kul Tiran Alchemy": "Alchimie de Kul Tiras",
        "Alchemy": "Alchimie",
        "Kul Tiran Engineering": "Ingénierie de Kul Tiras",
        "Legion Engineering": "Ingénierie de Légion",
        "Draenor Engineering": "Ingénierie de Draenor",
        "Pandaria Engineering": "Ingénierie de Pandarie",
        "Cataclysm Engineering": "Ingénierie de Cataclysm",
        "Northrend Engineering": "Ingénierie du Norfendre",
        "Outland Engineering": "Ingénierie de l'Outreterre",
        "Engineering": "Ingénierie",
        "Kul Tiran Cooking": "Cuisine de Kul Tiras",
        "Legion Cooking": "Cuisine de Légion",
        "Draenor Cooking": "Cuisine de Draenor",
        "Pandaria Cooking": "Cuisine de Pandarie",
        "Cataclysm Cooking": "Cuisine de Cataclysm",
        "Northrend Cooking": "Cuisine du Norfendre",
        "Outland Cooking": "Cuisine de l'Outreterre",
        "Cooking": "Cuisine",
    },
    "professions": {"Alchemy": "Alchimie", "Engineering": "Ingénierie", "Cooking": "Cuisine"},
}
GERMAN = {
    "tiers": {
        "Kul Tiran Alchemy": "Kul Tiras-Alchemie",
        "Alchemy": "Alchemie",
        "Kul Tiran Engineering": "Kul Tiras-Ingenieurskunst",
        "Legion Engineering": "Legion-Ingenieurskunst",
        "Northrend Engineering": "Nordend-Ingenieurskunst",
        "Outland Engineering": "Scherbenwelt-Ingenieurskunst",
        "Kul Tiran Cooking": "Kul Tiras-Kochkunst",
        "Northrend Cooking": "Nordend-Kochkunst",
    },
    "professions": {"Alchemy": "Alchemie", "Engineering": "Ingenieurskunst", "Cooking": "Kochkunst"},
}


@pytest.mark.parametrize("locale", [FRENCH, GERMAN], ids=["fr_FR", "de_DE"])
def test_localised_tier_names_give_the_english_labels_and_order(locale):
    localised = parse_professions(_renamed(RECORDED, locale["tiers"], locale["professions"]))
    assert [p.name for p in localised] == [
        locale["professions"][n] for n in ("Alchemy", "Engineering", "Cooking")
    ]
    assert _labels(localised) == _labels(parse_professions(RECORDED))
    engineering = sorted(localised[1].tiers, key=lambda t: -t.sort_order)
    assert "Kul Tiras" in engineering[0].name  # the name stays as Blizzard sent it
    assert [t.expansion for t in engineering][:2] == ["Kul Tiran", "Legion"]
    assert engineering[-1].expansion == CLASSIC


def test_a_localised_tier_this_code_does_not_know_is_still_the_newest():
    # A future expansion's tier in French: named by the name rule, ranked above every known one.
    body = professions_body(
        [
            (
                171,
                "Alchimie",
                [
                    (2871, "Alchimie de Khaz Algar", [(1, "Potion de soins algarie")]),
                    (3100, "Alchimie du Dernier Titan", [(2, "Tonique titanesque")]),
                ],
            )
        ]
    )
    tiers = {t.blizzard_id: t for t in parse_professions(body)[0].tiers}
    assert tiers[2871].expansion == "Khaz Algar"
    assert tiers[3100].expansion == "du Dernier Titan"  # today's rule for names it cannot read
    assert tiers[3100].sort_order > max(KNOWN_EXPANSIONS.values()) * 100


def test_the_tier_table_matches_the_recorded_answer_and_names_each_expansion_once():
    for profession_id, ids in TIER_IDS.items():
        assert len(ids) == len(EXPANSIONS), profession_id
    every = [tier for ids in TIER_IDS.values() for tier in ids]
    assert len(every) == len(set(every))
    # Every tier Blizzard sent in the recorded (English) answer: the table's label is its name's.
    checked = 0
    for key in ("primaries", "secondaries"):
        for entry in RECORDED[key]:
            profession = entry["profession"]
            for tier in entry.get("tiers", []):
                expansion, _ = tier_expansion(profession["id"], tier["tier"]["id"], "?", "?")
                assert expansion == expansion_of(tier["tier"]["name"], profession["name"])
                checked += 1
    assert checked == 26


@pytest.mark.parametrize(
    "body",
    [None, [], "text", {"_links": {}}, {"primaries": "x"}, {"primaries": [1, 2]}, {"secondaries": {"a": 1}}],
)
def test_malformed_answers_are_told_apart(body):
    assert parse_professions(body) is None


def test_entries_without_ids_or_names_are_skipped_not_fatal():
    body = copy.deepcopy(RECORDED)
    body["primaries"][0]["tiers"][0]["known_recipes"][0].pop("id")
    body["primaries"][0]["tiers"][0]["known_recipes"][1]["name"] = ""
    parsed = parse_professions(body)
    assert len(parsed[0].tiers[0].recipes) == 62


def test_no_professions_is_an_empty_list_not_malformed():
    assert parse_professions({"primaries": [], "secondaries": []}) == []


def test_ids_beyond_the_columns_skip_their_entry():
    # Stored as they came, one such id failed the whole batch's statement (32-bit columns).
    body = copy.deepcopy(RECORDED)
    alchemy = body["primaries"][0]
    alchemy["tiers"][0]["known_recipes"][0]["id"] = 2**40
    alchemy["tiers"][0]["known_recipes"][1]["id"] = -3
    alchemy["tiers"][1]["tier"]["id"] = 2**31
    body["primaries"][1]["profession"]["id"] = 2**32
    parsed = parse_professions(body)
    assert [p.name for p in parsed] == ["Alchemy", "Cooking"]
    assert [t.name for t in parsed[0].tiers] == ["Kul Tiran Alchemy"]
    assert len(parsed[0].tiers[0].recipes) == 62


def test_a_future_tier_with_the_largest_id_still_fits_its_column():
    newest, largest = sort_order("The Last Titan", 3000), sort_order("The Last Titan", ID_MAX)
    assert newest < largest <= ID_MAX
