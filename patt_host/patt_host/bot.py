"""The Discord bot runner: one discord.py bot per process, assembled from plugins.

Intents are merged from every plugin's ``discord_intents``; cogs come from
``discord_cogs`` and are attached in ``setup_hook`` one plugin at a time, so a broken
plugin is logged, reported on the admin pages and skipped while the others run.

Slash commands are grouped per plugin: every app command a plugin's cogs define ends
up under one ``app_commands.Group`` named after the plugin (``/identity link ...``), so
plugins cannot collide. Commands are pushed to Discord only by ``patt bot sync``
(:func:`sync_commands`), never on every start (Discord rate-limits syncing).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from sv_common.discord.checks import OfficerRoleSource, officer_role_ids

if TYPE_CHECKING:
    from patt_host.host import Host


log = logging.getLogger("patt.bot")

MAX_RATELIMIT_TIMEOUT = 60.0
TOKEN_REJECTED = (
    "error: Discord rejected the bot token (reset or revoked). Copy a new token from the Discord "
    "Developer Portal → your application → Bot → Reset Token into DISCORD_BOT_TOKEN and restart."
)
PORTAL_INTENTS = {
    "members": "Server Members Intent",
    "presences": "Presence Intent",
    "message_content": "Message Content Intent",
}


def privileged_intents_text(intents: discord.Intents) -> str:
    """What to switch on in the developer portal when Discord closed the gateway with 4014."""
    wanted = [label for flag, label in PORTAL_INTENTS.items() if getattr(intents, flag)]
    return (
        "error: Discord refused the bot's privileged intents. In the Discord Developer Portal → your "
        f"application → Bot → Privileged Gateway Intents, switch on: {', '.join(wanted)}; then restart the bot."
    )


def mark_token_rejected(host: Any) -> None:
    """Record on the status page that the bot needs a new token (a 401 from Discord)."""
    host.status["bot"] = TOKEN_REJECTED


def merged_intents(host: Host) -> discord.Intents:
    intents = discord.Intents.default()
    for plugin, contributed in host.hooks.discord_intents():
        if isinstance(contributed, dict):
            contributed = discord.Intents(**contributed)
        if not isinstance(contributed, discord.Intents):
            log.error("plugin %s returned %r from discord_intents; ignored", plugin.name, contributed)
            continue
        intents |= contributed
    return intents


async def _still_thinking(interaction: discord.Interaction) -> bool:
    """The command deferred with "thinking..." and has not answered since."""
    if interaction.response.type is not discord.InteractionResponseType.deferred_channel_message:
        return False
    original = await interaction.original_response()
    return original.flags.loading


class PattCommandTree(app_commands.CommandTree):
    """Answers failed checks (e.g. officers only) with an ephemeral message instead of silence.

    A command that failed after ``defer(thinking=True)`` gets its "thinking..." message
    replaced by the error: Discord would turn a follow-up into that same edit anyway and
    keep the deferral's visibility (a public deferral cannot become ephemeral), so the
    documented edit is used and the text says nothing an onlooker should not read."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You cannot use this command."
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("slash command /%s failed", command, exc_info=error)
            message = "Something went wrong; the officers can see the details in the logs."
        try:
            if not interaction.response.is_done():
                await interaction.response.send_message(message, ephemeral=True)
            elif await _still_thinking(interaction):
                await interaction.edit_original_response(content=message)
            else:
                await interaction.followup.send(message, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the user about a failed command")


def _top_level_app_commands(cog: commands.Cog) -> list[app_commands.Command | app_commands.Group]:
    group = cog.__cog_app_commands_group__
    return [group] if group is not None else list(cog.get_app_commands())


class PattBot(commands.Bot, OfficerRoleSource):
    """The platform's bot; ``cog_status`` records what each plugin contributed or why it failed,
    ``plugin_commands`` the slash commands each plugin has under its group. As an
    ``OfficerRoleSource`` it answers ``sv_common.discord.checks.officer_only()``."""

    def __init__(self, host: Host, **kwargs: Any):
        kwargs.setdefault("command_prefix", commands.when_mentioned)
        kwargs.setdefault("intents", merged_intents(host))
        kwargs.setdefault("tree_cls", PattCommandTree)
        # Jobs in the bot process use this client: a long 429 must raise (the job
        # reschedules) rather than block the job; discord.py's minimum is 30 s.
        kwargs.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_TIMEOUT)
        super().__init__(**kwargs)
        self.host = host
        self.cog_status: dict[str, dict[str, Any]] = {}
        # Slash commands per plugin, as "<plugin> <command>" qualified names.
        self.plugin_commands: dict[str, list[str]] = {}

    async def officer_role_ids(self) -> set[str]:
        if not self.host.is_open:
            return set()
        async with self.host.db.session() as session:
            return await officer_role_ids(session, self.host.officer_level)

    async def setup_hook(self) -> None:
        for plugin, result in await self.host.hooks.discord_cogs(self):
            await self._attach(plugin, result)

    async def _attach(self, plugin: Any, result: Any) -> None:
        status: dict[str, Any] = {"cogs": [], "error": None}
        self.cog_status[plugin.name] = status
        if isinstance(result, BaseException):
            status["error"] = f"{type(result).__name__}: {result}"
            log.error("plugin %s: discord_cogs failed: %s", plugin.name, result)
            return
        group: app_commands.Group | None = None
        try:
            cogs = result if isinstance(result, list | tuple) else ([result] if result else [])
            for cog in cogs:
                qualified = f"{plugin.name}:{cog.qualified_name}"
                if self.get_cog(cog.qualified_name) is not None:
                    raise ValueError(f"cog name {cog.qualified_name!r} is already used by another plugin")
                await self.add_cog(cog)
                status["cogs"].append(qualified)
                group = self._group_commands(plugin.name, cog, group)
            if group is not None and group.commands:
                self.tree.add_command(group)
                self.plugin_commands[plugin.name] = sorted(c.qualified_name for c in group.walk_commands())
        except Exception as exc:  # noqa: BLE001 - isolate the plugin, keep the bot running
            status["error"] = f"{type(exc).__name__}: {exc}"
            log.exception("plugin %s: cog setup failed; its bot features are off", plugin.name)
            for name in status["cogs"]:
                await self.remove_cog(name.split(":", 1)[1])
            if group is not None:
                self.tree.remove_command(group.name)
            status["cogs"] = []
            self.plugin_commands.pop(plugin.name, None)

    def _group_commands(
        self, plugin_name: str, cog: commands.Cog, group: app_commands.Group | None
    ) -> app_commands.Group | None:
        """Move the cog's top-level app commands under the plugin's group."""
        for command in _top_level_app_commands(cog):
            self._remove_from_tree(command)
            if isinstance(command, app_commands.Group) and command.name == plugin_name:
                if group is None:
                    group = command  # the plugin's own GroupCog is the plugin group
                    continue
                children = list(command.commands)
            else:
                children = [command]
            if group is None:
                group = app_commands.Group(name=plugin_name, description=f"{plugin_name} commands"[:100])
            for child in children:
                if isinstance(child, app_commands.Group) and any(
                    isinstance(sub, app_commands.Group) for sub in child.commands
                ):
                    raise ValueError(
                        f"slash command group {child.name!r} is nested too deeply to go under /{plugin_name}"
                    )
                if group.get_command(child.name) is not None:
                    raise ValueError(f"slash command /{plugin_name} {child.name} is defined twice")
                group.add_command(child)
        return group

    def _remove_from_tree(self, command: app_commands.Command | app_commands.Group) -> None:
        guild_ids = getattr(command, "_guild_ids", None)
        if guild_ids:
            for guild_id in guild_ids:
                self.tree.remove_command(command.name, guild=discord.Object(guild_id))
        else:
            self.tree.remove_command(command.name)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # Once close() has begun discord.py drops its loop; an event dispatched by the
        # still-unwinding connect loop would then fail to schedule (and leak a coroutine).
        if self.is_closed():
            return
        super().dispatch(event_name, *args, **kwargs)

    async def on_ready(self) -> None:
        self.host.status["bot"] = "ready"
        log.info("bot ready as %s", self.user)

    async def on_resumed(self) -> None:
        self.host.status["bot"] = "ready"

    async def on_disconnect(self) -> None:
        if not self.host.status.get("bot", "").startswith("error"):  # keep the reason it stopped
            self.host.status["bot"] = "disconnected"


def build_bot(host: Host, **kwargs: Any) -> PattBot:
    bot = PattBot(host, **kwargs)
    host.bot = bot
    return bot


async def run_bot(host: Host, **kwargs: Any) -> None:
    """Log in and stay connected until cancelled; state is visible in ``host.status['bot']``."""
    token = host.settings.discord_bot_token.get_secret_value()
    bot = build_bot(host, **kwargs)
    host.status["bot"] = "connecting"
    try:
        await bot.start(token)
    except discord.LoginFailure:
        mark_token_rejected(host)
        log.error("Discord login failed; the bot is off")
    except discord.PrivilegedIntentsRequired:
        host.status["bot"] = privileged_intents_text(bot.intents)
        log.error("Discord refused the privileged intents; the bot is off. %s", host.status["bot"])
    except discord.ConnectionClosed as exc:
        if exc.code == 4004:  # the token was revoked while connected
            mark_token_rejected(host)
            log.error("Discord closed the connection: the bot token was revoked")
        else:
            host.status["bot"] = f"error: Discord closed the connection ({exc.code})"
            log.exception("the Discord bot stopped")
    except Exception as exc:  # noqa: BLE001 - the site keeps running without the bot
        host.status["bot"] = f"error: {type(exc).__name__}"
        log.exception("the Discord bot stopped")
    finally:
        if not bot.is_closed():
            await bot.close()


def start_bot_task(host: Host) -> asyncio.Task:
    return asyncio.create_task(run_bot(host), name="patt-bot")


async def sync_commands(host: Host, *, guild_id: int | None = None, **kwargs: Any) -> list[str]:
    """Push every plugin's slash commands to Discord over REST, then log out.

    With ``guild_id`` the (global) commands are copied to that guild, where they appear
    at once; without it they are synced globally (Discord may take up to an hour).
    Returns the top-level command names Discord now has.
    """
    if host.settings.discord_bot_token is None:
        raise RuntimeError("DISCORD_BOT_TOKEN is not set.")
    bot = PattBot(host, **kwargs)
    try:
        await bot.login(host.settings.discord_bot_token.get_secret_value())  # runs setup_hook: cogs attach
        failed = {name: s["error"] for name, s in bot.cog_status.items() if s["error"]}
        for name, error in failed.items():
            log.warning("plugin %s has no commands to sync: %s", name, error)
        if guild_id is not None:
            guild = discord.Object(guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        else:
            synced = await bot.tree.sync()
        return sorted(c.name for c in synced)
    finally:
        await bot.close()
