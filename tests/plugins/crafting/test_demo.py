"""``patt demo`` fills the Crafting Corner through the real profession sync against the fake
Battle.net, and the officers' page tells the story of that run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from patt_crafting.demo import DEMO_CRAFTERS_CHANNEL_ID
from patt_crafting.models import CharacterRecipe, CraftingSyncRun, Recipe
from sv_common.identity.models import Player, WowCharacter


async def seed(host) -> dict:
    async with host.db.session() as session:
        return await host.hooks.seed_demo_data(session)


async def test_demo_corner_comes_through_the_profession_sync(make_client, db, arrange, log_in):
    client = await make_client(plugins=["identity", "guild_sync", "crafting"])
    summaries = await seed(client.host)
    assert summaries["crafting"].startswith("synced the professions of "), summaries
    async with db.session() as s:
        run = await s.scalar(select(CraftingSyncRun))
        characters = await s.scalar(
            select(func.count()).select_from(WowCharacter).where(WowCharacter.removed_at.is_(None))
        )
        known = await s.scalar(select(func.count()).select_from(CharacterRecipe))
        recipes = await s.scalar(select(func.count()).select_from(Recipe))
        vacuumed = await s.scalar(
            text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'recipe_trigrams'")
        )
        pinged = await s.scalar(
            select(func.count()).select_from(Player).where(Player.crafting_notifications_enabled.is_(True))
        )
    assert (run.status, run.trigger, run.characters, run.failures) == ("success", "demo", characters, 0)
    assert run.recipes_added == known > characters * 10 and pinged >= 10
    assert vacuumed is not None  # a sync that wrote this much leaves the search tables vacuumed
    # The Corner is populated: professions by expansion, search, a recipe's crafters by player.
    professions = client.data(await client.get("/api/v1/crafting/professions"))
    assert len(professions) >= 8 and all(p["expansions"] for p in professions)
    found = client.data(await client.get("/api/v1/crafting/recipes", params={"q": "steelskin potion"}))
    assert found[0]["name"] == "Steelskin Potion" and found[0]["crafter_count"] >= 1  # the recorded answer
    detail = client.data(await client.get(f"/api/v1/crafting/recipes/{found[0]['id']}"))
    assert detail["crafters"][0]["player"] is not None  # linked to a demo player
    # Crafters of a live guild: seen in the last days (the fake's fixed 2023 logins read
    # "seen 3 years ago" for every crafter).
    seen = [datetime.fromisoformat(c["last_seen"]) for c in detail["crafters"] if c["last_seen"]]
    assert seen and max(datetime.now(UTC) - s for s in seen) < timedelta(days=60)
    assert min(datetime.now(UTC) - s for s in seen) <= timedelta(days=3, minutes=5)
    # The officers' page shows that run: its counts, and where the data came from.
    await log_in(client, await arrange.account("Officer"))
    page = await client.get("/admin/crafting")
    assert page.status_code == 200
    assert f"· {characters} characters, " in page.text
    # Distinct recipes and character–recipe pairs, named apart and the same in the summary.
    both = f"{recipes} distinct recipes, {known} character–recipe pairs"
    assert both in page.text and f"({both})" in summaries["crafting"]
    assert f"+{known} / −0" in page.text  # the history counts pairs
    assert "synced by <code>patt demo</code> from its in-process fake Battle.net" in page.text
    assert "demo · patt demo</td>" in page.text  # the run in the history
    # Guild orders are on: the demo Discord's #crafters (no real bot configured), whose id the
    # plugin repeats (it cannot import the host's internals).
    from patt_host.builtins.discord.demo import CRAFTERS_ID

    assert DEMO_CRAFTERS_CHANNEL_ID == str(CRAFTERS_ID)
    assert summaries["crafting"].endswith("; guild orders on")
    status = client.data(await client.get("/api/v1/crafting/admin/status"))
    assert status["crafters_corner_channel_id"] == DEMO_CRAFTERS_CHANNEL_ID and status["orders_open"]
    again = await seed(client.host)
    assert "already synced" in again["crafting"]
