"""The built-in ``discord`` plugin: the platform's Discord layer for every site.

Member sync (gateway events + a periodic full sync), role sync through the rank
mapping, the channel table, the notification outbox worker, their admin pages and
health check. Everything works (and says it is off) without ``DISCORD_BOT_TOKEN``.
The logic lives in ``sv_common.discord`` and ``sv_common.notify``; this is the wiring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from patt_host.builtins.discord import jobs
from patt_host.builtins.discord.runtime import DiscordRuntime, DiscordSettings
from patt_host.hookspecs import hookimpl
from patt_host.types import DashboardItem, HealthCheck, HealthResult, MenuLink, Permission
from sv_common import notify

if TYPE_CHECKING:
    from patt_host.api import HostAPI


STALE_PENDING_SECONDS = 15 * 60


async def check_notifications(host: HostAPI) -> HealthResult:
    """Queue health: 'off' without a token, 'degraded' when messages wait too long."""
    from sv_common.notify.service import oldest_pending_age_seconds

    async with host.db.session() as session:
        counts = await notify.status_counts(session)
        age = await oldest_pending_age_seconds(session)
    detail = f"{counts['pending']} pending, {counts['failed']} failed"
    if host.settings.discord_bot_token is None:
        return HealthResult("off", f"DISCORD_BOT_TOKEN not set; {detail}")
    if age is not None and age > STALE_PENDING_SECONDS:
        return HealthResult("degraded", f"{detail}; oldest pending {int(age // 60)} min")
    return HealthResult("ok", detail)


async def dashboard_items(host: HostAPI) -> list[DashboardItem]:
    """Failed notifications (officers retry or read why on the outbox page) and the last member sync."""
    from sqlalchemy import func, select

    from patt_host.web.templates import human_time
    from sv_common.identity.models import DiscordUser

    async with host.db.session() as session:
        counts = await notify.status_counts(session)
        last_sync = await session.scalar(select(func.max(DiscordUser.last_sync)))
    off = host.settings.discord_bot_token is None
    return [
        DashboardItem(
            "Failed Discord notifications",
            counts["failed"],
            "/admin/notifications",
            severity="danger" if counts["failed"] else "ok",
            detail=f"{counts['pending']} waiting" + (" · bot off" if off else ""),
            order=300,
        ),
        DashboardItem(
            "Last Discord member sync",
            human_time(last_sync, "relative") if last_sync else "never",
            "/admin/discord",
            severity="ok" if last_sync else ("info" if off else "warn"),
            detail="the bot is off (DISCORD_BOT_TOKEN)" if off else "",
            order=310,
        ),
    ]


class DiscordPlugin:
    name = "discord"

    def __init__(self) -> None:
        # Built-ins get no settings from the loader; the plugin keeps its own.
        self.settings = DiscordSettings()
        self._runtime: DiscordRuntime | None = None

    def runtime(self, host: HostAPI) -> DiscordRuntime:
        if self._runtime is None:
            self._runtime = DiscordRuntime(host, self.settings)
        return self._runtime

    @hookimpl
    async def admin_dashboard_items(self, host):
        return await dashboard_items(host)

    @hookimpl
    def startup(self, host):
        runtime = self.runtime(host)
        if runtime.enabled:
            notify.set_delivery_trigger(runtime.kick_delivery)

    @hookimpl
    async def shutdown(self, host):
        runtime = self.runtime(host)
        from sv_common.notify.trigger import delivery_trigger

        if delivery_trigger() == runtime.kick_delivery:
            notify.set_delivery_trigger(None)
        await runtime.close()

    @hookimpl
    def discord_intents(self, host):
        # Member sync needs the privileged members intent; without a token there is no bot to ask for it.
        return {"members": True} if host.settings.discord_bot_token is not None else None

    @hookimpl
    def discord_cogs(self, bot, host):
        from patt_host.builtins.discord.cog import DiscordSyncCog

        return [DiscordSyncCog(host, self.runtime(host))]

    @hookimpl
    def register_jobs(self):
        return jobs.jobs()

    @hookimpl
    def register_cron_jobs(self, host):
        # Without a token the schedules would only record empty runs every minute.
        return jobs.cron_jobs() if host.settings.discord_bot_token is not None else []

    @hookimpl
    def register_routers(self, host):
        from patt_host.builtins.discord.pages import build_routers

        return build_routers(host, self)

    @hookimpl
    def admin_menu_links(self):
        return [
            MenuLink("Discord", "/admin/discord", order=700),
            MenuLink("Notifications", "/admin/notifications", order=710),
        ]

    @hookimpl
    def permissions(self, host):
        return [
            Permission("discord.admin", host.officer_level, "See and change Discord settings, run syncs"),
            Permission("discord.notifications", host.officer_level, "See the notification outbox and retry"),
        ]

    @hookimpl
    def health_checks(self):
        return [HealthCheck("notifications", check_notifications)]

    @hookimpl
    async def export_member_data(self, session, player_id):
        rows = await notify.list_notifications_for_player(session, player_id)
        return {"notifications": [notify.notification_dict(r) for r in rows]} if rows else None

    @hookimpl
    async def delete_member_data(self, session, player_id):
        return await notify.delete_notifications_for_player(session, player_id)
