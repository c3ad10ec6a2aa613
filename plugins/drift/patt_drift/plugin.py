"""The drift plugin's manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_drift.config import DriftSettings
from patt_host import CronJob, Job, MenuLink, Permission, hookimpl

# Named by where they live: the jobs' code is imported when a job runs, not with the plugin.
SCAN = Job(
    "patt_drift.jobs:scan", description="Data-quality scan: every rule, automatic fixes, audit-channel report"
)
MITIGATE = Job(
    "patt_drift.jobs:mitigate", description="Apply confirmed data-quality fixes (finding_ids or rule)"
)


def _state(host, settings):
    # Imported on first use: every process imports plugin.py, few need the state.
    from patt_drift.state import DriftState

    return DriftState(host, settings)


class DriftPlugin:
    name = "drift"
    requires = ("identity",)  # players, characters, Discord users; guild_sync and Discord when present
    settings_model = DriftSettings
    state_factory = staticmethod(_state)

    @hookimpl
    def data_quality_rules(self, host):
        from patt_drift.services.rules import builtin_rules

        return builtin_rules({p.name for p in host.plugins})

    @hookimpl
    def register_routers(self, host):
        from patt_drift import api, pages

        return [api.build_router(), pages.build_router()]

    @hookimpl
    def admin_menu_links(self):
        return [MenuLink("Data quality", "/admin/data-quality", order=150)]

    @hookimpl
    async def admin_dashboard_items(self, host):
        from patt_drift.services.dashboard import dashboard_items

        return await dashboard_items(host)

    @hookimpl
    def permissions(self, host):
        return [
            Permission(
                "drift.findings", host.officer_level, "See data-quality findings, fix, dismiss, resolve, scan"
            )
        ]

    @hookimpl
    def register_jobs(self):
        return [SCAN, MITIGATE]

    @hookimpl
    def register_cron_jobs(self, host):
        return [CronJob(SCAN, host.plugin_settings("drift").schedule)]

    @hookimpl
    async def handle_event(self, event, host):
        from patt_drift.jobs import on_event

        await on_event(event, host)

    @hookimpl
    def register_commands(self, host):
        from patt_drift.cli import build_group

        return build_group(host)

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_drift.member_data import export_drift

        return await export_drift(session, player_id)

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_drift.member_data import delete_drift

        return await delete_drift(session, player_id)

    # Last: the findings are about the demo guild, which the other plugins seed first.
    @hookimpl
    def adopt_steps(self):
        from patt_drift.adopt import steps

        return steps()

    @hookimpl(trylast=True)
    async def seed_demo_data(self, session, host):
        from patt_drift.demo import seed_demo_findings

        return await seed_demo_findings(session, host)
