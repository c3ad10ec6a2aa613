"""Guild orders in Discord: ``/crafting order``, the post's Claim/Done buttons (also after a
bot restart), the post following the site and the site following Discord, the requester's
DMs, who may claim, the cooldown. Real discord.py bot against the fake Discord."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from patt_crafting.services import settings as crafting_config
from patt_host.jobs import run_job
from patt_host.testing import GUILD_ID, discord_host
from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID
from patt_host.testing.waiting import eventually
from sv_common.discord.config import update_discord_config
from sv_common.identity.models import DiscordUser, Player
from sv_common.testing.fake_battlenet import professions_body

ANN, BOB, REQUESTER, OFFICER, STRANGER = (880000000000000001 + n for n in range(5))
POTION = (2, "Algari Healing Potion")


@pytest.fixture
async def crafting_bot(
    blizzard_env, guild, battlenet, make_host, start_discord_bot, fake_discord, db, arrange
):
    """Ann (two alts know the potion, opted in) and Bob (one alt, not opted in) are crafters;
    the requester and an officer know nothing. All are linked to Discord members; orders go
    to #announcements."""
    body = professions_body([(171, "Alchemy", [(2871, "Khaz Algar Alchemy", [POTION])])])
    for member in guild.members:
        battlenet.set_professions(member, body if member in guild.members[1:4] else professions_body([]))
    for user_id, name in ((ANN, "ann"), (BOB, "bob"), (REQUESTER, "req"), (OFFICER, "off"), (STRANGER, "x")):
        fake_discord.add_member(GUILD_ID, user_id, name)
    host = discord_host(make_host, plugins=["identity", "guild_sync", "crafting"])
    await start_discord_bot(host)
    assert (await run_job(host, "guild_sync.sync_roster")).status == "succeeded"
    assert (await run_job(host, "crafting.sync_professions")).status == "succeeded"
    people = {
        "ann": await arrange.account("Member", ping=True),
        "bob": await arrange.account("Member", ping=False),
        "requester": await arrange.account("Member"),
        "officer": await arrange.account("Officer"),
    }
    await arrange.link(people["ann"].player_id, guild.members[1].name, guild.members[2].name)
    await arrange.link(people["bob"].player_id, guild.members[3].name)
    async with db.session() as s:
        for key, discord_id in (("ann", ANN), ("bob", BOB), ("requester", REQUESTER), ("officer", OFFICER)):
            user_id = await s.scalar(select(DiscordUser.id).where(DiscordUser.discord_id == str(discord_id)))
            await s.execute(
                update(Player).where(Player.id == people[key].player_id).values(discord_user_id=user_id)
            )
        await update_discord_config(s, bot_dm_enabled=True, feature_crafting_dm=True)
        await crafting_config.set_channel(s, str(ANNOUNCE_CHANNEL_ID))
    return host, people


def build(fake_discord):
    return fake_discord.interaction_builder(GUILD_ID, ANNOUNCE_CHANNEL_ID)


async def order_post(fake_discord, order_id: int, *, wanted: str) -> dict:
    """The order's post once the bot has delivered the version showing ``wanted`` (a button
    label, or "" for none)."""

    def current():
        for message in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID):
            if f"guild order #{order_id}" in message["embeds"][0]["footer"]["text"]:
                labels = [b["label"] for row in message["components"] for b in row["components"]]
                if labels == ([wanted] if wanted else []):
                    return message
        return None

    return await eventually(current, timeout=10)


async def dm_texts(fake_discord, user_id: int, count: int) -> list[str]:
    return await eventually(
        lambda: (
            [m["content"] for m in fake_discord.dms_to(user_id)]
            if len(fake_discord.dms_to(user_id)) >= count
            else None
        ),
        timeout=10,
    )


async def slash_order(fake_discord, user_id: int, typed: str, **options):
    choices = await fake_discord.interact(
        build(fake_discord).autocomplete(user_id, "crafting order", focused="recipe", recipe=typed)
    )
    assert choices.choices[0]["name"] == "Algari Healing Potion (Alchemy)"
    return await fake_discord.interact(
        build(fake_discord).slash_command(
            user_id, "crafting order", recipe=choices.choices[0]["value"], **options
        )
    )


async def test_an_order_from_discord_is_claimed_and_done_with_buttons_after_a_bot_restart(
    crafting_bot, fake_discord, make_host, start_discord_bot, make_client, log_in
):
    host, people = crafting_bot
    placed = await slash_order(fake_discord, REQUESTER, "algari helaing", quantity=3, note="mats @everyone")
    assert placed.ephemeral and placed.content.startswith("Order #")
    order_id = int(placed.content.split("#")[1].split()[0])
    post = await order_post(fake_discord, order_id, wanted="Claim")
    assert post["content"].startswith(f"<@{REQUESTER}> needs **3× Algari Healing Potion**")
    assert post["content"].count(f"<@{ANN}>") == 1 and f"<@{BOB}>" not in post["content"]
    assert "@\u200beveryone" in post["content"]
    claim_id = post["components"][0]["components"][0]["custom_id"]
    assert claim_id == f"crafting:order:{order_id}:claim"

    await host.bot.close()  # the bot restarts: a new process, the same post
    fake_discord.member_request_interval = 0.0  # restarted later than Discord's 30 s chunking limit
    await start_discord_bot(discord_host(make_host, plugins=["identity", "guild_sync", "crafting"]))

    refused = await fake_discord.interact(build(fake_discord).button(REQUESTER, post, claim_id))
    assert refused.ephemeral and refused.content == "You cannot claim your own order."
    stranger = await fake_discord.interact(build(fake_discord).button(STRANGER, post, claim_id))
    assert stranger.ephemeral and "Link your Discord account" in stranger.content
    claimed = await fake_discord.interact(build(fake_discord).button(BOB, post, claim_id))
    assert claimed.ephemeral and claimed.content == f"You claimed order #{order_id}; the requester is told."

    post = await order_post(fake_discord, order_id, wanted="Done")  # the post follows
    fields = {f["name"]: f["value"] for f in post["embeds"][0]["fields"]}
    assert fields["Status"] == "claimed" and fields["Crafter"].startswith("Player")
    site = await make_client(host=host)
    await log_in(site, people["requester"])
    [listed] = site.data(await site.get("/api/v1/crafting/orders"))
    assert (listed["id"], listed["status"], listed["actions"]) == (order_id, "claimed", ["cancel"])
    assert "is making your 3× Algari Healing Potion" in (await dm_texts(fake_discord, REQUESTER, 1))[0]

    done_id = post["components"][0]["components"][0]["custom_id"]
    not_theirs = await fake_discord.interact(build(fake_discord).button(ANN, post, done_id))
    assert not_theirs.content == "Only the crafter who claimed the order can mark it done."
    done = await fake_discord.interact(build(fake_discord).button(BOB, post, done_id))
    assert done.content == f"Order #{order_id} is done; the requester is told."
    post = await order_post(fake_discord, order_id, wanted="")
    assert {f["name"]: f["value"] for f in post["embeds"][0]["fields"]}["Status"] == "done"
    assert "is ready" in (await dm_texts(fake_discord, REQUESTER, 2))[1]


async def test_a_claim_on_the_site_shows_on_the_post_and_only_crafters_or_officers_claim(
    crafting_bot, fake_discord, make_client, log_in
):
    host, people = crafting_bot
    requester = await make_client(host=host)
    await log_in(requester, people["requester"])
    recipe_id = requester.data(await requester.get("/api/v1/crafting/recipes", params={"q": "algari"}))[0][
        "id"
    ]
    order_ids = [
        requester.data(await requester.post("/api/v1/crafting/orders", json={"recipe_id": recipe_id}))["id"]
    ]
    post = await order_post(fake_discord, order_ids[0], wanted="Claim")

    ann = await make_client(host=host)
    await log_in(ann, people["ann"])
    assert ann.data(await ann.post(f"/api/v1/crafting/orders/{order_ids[0]}/claim"))["status"] == "claimed"
    post = await order_post(fake_discord, order_ids[0], wanted="Done")  # Discord reflects the site
    done = await fake_discord.interact(
        build(fake_discord).button(ANN, post, f"crafting:order:{order_ids[0]}:done")
    )
    assert done.content == f"Order #{order_ids[0]} is done; the requester is told."
    await order_post(fake_discord, order_ids[0], wanted="")
    assert ann.data(await ann.get("/api/v1/crafting/orders"))[0]["status"] == "done"

    # A member who knows nothing of it may not claim; an officer may (on a crafter's behalf).
    second = await fake_discord.interact(
        build(fake_discord).slash_command(OFFICER, "crafting order", recipe=str(recipe_id))
    )
    assert second.content.startswith("Order #")
    second_id = int(second.content.split("#")[1].split()[0])
    post = await order_post(fake_discord, second_id, wanted="Claim")
    claim_id = f"crafting:order:{second_id}:claim"
    not_a_crafter = await fake_discord.interact(build(fake_discord).button(REQUESTER, post, claim_id))
    assert (
        not_a_crafter.content == "Only a crafter who knows this recipe (or an officer) can claim the order."
    )
    listed = requester.data(await requester.get("/api/v1/crafting/orders"))
    assert next(o for o in listed if o["id"] == second_id)["actions"] == []
    officer = await make_client(host=host)
    await log_in(officer, people["officer"])
    assert (await officer.post(f"/api/v1/crafting/orders/{second_id}/claim")).status_code == 409  # own order
    third = await fake_discord.interact(
        build(fake_discord).slash_command(ANN, "crafting order", recipe=str(recipe_id))
    )
    third_id = int(third.content.split("#")[1].split()[0])
    post = await order_post(fake_discord, third_id, wanted="Claim")
    by_officer = await fake_discord.interact(
        build(fake_discord).button(OFFICER, post, f"crafting:order:{third_id}:claim")
    )
    assert by_officer.content == f"You claimed order #{third_id}; the requester is told."


async def test_discord_orders_keep_the_cooldown_and_need_a_linked_account(crafting_bot, fake_discord):
    first = await slash_order(fake_discord, REQUESTER, "algari healing")
    assert first.content.startswith("Order #")
    again = await slash_order(fake_discord, REQUESTER, "algari healing")
    assert again.ephemeral and again.content.startswith("You ordered this recipe recently")
    stranger = await slash_order(fake_discord, STRANGER, "algari healing")
    assert stranger.ephemeral and "Link your Discord account" in stranger.content
    unknown = await fake_discord.interact(
        build(fake_discord).slash_command(REQUESTER, "crafting order", recipe="nothing like this")
    )
    assert unknown.content == "No recipe like that is known in the guild."
