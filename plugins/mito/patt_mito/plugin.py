"""Mito's corner: the manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import CronJob, Job, MenuLink, Permission, hookimpl
from patt_mito.config import MitoSettings

# One Job object for register_jobs and the daily CronJob. It names its function by where it
# lives ("module:function"): the host imports patt_mito.jobs when the job first runs, so a
# process that never runs it never loads it.
DAILY = Job(
    "patt_mito.jobs:post_daily_quote",
    description="Post the day's Mito quote to the configured channel",
    exclusive=True,
)


class MitoPlugin:
    name = "mito"
    requires = ("identity",)  # officers and members come from identity's players
    settings_model = MitoSettings

    @hookimpl
    def register_routers(self, host):
        from patt_mito import api, pages

        return [api.router, pages.router]

    @hookimpl
    def menu_links(self):
        return [MenuLink("Mito's corner", "/mito", order=60)]

    @hookimpl
    def permissions(self, host):
        return [
            Permission("mito.edit", host.officer_level, "Add, change and delete Mito's quotes and titles")
        ]

    @hookimpl
    async def template_slot(self, slot, request, host):
        # The site's home page has a `home_quote` slot (falling back to `home`); a home page
        # with only the generic `home` slot gets the quote there. The host asks once per page.
        if slot not in ("home_quote", "home"):
            return None
        from patt_mito.pages import home_quote

        return await home_quote(request, host)

    @hookimpl
    def register_jobs(self):
        return [DAILY]

    @hookimpl
    def register_cron_jobs(self, host):
        if host.plugin_settings("mito").daily_channel_id is None:
            return []
        return [CronJob(DAILY, host.plugin_settings("mito").daily_schedule)]

    @hookimpl
    def discord_cogs(self, host):
        from patt_mito.cog import MitoCog

        return [MitoCog(host)]

    @hookimpl
    def register_commands(self, host):
        from patt_mito.cli import build_group

        return build_group(host)

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_mito import member_data

        return await member_data.export_player(session, player_id)

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_mito import member_data

        return await member_data.forget_player(session, player_id)

    @hookimpl
    def adopt_steps(self):
        from patt_mito.adopt import steps

        return steps()

    @hookimpl
    async def seed_demo_data(self, session):
        from patt_mito import demo

        return await demo.seed_demo(session)
