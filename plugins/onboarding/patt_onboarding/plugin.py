"""Onboarding: the manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import CronJob, Job, MenuLink, hookimpl
from patt_onboarding.config import OnboardingSettings

# Named by where they live: the jobs' code is imported when a job runs, not with the plugin.
RECHECK = Job(
    "patt_onboarding.jobs:recheck", description="Verify waiting members against the roster", exclusive=True
)
ESCALATE = Job(
    "patt_onboarding.jobs:escalate",
    description="Tell the officers about overdue onboarding, once",
    exclusive=True,
)


def _state(host, settings):
    # Imported on first use (the bot's /onboarding start): every process imports plugin.py.
    from patt_onboarding.state import OnboardingState

    return OnboardingState(host, settings)


class OnboardingPlugin:
    name = "onboarding"
    requires = ("identity", "guild_sync")  # players and characters; the roster comes from guild_sync
    settings_model = OnboardingSettings
    state_factory = staticmethod(_state)

    @hookimpl
    def discord_intents(self, host):
        # Joins arrive as GUILD_MEMBER_ADD (members intent); answers as interactions and DMs.
        return {"members": True, "dm_messages": True}

    @hookimpl
    def discord_cogs(self, bot, host):
        from patt_onboarding.cog import OnboardingCog

        return [OnboardingCog(bot, host)]

    @hookimpl
    def register_routers(self, host):
        from patt_onboarding import api, pages

        return [api.router, pages.router]

    @hookimpl
    def admin_menu_links(self):
        return [MenuLink("Onboarding", "/admin/onboarding", order=160)]

    @hookimpl
    async def admin_dashboard_items(self, host):
        from patt_onboarding.pages import dashboard_items

        return await dashboard_items(host)

    @hookimpl
    async def template_slot(self, slot, request, context, host):
        if slot != "admin_discord":  # the Discord settings page: the queue counts
            return None
        from patt_onboarding.pages import discord_counts

        return await discord_counts(request, host)

    @hookimpl
    def register_jobs(self):
        return [RECHECK, ESCALATE]

    @hookimpl
    def register_cron_jobs(self, host):
        return [CronJob(RECHECK, "*/30 * * * *"), CronJob(ESCALATE, "*/30 * * * *")]

    @hookimpl
    def adopt_steps(self):
        from patt_onboarding.adopt import steps

        return steps()

    @hookimpl
    async def handle_event(self, event, host):
        if event.name == "roster.synced":  # a member who was not in the guild yet may be now
            from patt_host.jobs import trigger_job

            await trigger_job(host, "onboarding.recheck", triggered_by="roster.synced")
        elif event.name == "discord.config_changed":  # the DM switches may be on now
            from patt_onboarding.cog import cog_for

            cog = await cog_for(host)
            if cog is not None:
                cog.resume_soon()
        elif event.name == "member.joined":
            from patt_onboarding.cog import cog_for

            cog = await cog_for(host)
            if cog is not None:  # only the bot process can talk to the member
                await cog.welcome(str(event.data["discord_id"]))

    @hookimpl
    def register_commands(self, host):
        from patt_onboarding.cli import build_group

        return build_group(host)

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_onboarding.member_data import export_onboarding

        return await export_onboarding(session, player_id)

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_onboarding.member_data import delete_onboarding

        return await delete_onboarding(session, player_id)

    @hookimpl
    async def seed_demo_data(self, session, host):
        from patt_onboarding.demo import seed_demo_sessions

        return await seed_demo_sessions(session, host)
