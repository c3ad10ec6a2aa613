"""The public API: search (accents, case, typos), professions, recipe detail grouped by player."""

from __future__ import annotations

import pytest

from sv_common.testing.fake_battlenet import professions_body

RECIPES = [
    (1, "Élixir de sagesse ancestrale"),
    (2, "Algari Healing Potion"),
    (3, "Algari Mana Potion"),
    (4, "Healing Potion"),
    (5, "Flask of Alchemical Chaos"),
    (6, "Elixir of the Sages"),
]


@pytest.fixture
async def stocked(site, guild, battlenet, sync):
    """Members 1-3 know the Khaz Algar alchemy recipes; member 4 knows two of them."""
    for member in guild.members[1:4]:
        battlenet.set_professions(
            member, professions_body([(171, "Alchemy", [(2871, "Khaz Algar Alchemy", RECIPES)])])
        )
    battlenet.set_professions(
        guild.members[4],
        professions_body(
            [
                (
                    171,
                    "Alchemy",
                    [
                        (2871, "Khaz Algar Alchemy", RECIPES[1:3]),
                        (2500, "Midnight Alchemy", [(7, "Void Draught")]),
                    ],
                )
            ]
        ),
    )
    for member in guild.members[5:] + guild.members[:1]:
        battlenet.set_professions(member, professions_body([]))
    await sync(site)
    return site


async def search(site, q):
    response = await site.get("/api/v1/crafting/recipes", params={"q": q})
    assert response.status_code == 200, response.text
    return site.data(response)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("elixir de sagesse", "Élixir de sagesse ancestrale"),
        ("ÉLIXIR DE SAGESSE", "Élixir de sagesse ancestrale"),
        ("algari helaing potion", "Algari Healing Potion"),
        ("ALGARI healing", "Algari Healing Potion"),
        ("algari mana", "Algari Mana Potion"),
        ("healing potion", "Healing Potion"),
        ("flask of alch", "Flask of Alchemical Chaos"),
        ("fl", "Flask of Alchemical Chaos"),
    ],
)
async def test_search_is_case_accent_and_typo_tolerant(stocked, query, first):
    results = await search(stocked, query)
    assert results and results[0]["name"] == first, [r["name"] for r in results]


async def test_search_result_shape_and_counts(stocked):
    result = (await search(stocked, "algari healing potion"))[0]
    assert set(result) >= {"id", "name", "profession", "expansion", "crafter_count"}
    assert (result["profession"], result["expansion"], result["crafter_count"]) == (
        "Alchemy",
        "Khaz Algar",
        4,
    )
    assert result["wowhead_url"] == "https://www.wowhead.com/search?q=Algari+Healing+Potion"


async def test_short_unrelated_and_oversized_queries(stocked):
    assert await search(stocked, "a") == []
    assert await search(stocked, "  ") == []
    assert await search(stocked, "zzqqxx") == []
    response = await stocked.get("/api/v1/crafting/recipes", params={"q": "x" * 101})
    assert response.status_code == 422


async def test_professions_list_expansions_newest_first_with_counts(stocked):
    data = stocked.data(await stocked.get("/api/v1/crafting/professions"))
    assert data == [
        {
            "name": "Alchemy",
            "expansions": [
                {"name": "Midnight", "recipe_count": 1},
                {"name": "Khaz Algar", "recipe_count": 6},
            ],
        }
    ]


async def test_browse_one_profession_and_expansion(stocked):
    response = await stocked.get(
        "/api/v1/crafting/recipes", params={"profession": "alchemy", "expansion": "Khaz Algar"}
    )
    names = [r["name"] for r in stocked.data(response)]
    assert names == sorted(r[1] for r in RECIPES)


async def test_recipe_detail_groups_crafters_by_player(stocked, guild, arrange):
    owner = await arrange.account("Officer", ping=True)
    # One player owns members 1, 2 and 4: one line, alts under it.
    await arrange.link(owner.player_id, guild.members[1].name, guild.members[2].name, guild.members[4].name)
    recipe = (await search(stocked, "algari healing potion"))[0]
    response = await stocked.get(f"/api/v1/crafting/recipes/{recipe['id']}")
    detail = stocked.data(response)
    assert detail["crafter_count"] == 4 and detail["player_count"] == 2
    first, second = detail["crafters"]
    assert first["player_id"] == owner.player_id and first["rank"] == "Officer"
    assert {first["character"]["name"], *[a["name"] for a in first["alts"]]} == {
        guild.members[1].name,
        guild.members[2].name,
        guild.members[4].name,
    }
    assert len(first["alts"]) == 2 and first["last_seen"]
    assert second["player_id"] is None and second["character"]["name"] == guild.members[3].name
    assert second["alts"] == []


async def test_unknown_recipe_is_404_and_bad_ids_422(stocked):
    assert (await stocked.get("/api/v1/crafting/recipes/999999")).status_code == 404
    assert (await stocked.get("/api/v1/crafting/recipes/0")).status_code == 422
