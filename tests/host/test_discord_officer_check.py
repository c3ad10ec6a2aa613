"""The reusable officer check for slash commands: by the rank mapping, never by role names."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from patt_host import hookimpl
from patt_host.testing.discord import (
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    RANK_ROLE_IDS,
    discord_host,
    map_rank_roles,
)
from sv_common.discord.checks import officer_only

ALICE, BOB, CAROL = 810000000000000001, 810000000000000002, 810000000000000003
CALLS: list[int] = []


class SecretCog(commands.Cog):
    @app_commands.command(name="secret", description="Officers only")
    @officer_only()
    async def secret(self, interaction: discord.Interaction) -> None:
        CALLS.append(interaction.user.id)


class CheckPlugin:
    name = "checkplug"

    @hookimpl
    def discord_cogs(self):
        return [SecretCog()]


def interaction_payload(fake, user_id: int) -> dict:
    member = dict(fake.guilds[GUILD_ID].members[user_id], permissions="0")
    return {
        "id": str(fake.snowflake()),
        "application_id": str(fake.application_id),
        "type": 2,
        "token": f"token-{user_id}",
        "version": 1,
        "guild_id": str(GUILD_ID),
        "channel_id": str(GENERAL_CHANNEL_ID),
        "channel": fake.guilds[GUILD_ID].channels[GENERAL_CHANNEL_ID],
        "member": member,
        "app_permissions": "0",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 0,
        "attachment_size_limit": 8388608,
        "data": {
            "id": str(fake.snowflake()),
            "name": "checkplug",
            "type": 1,
            "options": [{"name": "secret", "type": 1, "options": []}],
        },
    }


async def invoke(fake, user_id: int) -> list:
    """Send the slash command as ``user_id``; return the bot's interaction responses."""
    path = rf"/interactions/\d+/token-{user_id}/callback"
    await fake.dispatch("INTERACTION_CREATE", interaction_payload(fake, user_id))
    for _ in range(200):
        if fake.requests_matching("POST", path) or user_id in CALLS:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    return [r.json for r in fake.requests_matching("POST", path)]


async def test_officer_check_uses_rank_mapping(db, make_host, fake_discord, start_discord_bot):
    await map_rank_roles(db)  # officer level on the PATT site is 4: roles of ranks 4 and 5
    # A role *named* like an officer role but not mapped must not count.
    fake_discord.add_role(GUILD_ID, 810000000000000099, "Officer", position=7)
    fake_discord.add_member(GUILD_ID, ALICE, "alice", roles=[RANK_ROLE_IDS[4]])
    fake_discord.add_member(GUILD_ID, BOB, "bob", roles=[RANK_ROLE_IDS[2], 810000000000000099])
    fake_discord.add_member(GUILD_ID, CAROL, "carol", roles=[RANK_ROLE_IDS[5]])
    await start_discord_bot(discord_host(make_host, plugins=["checkplug"], extra_plugins=[CheckPlugin]))
    CALLS.clear()

    await invoke(fake_discord, ALICE)
    await invoke(fake_discord, CAROL)
    refused = await invoke(fake_discord, BOB)

    assert CALLS == [ALICE, CAROL]
    # Bob gets an ephemeral refusal (flags 64) instead of silence.
    assert refused and refused[0]["data"]["content"] == "Only officers can use this command."
    assert refused[0]["data"]["flags"] & 64
