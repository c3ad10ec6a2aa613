"""Crafting Corner: the manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_crafting.config import CraftingSettings
from patt_host import CronJob, Job, MenuLink, Permission, hookimpl


def _sync_job() -> Job:
    return Job(
        "patt_crafting.jobs:sync_professions",
        description="Sync every guild character's professions and recipes from Blizzard (crafting)",
        exclusive=True,
        timeout_seconds=3 * 3600,
    )


def _scheduled(host) -> bool:
    """Whether the sync runs on its cron, as guild_sync decides for the roster sync: without
    Blizzard credentials a cron run could only fail, but `patt demo` serves a fake Battle.net
    (its admin page then shows a next sync the Jobs page agrees with)."""
    return host.plugin_settings("guild_sync").configured or host.settings.patt_demo


class CraftingPlugin:
    name = "crafting"
    # Players and logins come from identity; the Blizzard credentials, guild and request
    # budget from guild_sync (whose roster sync fills the characters this sync reads).
    requires = ("identity", "guild_sync")
    settings_model = CraftingSettings

    @hookimpl
    def register_routers(self, host):
        from patt_crafting import api, pages

        return [api.router, api.admin_router, pages.router]

    @hookimpl
    def menu_links(self):
        return [MenuLink("Crafting", "/crafting", order=40)]

    @hookimpl
    def admin_menu_links(self):
        # Seasons set the sync's cadence; the host serves their page (sv_common's table).
        return [
            MenuLink("Crafting", "/admin/crafting", order=150),
            MenuLink("Seasons", "/admin/seasons", order=170),
        ]

    @hookimpl
    def permissions(self, host):
        level = host.officer_level
        return [
            Permission(
                "crafting.admin", level, "Crafting: force a sync, set the cadence override and the channel"
            ),
        ]

    @hookimpl
    def register_jobs(self, host):
        if _scheduled(host):
            return []  # registered through its cron entry
        return [_sync_job()]

    @hookimpl
    def register_cron_jobs(self, host):
        if not _scheduled(host):
            return []
        return [CronJob(_sync_job(), schedule=host.plugin_settings("crafting").schedule)]

    @hookimpl
    def discord_cogs(self, bot, host):
        from patt_crafting.cog import CraftingCog

        return [CraftingCog(bot, host)]

    @hookimpl
    async def template_slot(self, slot, request, context, host):
        if slot != "profile_sections" or context.get("actor") is None:
            return None
        from patt_crafting.pages import profile_section

        return await profile_section(request, context, host)

    @hookimpl
    async def startup(self, host):
        if host.settings.patt_demo:  # after guild_sync's: its fake Battle.net is running
            from patt_crafting.demo import serve_demo_professions

            serve_demo_professions(host)

    @hookimpl
    async def seed_demo_data(self, session, host):
        from patt_crafting.demo import seed_demo_crafting

        return await seed_demo_crafting(session, host)

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_crafting.member_data import export_crafting

        return await export_crafting(session, player_id)

    @hookimpl
    def adopt_steps(self):
        from patt_crafting.adopt import steps

        return steps()

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_crafting.member_data import delete_crafting

        return await delete_crafting(session, player_id)
