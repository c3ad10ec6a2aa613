"""Reading the professions answer: the real recorded one, future expansions, gathering, malformed."""

from __future__ import annotations

import copy

import pytest

from patt_crafting.services.professions import (
    CLASSIC,
    ID_MAX,
    KNOWN_EXPANSIONS,
    expansion_of,
    parse_professions,
    sort_order,
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
    ],
)
def test_expansion_from_any_tier_name(tier, profession, expansion):
    assert expansion_of(tier, profession) == expansion


def test_unknown_future_expansions_rank_above_every_known_one_by_tier_id():
    newest_known = max(sort_order(name, 2871) for name in KNOWN_EXPANSIONS)
    midnight, titan = sort_order("Midnight", 2900), sort_order("The Last Titan", 3100)
    assert newest_known < midnight < titan
    body = professions_body(
        [
            (
                171,
                "Alchemy",
                [
                    (2871, "Khaz Algar Alchemy", [(1, "Algari Healing Potion")]),
                    (3100, "The Last Titan Alchemy", [(2, "Titan Tonic")]),
                ],
            )
        ]
    )
    tiers = parse_professions(body)[0].tiers
    assert max(tiers, key=lambda t: t.sort_order).expansion == "The Last Titan"


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
    newest, largest = sort_order("Midnight", 3000), sort_order("Midnight", ID_MAX)
    assert newest < largest <= ID_MAX
