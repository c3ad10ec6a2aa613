"""Raids: the manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import CronJob, Permission, hookimpl
from patt_raids.config import RaidsSettings


class RaidsPlugin:
    name = "raids"
    # Players, ranks, characters and members' availability come from identity.
    requires = ("identity",)
    settings_model = RaidsSettings

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
        from patt_raids import jobs

        # With the connector on, the sync is registered through its cron entry (the retry pass).
        return [] if jobs.raid_helper_on(host) else [jobs.raid_helper_job()]

    @hookimpl
    def register_cron_jobs(self, host):
        from patt_raids import jobs

        settings = host.plugin_settings("raids")
        cron = [CronJob(jobs.reminders_job(), settings.reminder_schedule)]
        if jobs.raid_helper_on(host):
            cron.append(CronJob(jobs.raid_helper_job(), settings.raid_helper_schedule))
        return cron
