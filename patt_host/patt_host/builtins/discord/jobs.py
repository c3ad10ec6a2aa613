"""Jobs of the built-in ``discord`` plugin (named ``discord.<fn>``).

Each runs wherever the scheduler puts it: it uses the connected bot when this
process has one, else logs in over REST. Without a token, a Discord server or (role sync) a
direction, a run ends as ``skipped`` and says which (notifications stay queued).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from patt_host.jobs.types import CronJob, Job, JobContext
from sv_common import notify
from sv_common.discord.client import DiscordUnavailable
from sv_common.discord.config import load_discord_config
from sv_common.discord.operations import run_channel_sync, run_member_sync, run_role_sync
from sv_common.notify.delivery import has_due
from sv_common.notify.sender import DiscordSender

BOT_OFF = "the Discord bot is off (DISCORD_BOT_TOKEN is not set)"


def _runtime(ctx: JobContext):
    return ctx.host.plugin("discord").obj.runtime(ctx.host)


async def _guild_or_stop(ctx: JobContext) -> int:
    """The Discord server to work on; the run ends as skipped without a bot or a server."""
    runtime = _runtime(ctx)
    if not runtime.enabled:
        ctx.skip(BOT_OFF)
    guild_id = await runtime.guild_id()
    if guild_id is None:
        ctx.skip("no Discord server is configured (DISCORD_GUILD_ID or the Discord admin page)")
    return guild_id


async def member_sync(ctx: JobContext) -> dict[str, Any] | None:
    """Repair discord_users from the full member list (members who left while the bot was down)."""
    guild_id = await _guild_or_stop(ctx)
    async with _runtime(ctx).client() as client:
        outcome = await run_member_sync(ctx.host.db, client, guild_id, ctx.host.emit)
    for note in outcome.notes:
        ctx.log.warning("member sync: %s", note)
    return outcome.counts()


async def channel_sync(ctx: JobContext) -> dict[str, Any] | None:
    """Mirror the guild's channels into the channel table (for pickers)."""
    guild_id = await _guild_or_stop(ctx)
    async with _runtime(ctx).client() as client:
        report = await run_channel_sync(ctx.host.db, client, guild_id)
    return report.counts()


async def role_sync(ctx: JobContext, dry_run: bool = False) -> dict[str, Any] | None:
    """Apply the rank <-> Discord role mapping in the configured direction (or plan only)."""
    async with ctx.session() as session:
        config = await load_discord_config(session)
        mode, interval, last = (
            config.role_sync_mode,
            config.role_sync_interval_hours,
            config.last_role_sync_at,
        )
    if mode == "off" and not dry_run:
        ctx.skip('role sync is off: choose a direction on the Discord page ("Dry run" works without one)')
    if ctx.trigger == "cron" and last is not None and datetime.now(UTC) - last < timedelta(hours=interval):
        ctx.count("not_due")
        return None
    guild_id = await _guild_or_stop(ctx)
    runtime = _runtime(ctx)
    started = datetime.now(UTC)
    async with runtime.client() as client:
        run = await run_role_sync(
            ctx.host.db,
            client,
            guild_id,
            mode="to_discord" if mode == "off" else mode,
            dry_run=dry_run,
            triggered_by=ctx.trigger,
            emit=ctx.host.emit,
            pacer=runtime.role_pacer(),
        )
    deferred = sum(1 for change in run.plan or [] if change["status"] == "deferred")
    # A scheduled-direction run restarts the interval, unless a long rate limit cut it
    # short: then the next hourly tick runs again and sends the remainder.
    if not dry_run and not deferred:
        async with ctx.session() as session:
            (await load_discord_config(session)).last_role_sync_at = started
    counts = {"run_id": run.id, "planned": run.planned, "sent": run.sent, "failed": run.failed}
    return {**counts, "deferred": deferred} if deferred else counts


async def deliver_notifications(ctx: JobContext, flush: bool = False) -> dict[str, Any] | None:
    """Send queued DMs and channel posts; retries with backoff, records failures."""
    runtime = _runtime(ctx)
    if not runtime.enabled:
        ctx.skip(BOT_OFF)
    if not await has_due(ctx.host.db, flush=flush):
        return None  # nothing queued: do not log in to Discord every minute for nothing
    try:
        async with runtime.client() as client:
            report = await notify.deliver_pending(
                ctx.host.db,
                DiscordSender(client),
                flush=flush,
                limit=runtime.settings.notify_batch,
                min_interval=runtime.settings.notify_min_interval,
            )
    except DiscordUnavailable as exc:
        ctx.log.warning("notifications not delivered: %s", exc)
        ctx.count("unreachable")
        return None
    if report.stopped:
        ctx.log.warning("delivery stopped early: %s", report.stopped)
        ctx.count("stopped")
    if report.token_rejected:
        from patt_host.bot import mark_token_rejected  # imports discord.py: only once it is in use

        mark_token_rejected(ctx.host)  # the queue stays as it is until a new token is set
        ctx.count("token_rejected")
    return report.counts()


def jobs() -> list[Job]:
    return [
        Job(member_sync, exclusive=True, timeout_seconds=900),
        Job(channel_sync, exclusive=True, timeout_seconds=300),
        Job(role_sync, exclusive=True, timeout_seconds=1800),
        Job(deliver_notifications, exclusive=True, timeout_seconds=600),
    ]


def cron_jobs() -> list[CronJob]:
    by_name = {job.function_name: job for job in jobs()}
    return [
        CronJob(by_name["member_sync"], "*/15 * * * *"),
        CronJob(by_name["channel_sync"], "17 * * * *"),
        # Hourly check; the run happens when role_sync_interval_hours have passed.
        CronJob(by_name["role_sync"], "5 * * * *"),
        CronJob(by_name["deliver_notifications"], "* * * * *"),
    ]
