"""Starting and stopping the in-process services of ``patt serve``: scheduler and bot."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("patt.runtime")


def scheduler_wanted(host: Any) -> bool:
    # With Redis, `patt worker` (arq) owns schedules; running them here too would double-fire.
    if host.settings.patt_run_scheduler is not None:
        return host.settings.patt_run_scheduler
    return not host.settings.redis_url


async def start_services(host: Any) -> None:
    if scheduler_wanted(host):
        host.scheduler.start()
        host.status["scheduler"] = "running"
    else:
        host.status["scheduler"] = "arq" if host.settings.redis_url else "off"
    demo = host.demo_discord
    if demo is not None:  # `patt demo`: the bot talks to an in-process fake Discord
        await demo.start(host)
    if host.settings.discord_bot_token is not None:
        from patt_host.bot import start_bot_task

        host.bot_task = start_bot_task(host)
    else:
        host.status["bot"] = "off"


async def stop_services(host: Any) -> None:
    task = getattr(host, "bot_task", None)
    if task is not None:
        if host.bot is not None:
            await host.bot.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        host.bot_task = None
    await host.scheduler.stop()
    host.status["scheduler"] = "off"
    demo = host.demo_discord
    if demo is not None:
        await demo.stop()
