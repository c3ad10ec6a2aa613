"""The profession sync job against the fake Battle.net (real client, pacer, PostgreSQL)."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime

from sqlalchemy import func, select, text, update

from patt_crafting.models import CharacterRecipe, CraftingSyncRun, Profession, ProfessionTier, Recipe
from patt_host.jobs import run_job
from sv_common.identity.models import WowCharacter
from sv_common.testing.fake_battlenet import professions_body, recorded

SYNC = "crafting.sync_professions"


def body(*recipes, profession=(171, "Alchemy"), tier=(2871, "Khaz Algar Alchemy")):
    return professions_body([(profession[0], profession[1], [(tier[0], tier[1], list(recipes))])])


async def known(db, name):
    async with db.session() as s:
        cid = await s.scalar(select(WowCharacter.id).where(WowCharacter.character_name == name))
    async with db.session() as s:
        rows = await s.scalars(
            select(Recipe.blizzard_recipe_id)
            .join(CharacterRecipe, CharacterRecipe.recipe_id == Recipe.id)
            .where(CharacterRecipe.character_id == cid)
        )
        return set(rows.all())


async def last_run(db):
    async with db.session() as s:
        return await s.scalar(select(CraftingSyncRun).order_by(CraftingSyncRun.id.desc()).limit(1))


async def test_first_sync_stores_the_recorded_professions_for_every_character(
    site, guild, db, battlenet, sync
):
    run = await sync(site)
    assert run.counts["characters"] == 8 and run.counts["updated"] == 8
    async with db.session() as s:
        professions = (await s.scalars(select(Profession.name).order_by(Profession.name))).all()
        expansions = set((await s.scalars(select(ProfessionTier.expansion_name))).all())
        recipes = await s.scalar(select(func.count()).select_from(Recipe))
        links = await s.scalar(select(func.count()).select_from(CharacterRecipe))
    assert professions == ["Alchemy", "Cooking", "Engineering"]  # no Fishing, no Archaeology
    assert {"Kul Tiran", "Classic", "Legion"} <= expansions
    assert recipes == 68 + 301 + 289  # every known recipe of the recorded answer, once
    assert links == 8 * recipes
    log = await last_run(db)
    assert (log.status, log.characters, log.updated, log.recipes_added, log.failures) == (
        "success",
        8,
        8,
        8 * recipes,
        0,
    )
    assert battlenet.count(200, "professions") == 8


async def test_an_id_beyond_the_columns_skips_one_recipe_not_the_run(site, guild, db, battlenet, sync):
    # The recorded answer with one recipe id past 32 bits failed the batch's statement, and
    # with it the run: nobody's professions were stored while Blizzard sent it.
    answer = copy.deepcopy(recorded("wow_character_professions")["exchanges"][0]["body"])
    broken = answer["primaries"][0]["tiers"][0]["known_recipes"][0]
    recipe_id, broken["id"] = broken["id"], 2**40
    member, other = guild.members[1], guild.members[2]
    battlenet.set_professions(member, answer)
    run = await sync(site)
    assert (run.counts["updated"], run.counts["failures"]) == (8, 0)
    mine, theirs = await known(db, member.name), await known(db, other.name)
    assert theirs - mine == {recipe_id} and len(mine) == 68 + 301 + 289 - 1


async def test_unchanged_resync_is_all_304s_and_writes_nothing(site, guild, db, battlenet, sync):
    await sync(site)
    battlenet.reset_log()
    run = await sync(site)
    assert run.counts["not_modified"] == 8 and run.counts["updated"] == 0
    assert battlenet.count(304, "professions") == 8
    assert all(r.if_modified_since for r in battlenet.api_requests("professions"))
    log = await last_run(db)
    assert (log.recipes_added, log.recipes_removed) == (0, 0)


async def test_a_changed_character_is_replaced_as_a_diff(site, guild, db, battlenet, sync, character_id):
    alice = guild.members[1]
    battlenet.set_professions(alice, body((1, "Algari Healing Potion"), (2, "Algari Mana Potion")))
    await sync(site)
    assert await known(db, alice.name) == {1, 2}
    cid = await character_id(alice.name)
    async with db.session() as s:
        first_seen = await s.scalar(
            select(CharacterRecipe.first_seen)
            .join(Recipe, Recipe.id == CharacterRecipe.recipe_id)
            .where(CharacterRecipe.character_id == cid, Recipe.blizzard_recipe_id == 1)
        )
    battlenet.set_professions(alice, body((1, "Algari Healing Potion"), (3, "Flask of Tempered Swiftness")))
    run = await sync(site)
    assert await known(db, alice.name) == {1, 3}
    assert (run.counts["updated"], run.counts["not_modified"]) == (1, 7)
    assert (run.counts["recipes_added"], run.counts["recipes_removed"]) == (1, 1)
    async with db.session() as s:
        kept = await s.scalar(
            select(CharacterRecipe.first_seen)
            .join(Recipe, Recipe.id == CharacterRecipe.recipe_id)
            .where(CharacterRecipe.character_id == cid, Recipe.blizzard_recipe_id == 1)
        )
    assert kept == first_seen  # the row stayed: a diff, not delete-all-and-insert


async def test_a_recipe_blizzard_renames_is_found_by_its_new_name_only(site, guild, battlenet, sync):
    alice, bob = guild.members[1], guild.members[2]
    battlenet.set_professions(alice, body((1, "Algari Healing Potion"), (2, "Algari Mana Potion")))
    await sync(site)

    async def names(q):
        response = await site.get("/api/v1/crafting/recipes", params={"q": q})
        assert response.status_code == 200, response.text
        return [r["name"] for r in site.data(response)]

    assert "Algari Healing Potion" in await names("healing potion")
    # Renamed in a patch; another character's answer brings the new name first.
    battlenet.set_professions(bob, body((1, "Algari Restoring Draught")))
    battlenet.set_professions(alice, body((1, "Algari Restoring Draught"), (2, "Algari Mana Potion")))
    await sync(site)
    assert await names("restoring draught") == ["Algari Restoring Draught"]
    assert "Algari Restoring Draught" not in await names("healing potion")  # the old index rows went
    assert await known(db=site.host.db, name=bob.name) == {1}


async def test_404_failures_and_malformed_answers_keep_the_characters_recipes(
    site, guild, db, battlenet, sync
):
    a, b, c = guild.members[1], guild.members[2], guild.members[3]
    for member in (a, b, c):
        battlenet.set_professions(member, body((10 + member.blizzard_id % 7, "Thing")))
    await sync(site)
    before = {m.name: await known(db, m.name) for m in (a, b, c)}
    assert all(before.values())
    battlenet.set_profile_missing(a.realm_slug, a.name)  # 404 for every endpoint
    battlenet.set_professions(b, {"primaries": "broken"})
    battlenet.set_professions(c, body())  # a valid answer: c dropped the profession
    battlenet.fail_next(4, 503, kind="professions")  # the first characters asked fail after retries
    run = await run_job(site.host, SYNC, trigger="manual")
    assert run.status == "succeeded", run.error
    assert await known(db, a.name) == before[a.name]
    assert await known(db, b.name) == before[b.name]
    assert await known(db, c.name) == set()
    log = await last_run(db)
    assert log.status == "partial"
    assert log.unavailable == 1 and log.failures >= 1
    assert any("malformed" in e for e in log.details["errors"])
    # The malformed one is asked in full again next time (no Last-Modified kept for it).
    battlenet.set_professions(b, body((99, "Fixed Recipe")))
    await sync(site)
    assert await known(db, b.name) == {99}


async def test_departed_characters_are_not_asked_and_drop_out_of_counts(site, guild, db, battlenet, sync):
    gone = guild.members[4]
    battlenet.set_professions(gone, body((500, "Rare Recipe")))
    await sync(site)
    data = site.data(await site.get("/api/v1/crafting/recipes", params={"q": "rare recipe"}))
    assert data[0]["crafter_count"] == 1
    async with db.session() as s:
        await s.execute(
            update(WowCharacter)
            .where(WowCharacter.character_name == gone.name)
            .values(removed_at=datetime.now(UTC))
        )
    battlenet.reset_log()
    run = await sync(site)
    assert run.counts["characters"] == 7
    assert not [r for r in battlenet.api_requests("professions") if gone.name.lower() in r.path.lower()]
    assert site.data(await site.get("/api/v1/crafting/recipes", params={"q": "rare recipe"})) == []
    professions = site.data(await site.get("/api/v1/crafting/professions"))
    assert all(e["name"] != "Khaz Algar" for p in professions for e in p["expansions"])


async def test_a_failed_write_ends_the_run_as_failed_without_hanging(site, guild, db, sync):
    # A real failure inside one of the side-by-side writers: the search table is gone.
    async with db.session() as s:
        await s.execute(text("ALTER TABLE guild_identity.recipe_trigrams RENAME TO recipe_trigrams_away"))
    try:
        run = await asyncio.wait_for(run_job(site.host, SYNC, trigger="manual"), timeout=60)
        assert run.status == "failed"
        assert "recipe_trigrams" in run.error
        log = await last_run(db)
        assert log.status == "failed" and "recipe_trigrams" in log.error_message
    finally:
        async with db.session() as s:
            await s.execute(text("ALTER TABLE guild_identity.recipe_trigrams_away RENAME TO recipe_trigrams"))
    assert (await sync(site)).status == "succeeded"  # and the next run writes everything


async def test_progress_is_reported_and_the_run_is_recorded(site, guild, db):
    seen = []
    run = await run_job(site.host, SYNC, trigger="manual", on_progress=lambda d, t: seen.append((d, t)))
    assert run.status == "succeeded"
    assert seen[-1] == (8, 8)
    log = await last_run(db)
    assert (log.progress_done, log.progress_total) == (8, 8)
    assert log.requests >= 8  # every attempt counts (a retry on a loaded machine too)
    assert log.completed_at is not None and log.duration_seconds > 0


async def test_the_job_is_listed_with_crafting_in_its_name(site):
    assert site.host.jobs.get(SYNC) is not None


async def _tier_rows(db):
    """blizzard tier id -> (name, expansion, sort_order, xmin): xmin changes with every write."""
    async with db.session() as s:
        rows = await s.execute(
            text(
                "SELECT blizzard_tier_id, name, expansion_name, sort_order, xmin::text "
                "FROM guild_identity.profession_tiers"
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}


async def test_the_job_on_an_unconfigured_site_fails_with_one_line_not_a_traceback(make_client, caplog):
    # No Blizzard settings (an operator's first `patt jobs run crafting.sync_professions`): the
    # run says what to set, as a refusal in the log, not a RuntimeError with a traceback.
    client = await make_client(plugins=["identity", "guild_sync", "crafting"])
    caplog.set_level("WARNING", logger="patt.jobs")
    run = await run_job(client.host, "crafting.sync_professions", trigger="cli")
    assert run.status == "failed"
    assert run.error.startswith("Blizzard sync is not configured: set BLIZZARD_CLIENT_ID"), run.error
    logged = [
        r for r in caplog.records if r.name == "patt.jobs" and "crafting.sync_professions" in r.getMessage()
    ]
    assert logged and all(r.exc_info is None and r.levelname == "WARNING" for r in logged)


async def test_horde_and_alliance_names_of_a_tier_leave_one_stable_row(site, guild, db, battlenet, sync):
    # Tier 2478 is "Zandalari Alchemy" for the Horde and "Kul Tiran Alchemy" for the Alliance.
    # It was relabelled (and rewritten) for every character of the other faction.
    recipes = [(1, "Steelskin Potion"), (2, "Battle Potion of Intellect")]
    for index, member in enumerate(guild.members):
        name = "Zandalari Alchemy" if index % 2 == 0 else "Kul Tiran Alchemy"
        battlenet.set_professions(member, body(*recipes, tier=(2478, name)))
    await sync(site)
    rows = await _tier_rows(db)
    assert list(rows) == [2478]
    name, expansion, order, version = rows[2478]
    assert (expansion, order) == ("Kul Tiran", 700)
    assert name in ("Zandalari Alchemy", "Kul Tiran Alchemy")
    # Every character answers in full again: the other faction's name is not a rename.
    await sync(site, full=True)
    assert (await _tier_rows(db))[2478] == (name, expansion, order, version)
    professions = site.data(await site.get("/api/v1/crafting/professions"))
    assert professions == [{"name": "Alchemy", "expansions": [{"name": "Kul Tiran", "recipe_count": 2}]}]
    # A real rename of a tier that is not split by faction is still written.
    battlenet.set_professions(guild.members[0], body(*recipes, tier=(2871, "Khaz Algar Alchemy")))
    await sync(site)
    battlenet.set_professions(guild.members[0], body(*recipes, tier=(2871, "Algari Alchemy")))
    await sync(site)
    assert (await _tier_rows(db))[2871][:3] == ("Algari Alchemy", "Khaz Algar", 1000)


async def test_a_localised_answer_gets_the_english_labels_in_release_order(site, guild, battlenet, sync):
    french = professions_body(
        [
            (
                202,
                "Ingénierie",
                [
                    (2506, "Ingénierie", [(11, "Dynamite grossière")]),
                    (2499, "Ingénierie de Kul Tiras", [(12, "Lunette de visée")]),
                    (2500, "Ingénierie de Légion", [(13, "Gobelin en boîte")]),
                ],
            )
        ]
    )
    for member in guild.members:
        battlenet.set_professions(member, french)
    await sync(site)
    professions = site.data(await site.get("/api/v1/crafting/professions"))
    assert professions == [
        {
            "name": "Ingénierie",
            "expansions": [
                {"name": "Kul Tiran", "recipe_count": 1},
                {"name": "Legion", "recipe_count": 1},
                {"name": "Classic", "recipe_count": 1},
            ],
        }
    ]


async def test_rows_stored_under_the_old_labels_are_relabelled_by_the_next_sync(
    site, guild, db, battlenet, sync
):
    # A future tier this code does not know keeps its name-rule label and order.
    battlenet.set_professions(
        guild.members[1],
        professions_body([(171, "Alchemy", [(3100, "The Last Titan Alchemy", [(1, "Titan Tonic")])])]),
    )
    await sync(site)  # the others answer with the recorded (Alliance, English) professions
    future = (await _tier_rows(db))[3100]
    # As the previous code (or the original) stored them: a Horde sync last, a French answer,
    # an adopted row without an order.
    async with db.session() as s:
        for tier_id, name, expansion, order in (
            (2478, "Zandalari Alchemy", "Zandalari", 700),
            (2499, "Ingénierie de Kul Tiras", "de Kul Tiras", 1_002_499),
            (2500, "Legion Engineering", None, 0),
        ):
            await s.execute(
                update(ProfessionTier)
                .where(ProfessionTier.blizzard_tier_id == tier_id)
                .values(name=name, expansion_name=expansion, sort_order=order)
            )
    battlenet.reset_log()
    run = await sync(site)
    assert run.counts["not_modified"] == 8  # no answer names these tiers: the run fixes them anyway
    rows = await _tier_rows(db)
    assert rows[2478][:3] == ("Zandalari Alchemy", "Kul Tiran", 700)
    assert rows[2499][:3] == ("Ingénierie de Kul Tiras", "Kul Tiran", 700)
    assert rows[2500][:3] == ("Legion Engineering", "Legion", 600)
    assert rows[3100] == future  # not rewritten
    professions = {p["name"]: p for p in site.data(await site.get("/api/v1/crafting/professions"))}
    assert [e["name"] for e in professions["Alchemy"]["expansions"]] == [
        "The Last Titan",
        "Kul Tiran",
        "Classic",
    ]
    assert [e["name"] for e in professions["Engineering"]["expansions"]][:2] == ["Kul Tiran", "Legion"]
