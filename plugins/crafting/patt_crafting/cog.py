"""The bot side of the Corner: ``/crafting who``, ``/crafting order`` and the order post's buttons.

The host puts a plugin's slash commands under ``/<plugin>``, so the original's ``/craft`` is
``/crafting`` here. The recipe options autocomplete through the same search as the page.

The Claim and Done buttons on an order post are answered by :class:`OrderButton`, a
persistent item matched by its ``custom_id`` (``crafting:order:<id>:<action>``) and
registered when the cog loads: a post made before a bot restart keeps working. A click
runs the same service as the page; the post itself is updated through the outbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from patt_crafting.services import catalogue, orders, search
from sv_common.errors import DomainError, Forbidden, NotFound

if TYPE_CHECKING:
    from patt_host import HostAPI

MAX_LINES = 15
COG_NAME = "crafting"
NOT_LINKED = "Link your Discord account to your guild profile on the site first."


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


class OrderButton(discord.ui.DynamicItem[discord.ui.Button], template=orders.BUTTON_PATTERN):
    """A Claim or Done button on an order post, whenever it was posted."""

    def __init__(self, order_id: int, action: str) -> None:
        super().__init__(
            discord.ui.Button(label=action.title(), custom_id=orders.button_id(order_id, action))
        )
        self.order_id, self.action = order_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match
    ) -> OrderButton:
        return cls(int(match["order_id"]), match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog(COG_NAME)  # type: ignore[union-attr]
        await cog.order_step(interaction, self.order_id, self.action)


class CraftingCog(
    commands.GroupCog, name=COG_NAME, group_name="crafting", group_description="Crafting Corner"
):
    def __init__(self, bot: commands.Bot, host: HostAPI) -> None:
        self.bot = bot
        self.host = host
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(OrderButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(OrderButton)

    async def _recipe_id(self, session, typed: str) -> int | None:
        """An autocompleted choice is the recipe's id; typed text takes the best match."""
        if typed.isdigit():
            return int(typed)
        found = await search.search_recipes(session, typed, limit=1)
        return found[0]["id"] if found else None

    @app_commands.command(name="who", description="Who in the guild can craft a recipe")
    @app_commands.describe(recipe="Start typing the recipe's name")
    async def who(self, interaction: discord.Interaction, recipe: str) -> None:
        async with self.host.db.session() as session:
            recipe_id = await self._recipe_id(session, recipe)
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

    @app_commands.command(name="order", description="Ask the guild's crafters to make a recipe")
    @app_commands.describe(
        recipe="Start typing the recipe's name", quantity="How many (1-1000)", note="A note for the crafter"
    )
    async def order(
        self,
        interaction: discord.Interaction,
        recipe: str,
        quantity: app_commands.Range[int, 1, 1000] = 1,
        note: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        from sv_common.validation import has_control_chars

        if note is not None and has_control_chars(note, multiline=True):
            await interaction.response.send_message("The note holds characters it may not.", ephemeral=True)
            return
        settings = self.host.plugin_settings("crafting")
        try:
            async with self.host.db.session() as session:
                who = await orders.player_for_discord(session, interaction.user.id)
                if who is None:
                    raise Forbidden(NOT_LINKED)
                recipe_id = await self._recipe_id(session, recipe)
                if recipe_id is None:
                    raise NotFound("No recipe like that is known in the guild.")
                placed = await orders.place_order(
                    session,
                    player_id=who[0],
                    recipe_id=recipe_id,
                    quantity=quantity,
                    note=note,
                    cooldown_seconds=settings.order_cooldown_seconds,
                    source="discord",
                )
                channel = placed.channel_id
        except DomainError as exc:
            await interaction.response.send_message(exc.message, ephemeral=True)
            return
        await interaction.response.send_message(
            f"Order #{placed.id} is posted to the crafters in <#{channel}>.", ephemeral=True
        )

    async def order_step(self, interaction: discord.Interaction, order_id: int, action: str) -> None:
        """A Claim or Done click: the same rules as on the site; the post follows by an edit."""
        try:
            async with self.host.db.session() as session:
                who = await orders.player_for_discord(session, interaction.user.id)
                if who is None:
                    raise Forbidden(NOT_LINKED)
                player_id, level = who
                step = orders.claim if action == "claim" else orders.complete
                await step(session, order_id, player_id, is_officer=level >= self.host.officer_level)
        except DomainError as exc:
            await interaction.response.send_message(exc.message, ephemeral=True)
            return
        text = (
            f"You claimed order #{order_id}; the requester is told."
            if action == "claim"
            else f"Order #{order_id} is done; the requester is told."
        )
        await interaction.response.send_message(text, ephemeral=True)

    async def recipe_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        async with self.host.db.session() as session:
            found = await search.search_recipes(session, current, limit=25)
        return [
            app_commands.Choice(name=f"{r['name']} ({r['profession']})"[:100], value=str(r["id"]))
            for r in found
        ]

    who.autocomplete("recipe")(recipe_choices)
    order.autocomplete("recipe")(recipe_choices)
