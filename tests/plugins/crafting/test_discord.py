"""``/crafting who`` through the fake Discord with the real discord.py client."""

from __future__ import annotations

from patt_host.jobs import run_job
from patt_host.testing import GENERAL_CHANNEL_ID, GUILD_ID, discord_host
from sv_common.testing.fake_battlenet import professions_body

ALICE = 500000000000000001


async def test_who_with_autocomplete_answers_privately(
    blizzard_env, guild, battlenet, make_host, start_discord_bot, fake_discord
):
    for member in guild.members:
        battlenet.set_professions(
            member,
            professions_body(
                [(171, "Alchemy", [(2871, "Khaz Algar Alchemy", [(2, "Algari Healing Potion")])])]
            )
            if member in guild.members[1:3]
            else professions_body([]),
        )
    host = discord_host(make_host, plugins=["identity", "guild_sync", "crafting"])
    bot = await start_discord_bot(host)
    assert (await run_job(host, "guild_sync.sync_roster")).status == "succeeded"
    assert (await run_job(host, "crafting.sync_professions")).status == "succeeded"
    build = fake_discord.interaction_builder(GUILD_ID, GENERAL_CHANNEL_ID)
    fake_discord.add_member(GUILD_ID, ALICE, "alice")
    choices = await fake_discord.interact(
        build.autocomplete(ALICE, "crafting who", focused="recipe", recipe="algari helaing")
    )
    assert choices.choices[0]["name"] == "Algari Healing Potion (Alchemy)"
    record = await fake_discord.interact(
        build.slash_command(ALICE, "crafting who", recipe=choices.choices[0]["value"])
    )
    assert record.ephemeral
    assert record.content.startswith("**Algari Healing Potion** — Alchemy · Khaz Algar")
    assert guild.members[1].name in record.content and guild.members[2].name in record.content
    typed = await fake_discord.interact(
        build.slash_command(ALICE, "crafting who", recipe="nothing like this")
    )
    assert typed.ephemeral and typed.content == "No recipe like that is known in the guild."
    assert bot is not None
