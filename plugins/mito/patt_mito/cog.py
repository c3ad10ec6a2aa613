"""The ``/mito quote`` slash command (the host puts a plugin's commands under ``/mito``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from patt_mito import service

if TYPE_CHECKING:
    from patt_host import HostAPI


class MitoCog(commands.GroupCog, group_name="mito", group_description="Mito's corner"):
    def __init__(self, host: HostAPI) -> None:
        self.host = host
        super().__init__()

    @app_commands.command(name="quote", description="A random quote from Mito")
    async def quote(self, interaction: discord.Interaction) -> None:
        async with self.host.db.session() as session:
            saying = await service.random_saying(session)
        await interaction.response.send_message(saying.text())
