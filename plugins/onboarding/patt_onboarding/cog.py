"""The DM conversation: buttons, a select and modals, persistent across bot restarts.

Every component has a fixed ``custom_id`` and the views are registered with
``bot.add_view`` when the cog loads, so a button on a welcome DM sent before a restart
still works; which member and which session is taken from the interaction's user.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from patt_onboarding.config import texts
from patt_onboarding.services import sessions
from sv_common.discord.checks import officer_only

if TYPE_CHECKING:
    from patt_host import HostAPI

log = logging.getLogger("patt.onboarding")
COG_NAME = "Onboarding"


def _cog(interaction: discord.Interaction) -> OnboardingCog:
    cog = interaction.client.get_cog(COG_NAME)  # type: ignore[union-attr]
    assert isinstance(cog, OnboardingCog)
    return cog


class InGuildView(discord.ui.View):
    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(timeout=None)
        self.yes.label, self.no.label = words["in_guild_yes"], words["in_guild_no"]

    @discord.ui.button(custom_id="onboard:in_guild:yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await _cog(interaction).in_guild(interaction, True)

    @discord.ui.button(custom_id="onboard:in_guild:no", style=discord.ButtonStyle.secondary)
    async def no(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await _cog(interaction).in_guild(interaction, False)


class RetryView(discord.ui.View):
    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(timeout=None)
        self.retry.label = words["try_again"]

    @discord.ui.button(custom_id="onboard:main:retry", style=discord.ButtonStyle.primary)
    async def retry(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(MainModal(_cog(interaction).words))


class MainView(discord.ui.View):
    """Asks for the main again when a conversation resumes (a closed modal cannot be reopened)."""

    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(timeout=None)
        self.open.label = words["answer_main"]

    @discord.ui.button(custom_id="onboard:main:open", style=discord.ButtonStyle.primary)
    async def open(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(MainModal(_cog(interaction).words))


class RealmView(discord.ui.View):
    def __init__(self, realms: list[str]) -> None:
        super().__init__(timeout=None)
        self.realm.options = [discord.SelectOption(label=r[:100], value=r[:100]) for r in realms[:25]] or [
            discord.SelectOption(label="-", value="-")
        ]

    @discord.ui.select(custom_id="onboard:main:realm", placeholder="Realm")
    async def realm(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await _cog(interaction).main_answered(interaction, None, select.values[0])


class AltsView(discord.ui.View):
    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(timeout=None)
        self.none.label, self.add.label = words["no_alts"], words["add_alts"]

    @discord.ui.button(custom_id="onboard:alts:none", style=discord.ButtonStyle.success)
    async def none(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await _cog(interaction).alts_answered(interaction, [])

    @discord.ui.button(custom_id="onboard:alts:add", style=discord.ButtonStyle.secondary)
    async def add(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(AltsModal())


class MainModal(discord.ui.Modal):
    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(title=words["ask_main"][:45], custom_id="onboard:main", timeout=None)
        self.name = discord.ui.TextInput(label="Character name", custom_id="name", max_length=50)
        self.realm = discord.ui.TextInput(
            label="Realm (if you know it)", custom_id="realm", max_length=100, required=False
        )
        self.add_item(self.name)
        self.add_item(self.realm)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).main_answered(interaction, self.name.value, self.realm.value or None)


class AltsModal(discord.ui.Modal, title="Your alts"):
    alts = discord.ui.TextInput(
        label="Alt names, separated by commas",
        custom_id="alts",
        style=discord.TextStyle.paragraph,
        max_length=600,
    )

    def __init__(self) -> None:
        super().__init__(custom_id="onboard:alts", timeout=None)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        names = [n for n in self.alts.value.replace("\n", ",").split(",") if n.strip()]
        await _cog(interaction).alts_answered(interaction, names)


class StartOnCooldown(app_commands.CheckFailure):
    """``/onboarding start`` again inside the member's cooldown. A ``CheckFailure``: the bot's
    command tree answers it with the message, ephemerally, and does not log it as an error."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Placeholders(dict):
    """``str.format_map`` values that leave an unknown ``{name}`` as it is, not a KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


async def _start_cooldown(interaction: discord.Interaction) -> bool:
    """The check on ``/onboarding start``: one use per member per ``start_cooldown_seconds``
    (``PATT_ONBOARDING_START_COOLDOWN_SECONDS``); each use may DM them and add a history row."""
    from sv_common.errors import RateLimited

    cog = _cog(interaction)
    try:
        await cog.host.plugin_state("onboarding").start_used(str(interaction.user.id))
    except RateLimited as exc:
        seconds = max(1, math.ceil(exc.retry_after))
        at = discord.utils.format_dt(discord.utils.utcnow() + timedelta(seconds=seconds), "T")
        # A site's text may leave out either placeholder, or name one we do not fill.
        text = cog.words["start_cooldown"].format_map(_Placeholders(wait=_wait_text(seconds), at=at))
        raise StartOnCooldown(text, exc.retry_after) from None
    return True


class OnboardingCog(commands.Cog, name=COG_NAME):
    def __init__(self, bot: commands.Bot, host: HostAPI) -> None:
        self.bot = bot
        self.host = host
        self._resume_task: asyncio.Task | None = None
        self._watch_task: asyncio.Task | None = None
        self._resume_now = asyncio.Event()
        # The switches (on, the settings' updated_at) as the last full check read them.
        self._switches_seen: tuple[bool, datetime | None] | None = None

    @property
    def deadline(self) -> timedelta:
        return timedelta(hours=self.host.plugin_settings("onboarding").deadline_hours)

    @property
    def words(self) -> dict[str, str]:
        return texts(self.host.site.texts.get("onboarding"))

    async def cog_load(self) -> None:
        # Persistent views: components on DMs sent before a restart keep working.
        words = self.words
        for view in (InGuildView(words), RetryView(words), MainView(words), RealmView([]), AltsView(words)):
            self.bot.add_view(view)
        loop = asyncio.get_running_loop()
        self._resume_task = loop.create_task(self._resume_loop(), name="onboarding-resume")
        self._watch_task = loop.create_task(self._watch_switches(), name="onboarding-switch-watch")

    async def cog_unload(self) -> None:
        for task in (self._resume_task, self._watch_task):
            if task is not None:
                task.cancel()

    # -- welcomes that waited ----------------------------------------------------------

    def resume_soon(self) -> None:
        """Check for waiting welcomes now instead of at the next interval (the switches changed)."""
        self._resume_now.set()

    async def _resume_loop(self) -> None:
        # The bot's own check, as the original's: jobs may run in a worker without the bot,
        # and only the bot can send the welcome with its buttons.
        await self.bot.wait_until_ready()
        settings = self.host.plugin_settings("onboarding")
        while True:
            more = False
            try:
                sent, full = await self.resume_waiting()
                more = full and sent > 0
            except Exception:  # the next check tries again; the bot stays up
                log.exception("onboarding: sending the welcomes that waited failed")
            # A full batch that got through may have left others waiting: the next batch comes
            # after a poll interval, not the full one (batches keep the bot from DMing a crowd at
            # once; a batch of failures waits for the full interval).
            timeout = settings.switch_poll_seconds if more else settings.resume_interval_seconds
            try:
                await asyncio.wait_for(self._resume_now.wait(), timeout=timeout)
            except TimeoutError:
                pass
            self._resume_now.clear()

    async def _watch_switches(self) -> None:
        """Start the check soon after the switches were turned on in any process.

        ``discord.config_changed`` reaches only the process that saved the settings; in a
        scale-out the officer saves in a web process and the bot runs alone. So the bot reads
        the settings row every ``switch_poll_seconds`` and wakes the check when the switches
        are on and differ from what the last check read (off then, or saved since: an
        on-off-on between two reads may have left a member waiting). A failed read is logged
        and the next one tries again; the bot stays up.
        """
        await self.bot.wait_until_ready()
        poll = self.host.plugin_settings("onboarding").switch_poll_seconds
        failing = False
        while True:
            await asyncio.sleep(poll)
            try:
                async with self.host.db.session() as session:
                    switches = await self._switches(session)
            except Exception:
                # A database outage would log a traceback a minute: the first one only.
                log.warning("onboarding: reading the DM switches failed", exc_info=not failing)
                failing = True
                continue
            if failing:
                log.info("onboarding: reading the DM switches works again")
                failing = False
            if switches[0] and switches != self._switches_seen:
                self.resume_soon()

    async def _switches(self, session: Any) -> tuple[bool, datetime | None]:
        """Whether onboarding DMs may go out, and when the settings were last saved."""
        from sv_common.discord.config import load_discord_config
        from sv_common.notify.gate import dm_block_reason

        config = await load_discord_config(session)
        return dm_block_reason(config, "onboarding") is None, config.updated_at

    async def resume_waiting(self) -> tuple[int, bool]:
        """Send the welcome to up to ``RESUME_BATCH`` members whose session still waits for it
        (switches permitting); returns how many got it and whether the batch was full. One
        member's failure skips only them, and sends them to the back of the queue."""
        async with self.host.db.session() as session:
            switches = await self._switches(session)
            self._switches_seen = switches  # what the watch compares with
            if not switches[0]:
                return 0, False
            waiting = await sessions.awaiting_welcome(session)
        sent = 0
        for discord_id in waiting:
            try:
                sent += await self._send_welcome(
                    discord_id, notify_officers=True, cause="welcome DM sent (it waited)"
                )
            except discord.HTTPException as exc:
                log.warning("onboarding: the welcome for %s failed: %s", discord_id, exc)
                async with self.host.db.session() as session:
                    await sessions.welcome_failed(session, discord_id)
        if sent:
            log.info("onboarding: sent %d welcome(s) that waited", sent)
        return sent, len(waiting) == sessions.RESUME_BATCH

    # -- start -------------------------------------------------------------------------

    async def welcome(self, discord_id: str) -> None:
        """A member joined: open a session and DM the first question (switches permitting)."""
        async with self.host.db.session() as session:
            onboarding = await sessions.start(session, discord_id, deadline=self.deadline)
            if onboarding is None:
                return
            reason = await self.dm_block_reason(session)
        if reason is not None:
            log.info("onboarding for %s waits: %s", discord_id, reason)
            return  # stays awaiting_dm: resume_waiting sends it once the switches are on
        await self._send_welcome(discord_id, notify_officers=True)

    async def dm_block_reason(self, session: Any) -> str | None:
        """Whether the switches (bot DMs, onboarding DMs) let the conversation go on: the one
        check every DM of the conversation goes through (the outbox asks the same gate)."""
        from sv_common.discord.config import load_discord_config
        from sv_common.notify.gate import dm_block_reason

        return dm_block_reason(await load_discord_config(session), "onboarding")

    def _welcome_embed(self, schedule: str) -> discord.Embed:
        words = self.words
        guild = self.bot.get_guild(self.host.settings.discord_guild_id or 0)
        embed = discord.Embed(
            title=words["welcome_title"].format(guild=guild.name if guild else "the guild"),
            description=words["welcome"],
        )
        if schedule:
            embed.add_field(name="Raid schedule", value=schedule[:1024])  # Discord's field limit
        return embed

    async def _send_welcome(
        self, discord_id: str, *, notify_officers: bool, cause: str = "welcome DM sent"
    ) -> bool:
        """DM the first question to a session in awaiting_dm; False when Discord refused the DM
        (the session is declined, and the officers hear of it when ``notify_officers``) or the
        session had moved on already."""
        from patt_onboarding.services.schedule import schedule_line

        # The raids plugin's real weekly nights, else the site's text (read before the lock).
        schedule = await schedule_line(self.host, self.words)
        # The row stays locked while the DM goes out, so an answer clicked at once waits
        # for the state this records.
        async with self.host.db.session() as session:
            onboarding = await sessions.get_session(session, discord_id, lock=True)
            if onboarding.state != "awaiting_dm":
                return False
            try:
                user = await self.bot.fetch_user(int(discord_id))
                await user.send(embed=self._welcome_embed(schedule), view=InGuildView(self.words))
            except discord.Forbidden as exc:
                await sessions.move(
                    session, onboarding, "declined", f"DMs closed (Discord {exc.status}, code {exc.code})"
                )
                if notify_officers:
                    await self._notify_officers(session, discord_id, onboarding.id)
                return False
            onboarding.dm_sent_at = datetime.now(UTC)
            await sessions.move(session, onboarding, "asked_in_guild", cause)
            return True

    async def _notify_officers(self, session: Any, discord_id: str, session_id: int) -> None:
        from sv_common import notify
        from sv_common.discord.config import load_discord_config

        channel = (await load_discord_config(session)).audit_channel_id
        if channel:
            await notify.post_channel(
                session,
                channel_id=channel,
                content=f"Onboarding: <@{discord_id}> does not accept DMs from the bot; please welcome them by hand.",
                feature="onboarding",
                dedupe_key=f"onboarding-declined:{session_id}:{datetime.now(UTC).isoformat()}",
            )

    # -- answers -----------------------------------------------------------------------

    async def in_guild(self, interaction: discord.Interaction, answer: bool) -> None:
        from sv_common.errors import DomainError

        try:
            async with self.host.db.session() as session:
                onboarding = await sessions.get_session(session, str(interaction.user.id), lock=True)
                await sessions.answer_in_guild(session, onboarding, answer)
        except DomainError as exc:
            await interaction.response.send_message(exc.message)
            return
        await interaction.response.send_modal(MainModal(self.words))

    async def main_answered(
        self, interaction: discord.Interaction, name: str | None, realm: str | None
    ) -> None:
        from sv_common.errors import DomainError

        try:
            content, view = await self._answer_main(str(interaction.user.id), name, realm)
        except DomainError as exc:
            await interaction.response.send_message(exc.message)
            return
        await interaction.response.send_message(content, view=view)

    async def _answer_main(
        self, discord_id: str, name: str | None, realm: str | None
    ) -> tuple[str, discord.ui.View]:
        """Store the main as told; the reply and its buttons (alts, which realm, or try again)."""
        words = self.words
        async with self.host.db.session() as session:
            onboarding = await sessions.get_session(session, discord_id, lock=True)
            name = name or onboarding.reported_main_name or ""
            answer = await sessions.answer_main(session, onboarding, name, realm)
            in_guild = onboarding.is_in_guild
            state = onboarding.state
        shown = sessions.clean_name(name)
        if answer.found is not None:
            realm_name = answer.found.realm_name or answer.found.realm_slug
            text = words["found_main"].format(name=answer.found.character_name, realm=realm_name)
            return text, AltsView(words)
        if answer.matches:
            return words["which_realm"].format(name=shown), RealmView(answer.realms)
        if in_guild is False and state == "asked_alts":
            return words["not_in_guild_yet"].format(name=shown), AltsView(words)
        return words["not_found"].format(name=shown), RetryView(words)

    async def alts_answered(self, interaction: discord.Interaction, alts: list[str]) -> None:
        from sv_common.errors import DomainError

        try:
            await self._answer_alts(str(interaction.user.id), alts)
        except DomainError as exc:
            await interaction.response.send_message(exc.message)
            return
        await interaction.response.defer(thinking=True)
        done = await self.verify_and_provision(str(interaction.user.id), interaction.user.display_name)
        await interaction.edit_original_response(content=done or self.words["waiting"])

    async def _answer_alts(self, discord_id: str, alts: list[str]) -> None:
        async with self.host.db.session() as session:
            onboarding = await sessions.get_session(session, discord_id, lock=True)
            await sessions.answer_alts(session, onboarding, alts, deadline=self.deadline)

    # -- resuming: a DM from the member, or /onboarding start ----------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A member's DM to the bot: a typed answer to the open question, or a nudge that
        resumes a conversation they left (the question is asked again)."""
        if message.guild is not None or message.author.bot:
            return
        from sv_common.errors import DomainError

        try:
            reply = await self.text_answer(
                str(message.author.id), message.content, message.author.display_name
            )
        except DomainError as exc:
            reply = (exc.message, None)
        if reply is not None:
            content, view = reply
            await message.channel.send(content, **({"view": view} if view is not None else {}))

    async def text_answer(
        self, discord_id: str, text: str, display_name: str
    ) -> tuple[str, discord.ui.View | None] | None:
        """What to answer a DM: main as ``Name`` or ``Name-Realm``, alts as a comma list or
        'none'; anything else asks the open question again. None: nothing to say (no
        session, switched off, or closed by an officer)."""
        from sv_common.errors import NotFound

        async with self.host.db.session() as session:
            try:
                state = (await sessions.get_session(session, discord_id)).state
            except NotFound:
                return None
            if await self.dm_block_reason(session) is not None:
                return None
        text = (text or "").strip()
        if state == "asked_main" and text:
            name, _, realm = text.partition("-")
            return await self._answer_main(discord_id, name, realm.strip() or None)
        if state == "asked_alts" and text:
            await self._record_resume(discord_id, "answered by DM")
            names = (
                [] if text.lower() in ("none", "no", "-", "no alts") else text.replace("\n", ",").split(",")
            )
            await self._answer_alts(discord_id, [n for n in names if n.strip()])
            done = await self.verify_and_provision(discord_id, display_name)
            return done or self.words["waiting"], None
        return await self.resume(discord_id, display_name, cause="member wrote by DM")

    async def resume(
        self, discord_id: str, display_name: str, *, cause: str
    ) -> tuple[str, discord.ui.View | None] | None:
        """The open question again, for a member who left the conversation (the welcome DM
        itself for a session that never got one, or was declined: DMs open now)."""
        words = self.words
        async with self.host.db.session() as session:
            onboarding = await sessions.get_session(session, discord_id, lock=True)
            state = onboarding.state
            if state in ("manually_resolved", "dismissed"):
                return None
            if state == "declined":
                await sessions.move(session, onboarding, "awaiting_dm", f"resumed: {cause}")
                state = "awaiting_dm"
        if state == "provisioned":
            return words["resume_done"], None
        if state == "awaiting_dm":
            await self._send_welcome(discord_id, notify_officers=False)
            return None  # the welcome DM is the answer
        await self._record_resume(discord_id, cause)
        if state == "asked_in_guild":
            return words["welcome"], InGuildView(words)
        if state == "asked_main":
            return words["resume_main"], MainView(words)
        if state == "asked_alts":
            return words["resume_alts"], AltsView(words)
        done = await self.verify_and_provision(discord_id, display_name)
        return done or words["waiting"], None

    async def _record_resume(self, discord_id: str, cause: str) -> None:
        """The session's history shows when the member came back (state unchanged)."""
        async with self.host.db.session() as session:
            onboarding = await sessions.get_session(session, discord_id, lock=True)
            await sessions.move(session, onboarding, onboarding.state, f"resumed: {cause}")

    @app_commands.command(name="start", description="Start or carry on your welcome conversation (by DM)")
    @app_commands.check(_start_cooldown)
    async def start(self, interaction: discord.Interaction) -> None:
        from sv_common.errors import DomainError, NotFound

        words = self.words
        discord_id = str(interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.host.db.session() as session:
            blocked = await self.dm_block_reason(session) is not None
        if blocked:
            # Nothing happened: the member may ask again as soon as the switches are on.
            await self.host.plugin_state("onboarding").start_refund(discord_id)
            await interaction.edit_original_response(content=words["resume_off"])
            return
        try:
            async with self.host.db.session() as session:
                try:
                    await sessions.get_session(session, discord_id)
                except NotFound:
                    # Joined before onboarding ran (or the join was missed): start now.
                    await sessions.start(session, discord_id, deadline=self.deadline)
            reply = await self.resume(discord_id, interaction.user.display_name, cause="/onboarding start")
            if reply is not None:
                content, view = reply
                await interaction.user.send(content, **({"view": view} if view is not None else {}))
            async with self.host.db.session() as session:
                state = (await sessions.get_session(session, discord_id)).state
            text = {
                "declined": words["dms_closed"],
                "provisioned": words["resume_done"],
                "manually_resolved": words["resume_done"],
                "dismissed": words["resume_dismissed"],
            }.get(state, words["resume_dm_sent"])
        except NotFound:
            await self.host.plugin_state("onboarding").start_refund(discord_id)  # nothing happened
            text = words["resume_unknown"]
        except discord.Forbidden:
            text = words["dms_closed"]
        except DomainError as exc:
            text = exc.message
        await interaction.edit_original_response(content=text)

    # -- officers: /onboarding status|resolve|dismiss|retry (every reply ephemeral) ------

    @app_commands.command(name="status", description="Open onboarding sessions (officers)")
    @officer_only()
    async def status(self, interaction: discord.Interaction) -> None:
        from patt_onboarding.services.queue import open_queue

        async with self.host.db.session() as session:
            rows = (await open_queue(session))[:20]  # overdue first
        lines = [
            f"<@{r['discord_id']}>: {r['state']}, main {r['main'] or '-'}, "
            f"{r['checks']} check(s){', OVERDUE' if r['overdue'] else ''}"
            for r in rows
        ]
        await interaction.response.send_message(
            "\n".join(lines) or "No open onboarding sessions.", ephemeral=True
        )

    @app_commands.command(name="resolve", description="Link and provision a member by hand (officers)")
    @officer_only()
    async def resolve(self, interaction: discord.Interaction, member: discord.Member) -> None:
        from sv_common.errors import DomainError

        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            text = await self._resolve(str(member.id), member.display_name, interaction.user.display_name)
        except DomainError as exc:
            text = exc.message
        await interaction.edit_original_response(content=text)

    async def _resolve(self, discord_id: str, display_name: str, officer: str) -> str:
        from patt_onboarding.services.provision import resolve

        # The invite goes to the member by DM; the code is in this (ephemeral) reply only
        # when no DM is possible.
        result = await resolve(self.host, self.bot, discord_id, display_name, officer)
        return f"Resolved <@{discord_id}>: {result.summary(self.host)}"

    @app_commands.command(name="dismiss", description="Close a member's onboarding (officers)")
    @officer_only()
    async def dismiss(self, interaction: discord.Interaction, member: discord.Member) -> None:
        from sv_common.errors import DomainError

        try:
            async with self.host.db.session() as session:
                onboarding = await sessions.get_session(session, str(member.id), lock=True)
                await sessions.dismiss(session, onboarding, officer=interaction.user.display_name)
            text = f"Dismissed the onboarding of <@{member.id}>."
        except DomainError as exc:
            text = exc.message
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="retry", description="Verify a waiting member again (officers)")
    @officer_only()
    async def retry(self, interaction: discord.Interaction, member: discord.Member) -> None:
        from sv_common.errors import DomainError

        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            async with self.host.db.session() as session:
                state = (await sessions.get_session(session, str(member.id))).state
            if state != "pending_verification":
                text = f"<@{member.id}> is not waiting for verification ({state})."
            else:
                from patt_onboarding.services.provision import recheck_member, recheck_text

                # The member hears it by DM (with the invite), as after a scheduled check.
                status = await recheck_member(self.host, self.bot, str(member.id), member.display_name)
                text = recheck_text(status) if status is None else f"<@{member.id}>: {recheck_text(status)}"
        except DomainError as exc:
            text = exc.message
        await interaction.edit_original_response(content=text)

    async def verify_and_provision(self, discord_id: str, display_name: str) -> str | None:
        from patt_onboarding.services.provision import verify_and_provision

        return await verify_and_provision(self.host, self.bot, discord_id, display_name)


async def cog_for(host: HostAPI) -> Any:
    bot = getattr(host, "bot", None)
    return bot.get_cog(COG_NAME) if bot is not None else None
