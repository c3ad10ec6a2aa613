"""Guild orders off (no crafters' channel): the pages say so instead of offering an order form
that can only be refused, and the profile's switch does not promise pings; the admin page
counts distinct recipes and character–recipe pairs apart."""

from __future__ import annotations

from sqlalchemy import func, select

from patt_crafting.models import CharacterRecipe
from sv_common.identity.models import DiscordChannel

CHANNEL = "523456789012345678"


async def test_without_a_crafters_channel_the_pages_show_orders_off(site, sync, arrange, log_in, db):
    await sync(site)
    member = await arrange.account("Member")
    await log_in(site, member)
    assert site.data(await site.get("/api/v1/crafting/sync-status"))["orders_open"] is False
    corner = (await site.get("/crafting")).text
    assert 'id="craft-orders-off"' in corner and 'id="craft-order"' not in corner
    assert "Guild orders are off: no crafters' channel is set." in corner
    assert 'href="/admin/crafting"' not in corner  # a member cannot set one
    assert 'id="craft-orders-list-off"' in corner
    profile = (await site.get("/profile")).text
    assert 'data-orders-open="false"' in profile and 'id="crafting-orders-off"' in profile
    # What the page no longer offers is still refused the same way.
    recipe_id = (await site.get("/api/v1/crafting/recipes", params={"q": "healing"})).json()["data"][0]["id"]
    refused = await site.post("/api/v1/crafting/orders", json={"recipe_id": recipe_id})
    assert refused.status_code == 409 and "Guild orders are off" in refused.json()["error"]["message"]

    # An officer sees where to switch them on, then does.
    await log_in(site, await arrange.account("Officer"))
    assert 'href="/admin/crafting">Crafting admin page</a>' in (await site.get("/crafting")).text
    async with db.session() as s:
        s.add(DiscordChannel(discord_channel_id=CHANNEL, name="crafters", channel_type="text"))
    saved = await site.patch("/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": CHANNEL})
    assert saved.status_code == 200

    await log_in(site, member)
    assert site.data(await site.get("/api/v1/crafting/sync-status"))["orders_open"] is True
    corner = (await site.get("/crafting")).text
    assert 'id="craft-order"' in corner and "craft-orders-off" not in corner
    profile = (await site.get("/profile")).text
    assert 'data-orders-open="true"' in profile and "crafting-orders-off" not in profile
    placed = await site.post("/api/v1/crafting/orders", json={"recipe_id": recipe_id})
    assert placed.status_code == 201


async def test_admin_page_counts_distinct_recipes_and_pairs_apart(site, sync, arrange, log_in, db):
    """The page said "106 characters, 2058 recipes known" beside "Recipes +/− +4980": distinct
    recipes against character–recipe pairs, both called recipes."""
    run = await sync(site)
    async with db.session() as s:
        pairs = await s.scalar(select(func.count()).select_from(CharacterRecipe))
        recipes = await s.scalar(select(func.count(func.distinct(CharacterRecipe.recipe_id))))
    assert pairs > recipes > 0 and run.counts["recipes_added"] == pairs
    await log_in(site, await arrange.account("Officer"))
    status = site.data(await site.get("/api/v1/crafting/admin/status"))
    assert status["known"] == {"recipes": recipes, "pairs": pairs}
    page = (await site.get("/admin/crafting")).text
    known = page[page.index('id="craft-known"') :][:200]
    assert f"{recipes} distinct recipes, {pairs} character–recipe pairs" in known
    assert "Pairs +/−</th>" in page and f"+{pairs} / −0" in page
    assert "demo fake" not in page and 'id="craft-demo"' not in page  # a real (here: test) Battle.net
