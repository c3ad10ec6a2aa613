"""The bot runner with plugins: intents, fault isolation, slash-command groups, sync."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from patt_host import hookimpl
from patt_host.bot import PattBot, merged_intents, sync_commands
from patt_host.testing import eventually
from patt_host.testing.discord import GUILD_ID, discord_host

INVOKED: list[str] = []


class GoodCog(commands.Cog):
    def __init__(self) -> None:
        self.pings: list[str] = []

    @commands.Cog.listener()
    async def on_good_ping(self, value: str) -> None:
        self.pings.append(value)

    @app_commands.command(name="hello", description="Say hello")
    async def hello(self, interaction: discord.Interaction) -> None:
        INVOKED.append("hello")


class GoodPlugin:
    name = "goodplug"

    @hookimpl
    def discord_intents(self):
        return discord.Intents(message_content=True)

    @hookimpl
    def discord_cogs(self, bot):
        return [GoodCog()]


class BrokenCog(commands.Cog):
    async def cog_load(self) -> None:
        raise RuntimeError("broken on purpose")

    @app_commands.command(name="boom", description="Never registered")
    async def boom(self, interaction: discord.Interaction) -> None:  # pragma: no cover
        pass


class BrokenPlugin:
    name = "brokenplug"

    @hookimpl
    def discord_cogs(self, bot):
        return [BrokenCog()]


class RaisingPlugin:
    name = "raisingplug"

    @hookimpl
    def discord_cogs(self, bot):
        raise ValueError("cannot build cogs")


def plugin_host(make_host):
    return discord_host(
        make_host,
        plugins=["goodplug", "brokenplug", "raisingplug"],
        extra_plugins=[GoodPlugin, BrokenPlugin, RaisingPlugin],
    )


async def test_failing_cogs_do_not_stop_other_plugins(make_host, start_discord_bot):
    host = plugin_host(make_host)
    bot = await start_discord_bot(host)
    assert host.status["bot"] == "ready"
    status = bot.cog_status
    assert status["goodplug"] == {"cogs": ["goodplug:GoodCog"], "error": None}
    assert bot.plugin_commands == {"goodplug": ["goodplug hello"]}
    assert status["brokenplug"]["cogs"] == [] and "broken on purpose" in status["brokenplug"]["error"]
    assert status["raisingplug"]["error"] == "ValueError: cannot build cogs"
    assert status["discord"]["cogs"] == ["discord:DiscordSync"] and status["discord"]["error"] is None
    # The good plugin's cog really runs: its listener receives dispatched events.
    bot.dispatch("good_ping", "pong")
    assert await eventually(lambda: bot.get_cog("GoodCog").pings == ["pong"], timeout=2)
    assert bot.get_cog("BrokenCog") is None
    # Slash commands: one group per plugin; nothing of the broken plugin.
    assert sorted(c.name for c in bot.tree.get_commands()) == ["goodplug"]


def test_intents_are_merged_from_plugins(make_host):
    intents = merged_intents(plugin_host(make_host))
    assert intents.members  # the built-in discord plugin (member sync)
    assert intents.message_content  # goodplug
    assert intents.guilds


async def test_sync_commands_pushes_plugin_groups(make_host, fake_discord):
    host = plugin_host(make_host)
    await host.open()
    try:
        names = await sync_commands(host, guild_id=GUILD_ID)
    finally:
        await host.close()
    assert names == ["goodplug"]
    [put] = fake_discord.requests_matching(
        "PUT", rf"/applications/{fake_discord.application_id}/guilds/{GUILD_ID}/commands"
    )
    [group] = put.json
    assert group["name"] == "goodplug" and [o["name"] for o in group["options"]] == ["hello"]
    assert not fake_discord.requests_matching("GET", "/gateway.*")  # REST only, no gateway
    assert fake_discord.identify_count == 0


async def test_bot_start_does_not_sync_commands(make_host, start_discord_bot, fake_discord):
    await start_discord_bot(plugin_host(make_host), register_commands=False)
    assert not fake_discord.requests_matching("PUT", r"/applications/\d+(/guilds/\d+)?/commands")


def test_pattbot_uses_the_platform_tree(make_host):
    bot = PattBot(plugin_host(make_host))
    assert type(bot.tree).__name__ == "PattCommandTree"


async def test_cli_bot_sync_guild(fake_discord, patt_database, tmp_path):
    from click.testing import CliRunner

    from patt_host.cli import cli
    from patt_host.testing.discord import FAKE_TOKEN

    env = {
        "DATABASE_URL": patt_database.url,
        "DISCORD_BOT_TOKEN": FAKE_TOKEN,
        "DISCORD_GUILD_ID": str(GUILD_ID),
        "PATT_DATA_DIR": str(tmp_path),
        "REDIS_URL": "",
    }
    # The CLI runs its own event loop; the fake keeps serving from the test's loop.
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["bot", "sync", "--guild"], env=env)
    assert result.exit_code == 0, result.output
    assert f"guild {GUILD_ID}" in result.output
    assert fake_discord.requests_matching("PUT", rf"/applications/\d+/guilds/{GUILD_ID}/commands")
    assert fake_discord.identify_count == 0

    no_token = dict(env, DISCORD_BOT_TOKEN="")
    refused = await asyncio.to_thread(CliRunner().invoke, cli, ["bot", "sync"], env=no_token)
    assert refused.exit_code != 0 and "DISCORD_BOT_TOKEN is not set" in refused.output
