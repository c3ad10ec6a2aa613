"""The reusable officer check for slash commands: by the rank mapping, never by role names."""

from __future__ import annotations

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
from sv_common.discord.checks import OfficerRoleSource, officer_only

ALICE, BOB, CAROL = 810000000000000001, 810000000000000002, 810000000000000003
CALLS: list[int] = []


class SecretCog(commands.Cog):
    @app_commands.command(name="secret", description="Officers only")
    @officer_only()
    async def secret(self, interaction: discord.Interaction) -> None:
        CALLS.append(interaction.user.id)
        await interaction.response.send_message("Secret.", ephemeral=True)


async def members_role(interaction: discord.Interaction) -> set[str]:
    """An explicit resolver: here the role of rank 2 is the one that passes."""
    return {str(RANK_ROLE_IDS[2])}


class MembersCog(commands.Cog):
    @app_commands.command(name="members", description="Rank 2 only, by an explicit resolver")
    @officer_only(members_role)
    async def members(self, interaction: discord.Interaction) -> None:
        CALLS.append(-interaction.user.id)
        await interaction.response.send_message("Members.", ephemeral=True)


class CheckPlugin:
    name = "checkplug"

    @hookimpl
    def discord_cogs(self):
        return [SecretCog(), MembersCog()]


async def invoke(fake, user_id: int, command: str = "secret"):
    """Send ``/checkplug <command>`` as ``user_id``; return the interaction record."""
    builder = fake.interaction_builder(GUILD_ID, GENERAL_CHANNEL_ID)
    return await fake.interact(builder.slash_command(user_id, f"checkplug {command}"), until="ack")


async def test_officer_check_uses_rank_mapping(db, make_host, fake_discord, start_discord_bot):
    await map_rank_roles(db)  # officer level on the PATT site is 4: roles of ranks 4 and 5
    # A role *named* like an officer role but not mapped must not count.
    fake_discord.add_role(GUILD_ID, 810000000000000099, "Officer", position=7)
    fake_discord.add_member(GUILD_ID, ALICE, "alice", roles=[RANK_ROLE_IDS[4]])
    fake_discord.add_member(GUILD_ID, BOB, "bob", roles=[RANK_ROLE_IDS[2], 810000000000000099])
    fake_discord.add_member(GUILD_ID, CAROL, "carol", roles=[RANK_ROLE_IDS[5]])
    await start_discord_bot(discord_host(make_host, plugins=["checkplug"], extra_plugins=[CheckPlugin]))
    CALLS.clear()

    assert (await invoke(fake_discord, ALICE)).content == "Secret."
    assert (await invoke(fake_discord, CAROL)).content == "Secret."
    refused = await invoke(fake_discord, BOB)

    assert CALLS == [ALICE, CAROL]
    # Bob gets one ephemeral refusal instead of silence, accepted by Discord (no second try).
    assert refused.content == "Only officers can use this command." and refused.ephemeral
    assert [c["status"] for c in refused.callbacks] == [200]

    # An explicit resolver replaces the bot's answer: Bob's rank-2 role passes, Alice's does not.
    CALLS.clear()
    assert (await invoke(fake_discord, BOB, "members")).content == "Members."
    assert (await invoke(fake_discord, ALICE, "members")).content == "Only officers can use this command."
    assert CALLS == [-BOB]


def test_the_patt_bot_answers_the_check_through_the_public_protocol():
    """The check asks an ``OfficerRoleSource``; it never reads the host off the client."""
    from pathlib import Path

    import sv_common.discord.checks as checks
    from patt_host.bot import PattBot

    assert issubclass(PattBot, OfficerRoleSource)
    assert ".host" not in Path(checks.__file__).read_text()
