"""Starting and stopping the in-process services of ``patt serve``: scheduler and bot."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from patt_host.host import Host

log = logging.getLogger("patt.runtime")


def scheduler_wanted(host: Host) -> bool:
    # With Redis, `patt worker` (arq) owns schedules; running them here too would double-fire.
    if host.settings.patt_run_scheduler is not None:
        return host.settings.patt_run_scheduler
    return not host.settings.redis_url


def bot_wanted(host: Host) -> bool:
    """``PATT_RUN_BOT`` decides when set (several web processes: false, and one ``patt bot``);
    otherwise the bot runs wherever a token is configured."""
    if host.settings.discord_bot_token is None:
        return False
    return True if host.settings.patt_run_bot is None else host.settings.patt_run_bot


class Services:
    """The scheduler loop and bot task one process started; :meth:`stop` undoes :meth:`start`."""

    def __init__(self, host: Host):
        self.host = host
        self.bot_task: asyncio.Task | None = None

    async def start(self) -> Services:
        host = self.host
        if scheduler_wanted(host):
            host.scheduler.start()
            host.status["scheduler"] = "running"
        else:
            host.status["scheduler"] = "arq" if host.settings.redis_url else "off"
        if host.demo_discord is not None:  # `patt demo`: the bot talks to an in-process fake Discord
            await host.demo_discord.start(host)
        if bot_wanted(host):
            from patt_host.bot import start_bot_task

            self.bot_task = start_bot_task(host)
        elif host.settings.discord_bot_token is not None:
            host.status["bot"] = "separate process"  # PATT_RUN_BOT=false: `patt bot` runs it
        else:
            host.status["bot"] = "off"
        return self

    async def stop(self) -> None:
        host = self.host
        if self.bot_task is not None:
            if host.bot is not None:
                await host.bot.close()
            self.bot_task.cancel()
            await asyncio.gather(self.bot_task, return_exceptions=True)
            self.bot_task = None
        await host.scheduler.stop()
        host.status["scheduler"] = "off"
        if host.demo_discord is not None:
            await host.demo_discord.stop()
