"""Onboarding: the manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import CronJob, hookimpl
from patt_onboarding.config import OnboardingSettings


class OnboardingPlugin:
    name = "onboarding"
    requires = ("identity", "guild_sync")  # players and characters; the roster comes from guild_sync
    settings_model = OnboardingSettings

    @hookimpl
    def discord_intents(self, host):
        # Joins arrive as GUILD_MEMBER_ADD (members intent); answers come as interactions.
        return {"members": True, "dm_messages": True}

    @hookimpl
    def discord_cogs(self, bot, host):
        from patt_onboarding.cog import OnboardingCog

        return [OnboardingCog(bot, host)]

    @hookimpl
    def register_jobs(self):
        from patt_onboarding.jobs import ESCALATE, RECHECK

        return [RECHECK, ESCALATE]

    @hookimpl
    def register_cron_jobs(self, host):
        from patt_onboarding.jobs import ESCALATE, RECHECK

        return [CronJob(RECHECK, "*/30 * * * *"), CronJob(ESCALATE, "*/30 * * * *")]

    @hookimpl
    async def handle_event(self, event, host):
        if event.name == "roster.synced":  # a member who was not in the guild yet may be now
            from patt_host.jobs import trigger_job

            await trigger_job(host, "onboarding.recheck", triggered_by="roster.synced")
        elif event.name == "member.joined":
            from patt_onboarding.cog import cog_for

            cog = await cog_for(host)
            if cog is not None:  # only the bot process can talk to the member
                await cog.welcome(str(event.data["discord_id"]))
