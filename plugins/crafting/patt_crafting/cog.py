"""``/crafting who <recipe>``: who can craft it, answered privately like the Corner's recipe detail.

The host puts a plugin's slash commands under ``/<plugin>``, so the original's ``/craft`` is
``/crafting`` here. The recipe option autocompletes through the same search as the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from patt_crafting.services import catalogue, search
from sv_common.errors import NotFound

if TYPE_CHECKING:
    from patt_host import HostAPI

MAX_LINES = 15


def who_text(detail: dict) -> str:
    """One line per player (alts in brackets), like the page."""
    lines = [
        f"**{detail['name']}** — {detail['profession']} · {detail['expansion']} · <{detail['wowhead_url']}>"
    ]
    if not detail["crafters"]:
        lines.append("Nobody in the guild knows it (yet).")
    for group in detail["crafters"][:MAX_LINES]:
        alts = f" (also {', '.join(a['name'] for a in group['alts'])})" if group["alts"] else ""
        rank = f" · {group['rank']}" if group["rank"] else ""
        character = f" on {group['character']['name']}" if group["player"] else ""
        lines.append(f"• {group['name']}{character}{alts}{rank}")
    if len(detail["crafters"]) > MAX_LINES:
        lines.append(f"… and {len(detail['crafters']) - MAX_LINES} more on the Crafting Corner page.")
    return "\n".join(lines).replace("@", "@\u200b")[:1900]


class CraftingCog(commands.GroupCog, group_name="crafting", group_description="Crafting Corner"):
    def __init__(self, host: HostAPI) -> None:
        self.host = host
        super().__init__()

    @app_commands.command(name="who", description="Who in the guild can craft a recipe")
    @app_commands.describe(recipe="Start typing the recipe's name")
    async def who(self, interaction: discord.Interaction, recipe: str) -> None:
        async with self.host.db.session() as session:
            recipe_id = int(recipe) if recipe.isdigit() else None
            if recipe_id is None:
                found = await search.search_recipes(session, recipe, limit=1)
                recipe_id = found[0]["id"] if found else None
            try:
                detail = await catalogue.recipe_detail(session, recipe_id) if recipe_id else None
            except NotFound:
                detail = None
        if detail is None:
            await interaction.response.send_message(
                "No recipe like that is known in the guild.", ephemeral=True
            )
            return
        await interaction.response.send_message(who_text(detail), ephemeral=True)

    @who.autocomplete("recipe")
    async def recipe_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        async with self.host.db.session() as session:
            found = await search.search_recipes(session, current, limit=25)
        return [
            app_commands.Choice(name=f"{r['name']} ({r['profession']})"[:100], value=str(r["id"]))
            for r in found
        ]
