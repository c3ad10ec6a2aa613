"""Officer pages and API of the built-in ``discord`` plugin.

Pages: ``/admin/discord`` (bot, settings, role sync plan/result, channels) and
``/admin/notifications`` (the outbox, retry). API under ``/api/v1/discord`` and
``/api/v1/notifications``. Every route requires an officer.
"""

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict

from patt_host.api import HostAPI
from patt_host.builtins.discord.demo import role_log, sent_log
from patt_host.builtins.discord.overview import bot_state, outbox_recipients, overview
from patt_host.web.auth import Officer, require_officer
from patt_host.web.envelope import ok
from patt_host.web.templates import render
from sv_common import notify
from sv_common.discord.channel_sync import channel_dict, list_channels
from sv_common.discord.client import DiscordUnavailable
from sv_common.discord.config import update_discord_config
from sv_common.discord.operations import run_role_sync
from sv_common.discord.role_sync import recent_runs, run_dict
from sv_common.errors import NotConfigured, ServiceUnavailable
from sv_common.notify.models import EDIT_OF
from sv_common.validation import INT32_MAX, JsonBool, JsonInt


class ConfigUpdate(BaseModel):
    """Only the fields sent are changed; ``dm_features`` maps feature -> on/off."""

    model_config = ConfigDict(extra="forbid")

    guild_discord_id: str | None = None
    role_sync_mode: str | None = None
    role_sync_interval_hours: JsonInt | None = None
    default_announcement_channel_id: str | None = None
    audit_channel_id: str | None = None
    bot_dm_enabled: JsonBool | None = None
    dm_features: dict[str, JsonBool] | None = None

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(exclude_unset=True)
        features = sent.pop("dm_features", None) or {}
        for name, value in features.items():
            sent[f"feature_{name}_dm"] = value
        return sent


def build_routers(host: HostAPI, plugin: Any) -> list[APIRouter]:
    pages = APIRouter(dependencies=[Depends(require_officer)], include_in_schema=False)
    api = APIRouter(prefix="/api/v1/discord", tags=["discord"])
    outbox = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])

    def runtime():
        return plugin.runtime(host)

    @pages.get("/admin/discord", name="discord.admin")
    async def discord_page(request: Request):
        async with host.db.session() as session:
            data = await overview(host, session)
        return await render(request, "discord/discord.html", {"discord": data})

    @pages.get("/admin/discord/sent", name="discord.sent")
    async def sent_page(request: Request):
        """What the bot sent to the in-process fake Discord of ``patt demo`` (elsewhere: a pointer
        to the outbox, which records every message sent to the real Discord)."""
        demo = host.demo_discord
        fake = demo.fake if demo is not None else None
        context = {
            "demo": fake is not None,
            "messages": sent_log(fake) if fake is not None else [],
            "roles": role_log(fake) if fake is not None else [],
        }
        return await render(request, "discord/sent.html", context)

    @pages.get("/admin/notifications", name="discord.notifications")
    async def notifications_page(request: Request, status: str | None = None):
        async with host.db.session() as session:
            rows = [
                # An edit names the post it changes (its row above or on an earlier page).
                {
                    **notify.notification_dict(r),
                    "edit_of": (r.payload or {}).get(EDIT_OF) if r.kind == "edit" else None,
                }
                for r in await notify.list_notifications(session, status=status)
            ]
            counts = await notify.status_counts(session)
            names = await outbox_recipients(session, rows)
        context = {
            "rows": rows,
            "names": names,
            "counts": counts,
            "status_filter": status,
            "bot": bot_state(host),
        }
        return await render(request, "discord/notifications.html", context)

    @api.get("/status", name="discord.status")
    async def status(actor: Officer):
        async with host.db.session() as session:
            return ok(await overview(host, session))

    @api.patch("/config", name="discord.update_config")
    async def update_config(actor: Officer, body: ConfigUpdate):
        changes = body.changes()
        async with host.db.session() as session:
            await update_discord_config(session, **changes)
            data = await overview(host, session)
        # After the commit: a plugin reacting to the switches reads the saved settings.
        await host.emit("discord.config_changed", fields=sorted(changes))
        return ok(data["config"])

    @api.get("/channels", name="discord.channels")
    async def channels(actor: Officer, postable: bool = False):
        async with host.db.session() as session:
            return ok([channel_dict(c) for c in await list_channels(session, postable_only=postable)])

    @api.get("/role-sync/runs", name="discord.role_sync_runs")
    async def role_sync_runs(actor: Officer, limit: int = Query(20, ge=1, le=100)):
        async with host.db.session() as session:
            return ok([run_dict(r, plan_limit=50) for r in await recent_runs(session, limit)])

    @api.post("/role-sync/dry-run", name="discord.role_sync_dry_run")
    async def role_sync_dry_run(actor: Officer):
        """Compute (and record) the to_discord plan now; nothing is sent to Discord."""
        rt = runtime()
        if not rt.enabled:
            raise NotConfigured("The Discord bot is off (DISCORD_BOT_TOKEN is not set).", code="bot_off")
        guild_id = await rt.guild_id()
        if guild_id is None:
            raise NotConfigured("No Discord server is configured (DISCORD_GUILD_ID).", code="no_guild")
        try:
            async with rt.client() as client:
                run = await run_role_sync(
                    host.db,
                    client,
                    guild_id,
                    mode="to_discord",
                    dry_run=True,
                    triggered_by=actor.display_name,
                    emit=host.emit,
                )
        except DiscordUnavailable as exc:
            raise ServiceUnavailable(str(exc), code="discord_unavailable") from exc
        return ok(run_dict(run))

    @outbox.get("", name="discord.notifications_api")
    async def list_outbox(actor: Officer, status: str | None = None, limit: int = Query(100, ge=1, le=500)):
        async with host.db.session() as session:
            rows = await notify.list_notifications(session, status=status, limit=limit)
            return ok([notify.notification_dict(r) for r in rows])

    @outbox.post("/{notification_id}/retry", name="discord.retry_notification")
    async def retry(actor: Officer, notification_id: int = Path(ge=1, le=INT32_MAX)):
        async with host.db.session() as session:
            row = await notify.retry_notification(session, notification_id)
            data = notify.notification_dict(row)
        return ok(data)

    @outbox.post("/flush", name="discord.flush_notifications")
    async def flush(actor: Officer):
        """Send every pending notification now, ignoring retry backoff, and say what happened:
        ``{job_run_id, status, sent, failed, retrying, skipped, unreachable}`` of the delivery
        run (``status`` "skipped": another delivery run was sending at that moment). A run still
        sending after ``flush_wait_seconds`` (a paced backlog can take minutes) is answered 202
        ``{job_run_id, status: "running"}``: the page follows it through the job-runs API."""
        rt = runtime()
        if not rt.enabled:
            raise NotConfigured("The Discord bot is off (DISCORD_BOT_TOKEN is not set).", code="bot_off")
        run, running_id = await rt.flush(triggered_by=actor.display_name)
        if run is None:
            return ok({"job_run_id": running_id, "status": "running"}, status_code=202)
        counts = run.counts or {}
        keys = ("sent", "failed", "retrying", "skipped", "unreachable")
        return ok(
            {
                "job_run_id": run.id,
                "status": run.status,
                "error": run.error,
                **{key: int(counts.get(key, 0)) for key in keys},
            }
        )

    return [pages, api, outbox]
