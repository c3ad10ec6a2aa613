"""The in-process job runner, used when REDIS_URL is unset (one machine, one process).

Fires cron schedules at minute boundaries (UTC) and runs manual triggers as tasks.
With REDIS_URL set, ``patt worker`` (arq) does the same work instead.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from patt_host.jobs.runner import run_job_in_background

if TYPE_CHECKING:
    from patt_host.host import Host


log = logging.getLogger("patt.jobs")


class InProcessScheduler:
    def __init__(self, host: Host):
        self.host = host
        self._task: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()
        self.last_tick: datetime | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._loop(), name="patt-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    def submit(
        self, name: str, *, trigger: str, triggered_by: str | None = None, kwargs=None
    ) -> asyncio.Task:
        task = run_job_in_background(
            self.host, name, trigger=trigger, triggered_by=triggered_by, kwargs=kwargs
        )
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    def due(self, when: datetime) -> list[Any]:
        return [s for s in self.host.jobs.schedules if s.cron.matches(when)]

    async def _loop(self) -> None:
        while True:
            now = datetime.now(UTC)
            await asyncio.sleep(60 - now.second - now.microsecond / 1e6 + 0.05)
            tick = datetime.now(UTC).replace(second=0, microsecond=0)
            self.last_tick = tick
            for schedule in self.due(tick):
                self.submit(schedule.job_name, trigger="cron", kwargs=schedule.kwargs)
