"""Guild orders: opt-in mentions once per player, cooldown, open -> claimed -> done, DMs."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from sv_common.identity.models import DiscordChannel, DiscordConfig, DiscordUser, Player
from sv_common.notify.models import NotificationOutbox
from sv_common.testing.fake_battlenet import professions_body

CHANNEL = "323456789012345678"
POTION = (2, "Algari Healing Potion")


@pytest.fixture
async def orders_site(site, guild, battlenet, sync, db, arrange, log_in):
    """Members 1-3 know the potion; members 1 and 2 belong to one opted-in player (Ann),
    member 3 to a player who did not opt in (Bob). Orders go to #crafters."""
    body = professions_body([(171, "Alchemy", [(2871, "Khaz Algar Alchemy", [POTION])])])
    for member in guild.members:
        battlenet.set_professions(member, body if member in guild.members[1:4] else professions_body([]))
    await sync(site)
    ann = await arrange.account("Member", ping=True)
    bob = await arrange.account("Member", ping=False)
    await arrange.link(ann.player_id, guild.members[1].name, guild.members[2].name)
    await arrange.link(bob.player_id, guild.members[3].name)
    requester = await arrange.account("Member")
    async with db.session() as s:
        for n, account in enumerate((ann, bob, requester), start=1):
            user = DiscordUser(discord_id=f"40000000000000000{n}", username=f"user{n}")
            s.add(user)
            await s.flush()
            await s.execute(
                update(Player).where(Player.id == account.player_id).values(discord_user_id=user.id)
            )
        s.add(DiscordChannel(discord_channel_id=CHANNEL, name="crafters", channel_type="text"))
        await s.execute(update(DiscordConfig).values(bot_dm_enabled=True, feature_crafting_dm=True))
    async with db.session() as s:
        if await s.scalar(select(DiscordConfig.id)) is None:
            s.add(DiscordConfig(bot_dm_enabled=True, feature_crafting_dm=True))
    await log_in(site, await arrange.account("Officer"))
    await site.patch("/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": CHANNEL})
    recipe_id = site.data(await site.get("/api/v1/crafting/recipes", params={"q": "algari healing"}))[0]["id"]
    return {"ann": ann, "bob": bob, "requester": requester, "recipe_id": recipe_id}


async def outbox(db, kind=None):
    async with db.session() as s:
        query = select(NotificationOutbox).order_by(NotificationOutbox.id)
        if kind:
            query = query.where(NotificationOutbox.kind == kind)
        return (await s.scalars(query)).all()


async def test_order_mentions_opted_in_crafters_once_and_lists_the_rest(site, orders_site, db, log_in):
    await log_in(site, orders_site["requester"])
    response = await site.post(
        "/api/v1/crafting/orders",
        json={"recipe_id": orders_site["recipe_id"], "quantity": 5, "note": "mats ready @everyone <@&1>"},
    )
    assert response.status_code == 201, response.text
    (post,) = await outbox(db, "channel")
    assert post.target == CHANNEL and post.feature == "crafting"
    content = post.payload["content"]
    assert content.startswith("<@400000000000000003> needs **5× Algari Healing Potion**")
    assert content.count("<@400000000000000001>") == 1  # Ann: two alts know it, one mention
    assert "<@400000000000000002>" not in content  # Bob did not opt in ...
    assert "Also known by: Player" in content  # ... and is listed by name
    assert "@\u200beveryone" in content and "<@\u200b&1>" in content  # the note cannot ping
    assert post.payload["embeds"][0]["title"] == "Algari Healing Potion"


async def test_cooldown_per_member_and_recipe(site, orders_site, log_in):
    await log_in(site, orders_site["requester"])
    recipe_id = orders_site["recipe_id"]
    for loose in (str(recipe_id), float(recipe_id), True):  # an id is a plain JSON integer
        refused = await site.post("/api/v1/crafting/orders", json={"recipe_id": loose, "quantity": 1})
        assert refused.status_code == 422, (loose, refused.text)
    body = {"recipe_id": recipe_id, "quantity": 1}
    assert (await site.post("/api/v1/crafting/orders", json=body)).status_code == 201
    again = await site.post("/api/v1/crafting/orders", json=body)
    assert again.status_code == 429


async def test_a_note_of_invisible_characters_only_is_no_note(site, orders_site, db, log_in):
    from patt_crafting.models import CraftingOrder

    await log_in(site, orders_site["requester"])
    body = {"recipe_id": orders_site["recipe_id"], "note": " \u200b\n\u2060 "}
    order_id = site.data(await site.post("/api/v1/crafting/orders", json=body))["id"]
    async with db.session() as s:
        assert (await s.get(CraftingOrder, order_id)).note is None


async def test_claim_and_done_dm_the_requester(site, orders_site, db, log_in, make_client):
    await log_in(site, orders_site["requester"])
    order_id = site.data(
        await site.post("/api/v1/crafting/orders", json={"recipe_id": orders_site["recipe_id"]})
    )["id"]
    own = await site.post(f"/api/v1/crafting/orders/{order_id}/claim")
    assert own.status_code == 409
    crafter = await make_client(host=site.host)
    await log_in(crafter, orders_site["ann"])
    listed = crafter.data(await crafter.get("/api/v1/crafting/orders"))
    assert listed[0]["actions"] == ["claim"]
    assert (
        crafter.data(await crafter.post(f"/api/v1/crafting/orders/{order_id}/claim"))["status"] == "claimed"
    )
    other = await make_client(host=site.host)
    await log_in(other, orders_site["bob"])
    assert (await other.post(f"/api/v1/crafting/orders/{order_id}/claim")).status_code == 409
    assert (await other.post(f"/api/v1/crafting/orders/{order_id}/done")).status_code == 403
    assert crafter.data(await crafter.post(f"/api/v1/crafting/orders/{order_id}/done"))["status"] == "done"
    dms = await outbox(db, "dm")
    assert [d.target for d in dms] == ["400000000000000003", "400000000000000003"]
    assert "is making your" in dms[0].payload["content"] and "is ready" in dms[1].payload["content"]
    assert all(d.status == "pending" for d in dms)


async def test_orders_need_a_member_and_a_channel(site, orders_site, arrange, log_in):
    site.cookies.clear()  # the fixture left an officer logged in
    response = await site.post("/api/v1/crafting/orders", json={"recipe_id": orders_site["recipe_id"]})
    assert response.status_code == 401
    await log_in(site, await arrange.account("Officer"))
    await site.patch("/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": None})
    await log_in(site, orders_site["requester"])
    response = await site.post("/api/v1/crafting/orders", json={"recipe_id": orders_site["recipe_id"]})
    assert response.status_code == 409
    bad = await site.post(
        "/api/v1/crafting/orders", json={"recipe_id": orders_site["recipe_id"], "quantity": 0}
    )
    assert bad.status_code == 422


async def test_member_data_export_and_delete_cover_orders_and_the_opt_in(site, orders_site, db, log_in):
    from patt_crafting.member_data import delete_crafting, export_crafting

    await log_in(site, orders_site["requester"])
    await site.post("/api/v1/crafting/orders", json={"recipe_id": orders_site["recipe_id"], "note": "mine"})
    async with db.session() as s:
        exported = await export_crafting(s, orders_site["requester"].player_id)
        assert exported["orders"][0]["note"] == "mine" and exported["ping_for_guild_orders"] is False
        assert (await export_crafting(s, orders_site["ann"].player_id))["ping_for_guild_orders"] is True
        assert await delete_crafting(s, orders_site["requester"].player_id) == 1
        await delete_crafting(s, orders_site["ann"].player_id)
    async with db.session() as s:
        assert (await export_crafting(s, orders_site["requester"].player_id))["orders"] == []
        assert (await export_crafting(s, orders_site["ann"].player_id))["ping_for_guild_orders"] is False
