"""The voting plugin's manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import CronJob, Job, MenuLink, Permission, hookimpl
from patt_voting.config import VotingSettings
from patt_voting.state import VotingState


class VotingPlugin:
    name = "voting"
    requires = ("identity",)
    settings_model = VotingSettings
    state_factory = VotingState

    @hookimpl
    def register_routers(self, host):
        from patt_voting import api, pages

        return [api.public_router(), api.admin_router(), pages.build_router(), pages.admin_router()]

    @hookimpl
    def template_slot(self, slot, request, context, host):
        from patt_voting.pages import home_slot

        return home_slot(slot, request, context, host)

    # Last: the campaigns need the guild's ranked members, which on the PATT site only exist once
    # guild sync has linked their characters.
    @hookimpl
    def adopt_steps(self):
        from patt_voting.adopt import steps

        return steps()

    @hookimpl(trylast=True)
    async def seed_demo_data(self, session, host):
        from patt_voting.demo import seed_demo_campaigns

        return await seed_demo_campaigns(session, host)

    @hookimpl
    def menu_links(self, host):
        label = (host.site.texts.get("voting") or {}).get("menu_label", "Vote")
        return [MenuLink(label, "/vote", order=30)]

    @hookimpl
    def admin_menu_links(self):
        return [MenuLink("Campaigns", "/admin/campaigns", order=200)]

    @hookimpl
    def permissions(self, host):
        level = host.officer_level
        return [
            Permission(
                "voting.manage_campaigns", level, "Create, edit, activate, close and delete campaigns"
            ),
            Permission("voting.turnout", level, "See live turnout (counts only, never choices)"),
        ]

    @hookimpl
    def register_cron_jobs(self, host):
        every_minutes = host.plugin_settings("voting").check_every_minutes
        job = Job(
            "patt_voting.jobs:check_campaigns",
            description="Start/close campaigns on schedule and post contest-agent milestones",
            exclusive=True,
            timeout_seconds=300,
        )
        schedule = "* * * * *" if every_minutes == 1 else f"*/{every_minutes} * * * *"
        return [CronJob(job, schedule)]

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_voting.member_data import export_voting

        return await export_voting(session, player_id)

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_voting.member_data import delete_voting

        return await delete_voting(session, player_id)

    @hookimpl
    def register_commands(self):
        from patt_voting.cli import build_cli

        return build_cli()
