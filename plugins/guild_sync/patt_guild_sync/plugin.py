"""The guild-sync plugin's manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_guild_sync.config import GuildSyncSettings
from patt_guild_sync.state import GuildSyncState
from patt_host import CronJob, HealthCheck, Job, MenuLink, Permission, hookimpl


class GuildSyncPlugin:
    name = "guild_sync"
    requires = ("identity",)
    settings_model = GuildSyncSettings
    state_factory = GuildSyncState

    @hookimpl
    def register_routers(self, host):
        from patt_guild_sync import api, pages

        return [api.upload_router(), api.admin_router(), pages.build_router()]

    @hookimpl
    def admin_menu_links(self):
        return [MenuLink("Guild sync", "/admin/guild-sync", order=140)]

    @hookimpl
    def permissions(self, host):
        level = host.officer_level
        return [
            Permission("guild_sync.trigger", level, "Start a roster sync, confirm pending removals"),
            Permission("guild_sync.api_keys", level, "Create and revoke companion upload keys"),
        ]

    @hookimpl
    def register_cron_jobs(self, host):
        settings = host.plugin_settings("guild_sync")
        job = Job(
            "patt_guild_sync.jobs:sync_roster",
            description="Sync the guild roster and character profiles from Blizzard",
            exclusive=True,
        )
        # Without credentials the job stays manual: a cron run could only fail. `patt demo`
        # serves a fake Battle.net (see startup), so its schedule is real.
        if settings.configured or host.settings.patt_demo:
            return [CronJob(job, schedule=settings.schedule)]
        return []

    @hookimpl
    def register_jobs(self, host):
        settings = host.plugin_settings("guild_sync")
        if settings.configured or host.settings.patt_demo:
            return []
        return [
            Job(
                "patt_guild_sync.jobs:sync_roster",
                description="Sync the guild roster from Blizzard (not configured)",
                exclusive=True,
            )
        ]

    @hookimpl
    async def startup(self, host):
        if host.settings.patt_demo:
            from patt_guild_sync.demo import start_demo_battlenet

            await start_demo_battlenet(host)

    @hookimpl
    async def shutdown(self, host):
        if host.settings.patt_demo:
            from patt_guild_sync.demo import stop_demo_battlenet

            await stop_demo_battlenet(host)

    @hookimpl
    def health_checks(self, host):
        from patt_guild_sync.services.health import sync_health

        return [HealthCheck("blizzard", sync_health)]

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_guild_sync.member_data import export_guild_sync

        return await export_guild_sync(session, player_id)

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_guild_sync.member_data import delete_guild_sync

        return await delete_guild_sync(session, player_id)

    @hookimpl
    def adopt_steps(self):
        from patt_guild_sync.adopt import steps

        return steps()

    @hookimpl
    async def seed_demo_data(self, session, host):
        from patt_guild_sync.demo import seed_demo_sync

        return await seed_demo_sync(session, host)
