"""Raids: the manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import CronJob, Job, MenuLink, Permission, hookimpl
from patt_raids.config import RaidsSettings
from patt_raids.state import RaidsState

# Named by where they live: the jobs' code is imported when a job runs, not with the plugin.
REMINDERS = Job(
    "patt_raids.jobs:send_reminders", description="DM members still tentative before a raid (once per event)"
)
RAID_HELPER_SYNC = Job(
    "patt_raids.jobs:raid_helper_sync",
    description="Create raid events and post each signup in Raid-Helper (optional connector)",
    exclusive=True,
    timeout_seconds=600,
)
# Not exclusive on purpose: the unique (recurring_event_id, event_date) is what makes a booking
# happen once, and a second worker's run is harmless.
BOOKING = Job(
    "patt_raids.jobs:book_events", description="Book next week's raid events from the weekly schedule"
)


def _raid_helper_on(host) -> bool:
    # Read from the settings alone: the client (httpx) loads only when the connector runs.
    # `patt demo` runs it against its fake Raid-Helper when none is configured (see startup).
    return host.plugin_settings("raids").raid_helper_configured or host.settings.patt_demo


class RaidsPlugin:
    name = "raids"
    # Players, ranks, characters and members' availability come from identity.
    requires = ("identity",)
    settings_model = RaidsSettings
    state_factory = RaidsState

    @hookimpl
    def register_routers(self, host):
        from patt_raids import api, pages

        return [api.router, api.admin_router, pages.router]

    @hookimpl
    def menu_links(self):
        return [MenuLink("Raids", "/raids", order=35, min_rank_level=0)]

    @hookimpl
    def admin_menu_links(self):
        return [
            MenuLink("Raids", "/admin/raids", order=120),
            MenuLink("Availability", "/admin/raids/availability", order=121),
            MenuLink("Seasons", "/admin/seasons", order=170),  # events are booked into them (host page)
        ]

    @hookimpl
    def permissions(self, host):
        level = host.officer_level
        return [
            Permission(
                "raids.admin", level, "Raids: availability, recurring events, raid events, attendance"
            ),
        ]

    # --- Discord signups, the reminder DM, Raid-Helper (cog.py, services/reactions.py) ---

    @hookimpl
    def discord_cogs(self, bot, host):
        from patt_raids.cog import RaidsCog

        return [RaidsCog(bot, host)]

    @hookimpl
    async def handle_event(self, event, host):
        if event.name.startswith("raids.") or event.name == "discord.members_synced":
            from patt_raids.services.reactions import on_event

            await on_event(event, host)

    @hookimpl
    def register_jobs(self, host):
        # With the connector on, the sync is registered through its cron entry (the retry pass);
        # the booking job through its cron entry always.
        return [] if _raid_helper_on(host) else [RAID_HELPER_SYNC]

    @hookimpl
    def register_cron_jobs(self, host):
        settings = host.plugin_settings("raids")
        cron = [
            CronJob(BOOKING, settings.booking_schedule),
            CronJob(REMINDERS, settings.reminder_schedule),
        ]
        if _raid_helper_on(host):
            cron.append(CronJob(RAID_HELPER_SYNC, settings.raid_helper_schedule))
        return cron

    @hookimpl
    async def startup(self, host, app):
        # `patt demo` without a real Raid-Helper: the connector talks to an in-process fake.
        if host.settings.patt_demo:
            from patt_raids.demo import start_demo_raid_helper

            await start_demo_raid_helper(host, serving=app is not None)

    @hookimpl
    async def shutdown(self, host):
        if host.settings.patt_demo:
            from patt_raids.demo import stop_demo_raid_helper

            await stop_demo_raid_helper(host)

    # --- pages' slots, the schedule line, member data, demo ---

    @hookimpl
    async def template_slot(self, slot, request, context, host):
        if slot == "home_schedule":
            from patt_raids.pages import home_schedule

            return await home_schedule(request, host)
        if slot == "profile_sections" and context.get("actor") is not None:
            from patt_raids.pages import profile_section

            return await profile_section(request, context, host)
        if slot == "admin_players":
            from patt_raids.pages import player_manager_attendance

            return await player_manager_attendance(request)
        return None

    @hookimpl
    async def schedule_summary(self, session, host):
        # The weekly nights in one line (onboarding's welcome DM), in the guild's zone.
        from patt_raids.services.schedule import guild_timezone, schedule_summary

        return await schedule_summary(session, await guild_timezone(host))

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_raids.member_data import export_raids

        return await export_raids(session, player_id)

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_raids.member_data import delete_raids

        return await delete_raids(session, player_id)

    @hookimpl
    async def seed_demo_data(self, session, host):
        from patt_raids.demo import seed_demo_raids

        return await seed_demo_raids(session, host)

    @hookimpl
    def adopt_steps(self):
        from patt_raids.adopt import steps

        return steps()
