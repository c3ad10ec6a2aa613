"""The signup buttons on the bot's raid posts (accept, tentative, bench, absent).

Each button's ``custom_id`` names its event and status (``raids:signup:<event>:<status>``);
:class:`SignupButton` is a discord.py dynamic item registered when the cog loads, so a press
on any post (one made before the bot restarted included) reaches :meth:`RaidsCog.signup`.
The press goes through the raids core's ``set_signup_status`` like the site's event page;
the core's change event then edits the post (``plugin.handle_event``), so Discord and the
site show the same signups whichever side changed them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from patt_raids.services import discord_post
from patt_raids.services import events as event_service
from patt_raids.services import notify as raid_events
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.discord_users import find_discord_user
from sv_common.identity.players import player_for_discord_user

if TYPE_CHECKING:
    from patt_host import HostAPI

log = logging.getLogger("patt.raids")
COG_NAME = "Raids"
STATUS_WORDS = {"accepted": "accepted", "tentative": "tentative", "bench": "on the bench", "absent": "absent"}


class SignupButton(discord.ui.DynamicItem[discord.ui.Button], template=discord_post.BUTTON_ID.pattern):
    """Any signup button of any raid post, rebuilt from its ``custom_id``."""

    def __init__(self, event_id: int, status: str) -> None:
        super().__init__(discord.ui.Button(custom_id=discord_post.button_id(event_id, status), label=status))
        self.event_id = event_id
        self.status = status

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match, /
    ) -> SignupButton:
        return cls(int(match["event_id"]), match["status"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog(COG_NAME)  # type: ignore[union-attr]
        if not isinstance(cog, RaidsCog):  # the plugin's cog failed to load: say so, never stay silent
            await interaction.response.send_message("Raid signups are unavailable right now.", ephemeral=True)
            return
        await cog.signup(interaction, self.event_id, self.status)


class RaidsCog(commands.Cog, name=COG_NAME):
    def __init__(self, bot: commands.Bot, host: HostAPI) -> None:
        self.bot = bot
        self.host = host

    async def cog_load(self) -> None:
        # Persistent across restarts: every raids:signup:* id is handled, whichever post it is on.
        self.bot.add_dynamic_items(SignupButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SignupButton)

    async def signup(self, interaction: discord.Interaction, event_id: int, status: str) -> None:
        """Set the presser's signup; answer privately (only they see it)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer, change = await self._apply(str(interaction.user.id), event_id, status)
        await interaction.followup.send(answer, ephemeral=True)
        if change is not None:
            # After the commit: the core's change event edits the post (and Raid-Helper).
            await raid_events.signup_changed(self.host, change)

    async def _apply(self, discord_id: str, event_id: int, status: str):
        profile = f"{self.host.settings.public_base_url}/profile"
        try:
            async with self.host.db.session() as session:
                user = await find_discord_user(session, discord_id)
                player = await player_for_discord_user(session, user.id) if user is not None else None
                if player is None:
                    return (
                        "Your Discord account is not linked to a player on the site yet, so I cannot "
                        f"sign you up. Link it on your profile ({profile}), then press the button again."
                    ), None
                change = await event_service.set_signup_status(
                    session, event_id, player.id, status, "discord"
                )
                event = await event_service.get_event(session, event_id)
                when = f"<t:{int(event.start_time_utc.timestamp())}:F>"
                title = event.title
        except (Conflict, NotFound, ValidationFailed) as exc:
            return exc.message, None
        word = STATUS_WORDS.get(status, status)
        if not change.changed:
            return f"You are already {word} for **{title}** ({when}).", None
        return f"You are now {word} for **{title}** ({when}).", change
