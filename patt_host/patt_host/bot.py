"""The Discord bot runner: one discord.py bot per process, assembled from plugins.

Intents are merged from every plugin's ``discord_intents``; cogs come from
``discord_cogs`` and are attached in ``setup_hook`` one plugin at a time, so a broken
plugin is logged, reported on the admin pages and skipped while the others run.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.ext import commands

log = logging.getLogger("patt.bot")


def merged_intents(host: Any) -> discord.Intents:
    intents = discord.Intents.default()
    for plugin, contributed in host.hooks.discord_intents():
        if isinstance(contributed, dict):
            contributed = discord.Intents(**contributed)
        if not isinstance(contributed, discord.Intents):
            log.error("plugin %s returned %r from discord_intents; ignored", plugin.name, contributed)
            continue
        intents |= contributed
    return intents


class PattBot(commands.Bot):
    """The platform's bot; ``cog_status`` records what each plugin contributed or why it failed."""

    def __init__(self, host: Any, **kwargs: Any):
        kwargs.setdefault("command_prefix", commands.when_mentioned)
        kwargs.setdefault("intents", merged_intents(host))
        super().__init__(**kwargs)
        self.host = host
        self.cog_status: dict[str, dict[str, Any]] = {}

    async def setup_hook(self) -> None:
        for plugin, result in self.host.hooks.discord_cogs(self):
            await self._attach(plugin, result)

    async def _attach(self, plugin: Any, result: Any) -> None:
        status: dict[str, Any] = {"cogs": [], "error": None}
        self.cog_status[plugin.name] = status
        if isinstance(result, BaseException):
            status["error"] = f"{type(result).__name__}: {result}"
            log.error("plugin %s: discord_cogs failed: %s", plugin.name, result)
            return
        try:
            result = await result if asyncio.iscoroutine(result) else result
            cogs = result if isinstance(result, list | tuple) else ([result] if result else [])
            for cog in cogs:
                qualified = f"{plugin.name}:{cog.qualified_name}"
                if self.get_cog(cog.qualified_name) is not None:
                    raise ValueError(f"cog name {cog.qualified_name!r} is already used by another plugin")
                await self.add_cog(cog)
                status["cogs"].append(qualified)
        except Exception as exc:  # noqa: BLE001 - isolate the plugin, keep the bot running
            status["error"] = f"{type(exc).__name__}: {exc}"
            log.exception("plugin %s: cog setup failed; its bot features are off", plugin.name)
            for name in status["cogs"]:
                await self.remove_cog(name.split(":", 1)[1])
            status["cogs"] = []

    async def on_ready(self) -> None:
        self.host.status["bot"] = "ready"
        log.info("bot ready as %s", self.user)

    async def on_disconnect(self) -> None:
        self.host.status["bot"] = "disconnected"


def build_bot(host: Any, **kwargs: Any) -> PattBot:
    bot = PattBot(host, **kwargs)
    host.bot = bot
    return bot


async def run_bot(host: Any, **kwargs: Any) -> None:
    """Log in and stay connected until cancelled; state is visible in ``host.status['bot']``."""
    token = host.settings.discord_bot_token.get_secret_value()
    bot = build_bot(host, **kwargs)
    host.status["bot"] = "connecting"
    try:
        await bot.start(token)
    except discord.LoginFailure:
        host.status["bot"] = "error: login failed (check DISCORD_BOT_TOKEN)"
        log.error("Discord login failed; the bot is off")
    except Exception as exc:  # noqa: BLE001 - the site keeps running without the bot
        host.status["bot"] = f"error: {type(exc).__name__}"
        log.exception("the Discord bot stopped")
    finally:
        if not bot.is_closed():
            await bot.close()


def start_bot_task(host: Any) -> asyncio.Task:
    return asyncio.create_task(run_bot(host), name="patt-bot")
