"""Discord fixtures: the fake Discord server and a real PattBot connected to it.

- ``fake_discord``: a started :class:`~sv_common.testing.fake_discord.FakeDiscord` with
  one guild (:data:`GUILD_ID`): a role per rank level (:data:`RANK_ROLE_IDS`, not yet
  mapped: call :func:`map_rank_roles`), an unmanaged role, the bot's own role (Manage
  Roles, above the rank roles) and a few channels. discord.py's REST, gateway and
  webhook/interaction base URLs point at it while the fixture is active.
- ``start_discord_bot(host=None, **make_host_kwargs)``: starts ``run_bot`` for a host (as
  ``patt bot`` does: open, startup hooks, run) and returns the bot once it is ready and
  the syncs it runs on READY have finished (:func:`settle`); its slash commands are then
  registered with Discord (``tree.sync()``, as ``patt bot sync`` does), since the fake
  like Discord delivers only registered commands (``register_commands=False``: not).
- ``discord_bot``: that, for a default PATT host with a token and the guild id.
- ``synced_channels({"123...": "text", "234...": "voice"})``: the guild's channel table as the
  bot's channel sync leaves it (sv_common's ``sync_channels``: channels not listed go), for
  channel pickers and the checks of a channel setting, without a bot.
- Interactions (slash commands, buttons, selects, modals): build one with
  ``fake_discord.interaction_builder(GUILD_ID, GENERAL_CHANNEL_ID)`` and send it with
  ``record = await fake_discord.interact(payload)``; ``record.content``,
  ``record.ephemeral``, ``record.callbacks`` show what the bot answered (see
  :mod:`sv_common.testing.fake_discord_interactions`).

Pacing intervals of the built-in discord plugin are set to 0 on hosts started here so
bulk tests run fast; concurrency limits stay as configured.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import update

from patt_host.testing.waiting import eventually
from sv_common.testing.fake_discord import FakeDiscord

if TYPE_CHECKING:
    from patt_host.api import HostAPI


GUILD_ID = 800000000000000001
BOT_ROLE_ID = 800000000000000009
RANK_ROLE_IDS = {level: 800000000000000010 + level for level in range(1, 6)}
UNMANAGED_ROLE_ID = 800000000000000030
CATEGORY_ID = 800000000000000040
GENERAL_CHANNEL_ID = 800000000000000041
ANNOUNCE_CHANNEL_ID = 800000000000000042
OFFICER_CHANNEL_ID = 800000000000000043
FAKE_TOKEN = "fake-bot-token"
MANAGE_ROLES = 1 << 28
VIEW_CHANNEL = 1 << 10


def build_fake_discord() -> FakeDiscord:
    """The standard test guild (not started)."""
    fake = FakeDiscord(token=FAKE_TOKEN)
    fake.add_guild(GUILD_ID, "Test Guild")
    for level, role_id in RANK_ROLE_IDS.items():
        fake.add_role(GUILD_ID, role_id, f"Rank {level}", position=level)
    fake.add_role(GUILD_ID, UNMANAGED_ROLE_ID, "Raider", position=6)
    fake.add_role(GUILD_ID, BOT_ROLE_ID, "Bot", position=10, permissions=MANAGE_ROLES)
    fake.add_member(GUILD_ID, fake.bot_user_id, "PATT Bot", roles=[BOT_ROLE_ID])
    fake.add_channel(GUILD_ID, CATEGORY_ID, "guild", type=4)
    fake.add_channel(GUILD_ID, GENERAL_CHANNEL_ID, "general", parent_id=CATEGORY_ID, position=1)
    fake.add_channel(GUILD_ID, ANNOUNCE_CHANNEL_ID, "announcements", parent_id=CATEGORY_ID, position=2)
    fake.add_channel(
        GUILD_ID,
        OFFICER_CHANNEL_ID,
        "officers",
        parent_id=CATEGORY_ID,
        position=3,
        permission_overwrites=[
            {"id": GUILD_ID, "type": 0, "allow": 0, "deny": VIEW_CHANNEL},
            {"id": BOT_ROLE_ID, "type": 0, "allow": VIEW_CHANNEL, "deny": 0},  # the bot posts here
        ],
    )
    return fake


async def map_rank_roles(db: Any) -> dict[int, int]:
    """Map each rank (by level) to its fake role: the one rank <-> role mapping, in the database."""
    from sv_common.identity.models import GuildRank

    async with db.session() as session:
        for level, role_id in RANK_ROLE_IDS.items():
            await session.execute(
                update(GuildRank).where(GuildRank.level == level).values(discord_role_id=str(role_id))
            )
    return dict(RANK_ROLE_IDS)


@pytest.fixture
def synced_channels(db):
    """``await synced_channels({channel_id: type})``: see the module docstring."""
    from sv_common.discord.channel_sync import ChannelSnapshot, sync_channels

    async def sync(channels: dict[str, str]) -> None:
        snapshots = [
            ChannelSnapshot(
                discord_channel_id=str(channel_id),
                name=f"{kind}-{n}",
                channel_type=kind,
                category_name=None,
                position=n,
                is_nsfw=False,
                is_public=True,
            )
            for n, (channel_id, kind) in enumerate(channels.items())
        ]
        async with db.session() as session:
            await sync_channels(session, snapshots)

    return sync


@pytest.fixture
async def fake_discord():
    fake = build_fake_discord()
    await fake.start()
    with fake.patch_client():
        yield fake
    await fake.stop()


def discord_host(make_host: Callable[..., HostAPI], **kwargs: Any) -> HostAPI:
    kwargs.setdefault("discord_bot_token", FAKE_TOKEN)
    kwargs.setdefault("discord_guild_id", GUILD_ID)
    return make_host(**kwargs)


def fast_pacing(host: HostAPI) -> None:
    if host.has_plugin("discord"):
        settings = host.plugin("discord").obj.settings
        settings.role_sync_min_interval = 0.0
        settings.notify_min_interval = 0.0


async def settle(host: HostAPI) -> None:
    """Wait until the syncs the bot starts on READY (members, channels, queue) have finished."""
    cogs = getattr(host.bot, "cog_status", {}).get("discord", {}).get("cogs")
    if not cogs:
        return  # the discord plugin's cog is not attached: nothing was started
    runtime = host.plugin("discord").obj.runtime(host)
    try:
        await eventually(lambda: runtime.spawned, timeout=3)
    except TimeoutError:
        pass  # nothing was spawned after READY: nothing to wait for
    async with asyncio.timeout(10):
        await runtime.wait_idle()


@pytest.fixture
async def start_discord_bot(fake_discord: FakeDiscord, make_host):
    """``await start_discord_bot(host=None, **make_host_kwargs)`` -> a ready PattBot."""
    from patt_host.bot import run_bot

    started: list[tuple[Any, asyncio.Task]] = []
    lifecycles = contextlib.AsyncExitStack()

    async def factory(host: HostAPI | None = None, *, register_commands: bool = True, **kwargs: Any):
        host = host or discord_host(make_host, **kwargs)
        fast_pacing(host)
        await lifecycles.enter_async_context(host.running())  # as `patt bot` does
        task = asyncio.create_task(run_bot(host, guild_ready_timeout=0.05))
        started.append((host, task))
        try:
            await eventually(lambda: task.done() or (host.bot is not None and host.bot.is_ready()), timeout=5)
        except TimeoutError:
            pass
        if host.bot is not None and host.bot.is_ready():
            await settle(host)
            # Discord delivers only registered commands: register them as
            # `patt bot sync` does (globally; the fake shows them at once).
            if register_commands:
                await host.bot.tree.sync()
            return host.bot
        raise RuntimeError(f"the bot did not become ready (status: {host.status.get('bot')})")

    yield factory
    for host, task in reversed(started):
        if host.has_plugin("discord"):
            await host.plugin("discord").obj.runtime(host).wait_idle()
        if host.bot is not None:
            await host.bot.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await lifecycles.aclose()


@pytest.fixture
async def discord_bot(start_discord_bot):
    """A PattBot for the default PATT site (token + guild set), logged in and ready."""
    return await start_discord_bot()


#: The member ``slash_command`` sends as unless told otherwise.
SLASH_USER_ID = 810000000000000777


@pytest.fixture
def slash_command(fake_discord: FakeDiscord):
    """``await slash_command("mito quote", user_id=..., roles=[...], until="reply", **options)``.

    Sends the slash command to the running bot (start it first with ``discord_bot`` or
    ``start_discord_bot``) as a guild member in the general channel, the way Discord
    would, and returns the :class:`~sv_common.testing.fake_discord_interactions.InteractionRecord`
    (``.content``, ``.ephemeral``, ``.messages``). The member is added to the fake guild with
    ``roles`` (e.g. ``[RANK_ROLE_IDS[4]]`` for an officer once :func:`map_rank_roles` ran).
    """

    async def invoke(
        command: str,
        /,
        *,
        user_id: int = SLASH_USER_ID,
        roles: list[int] | tuple[int, ...] = (),
        until: str = "reply",
        **options: Any,
    ):
        fake_discord.add_member(GUILD_ID, user_id, f"user{user_id}", roles=roles)
        builder = fake_discord.interaction_builder(GUILD_ID, GENERAL_CHANNEL_ID)
        return await fake_discord.interact(builder.slash_command(user_id, command, **options), until=until)

    return invoke
