"""The arq side: the same job functions and schedules, run by ``patt worker``."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from arq import cron
from arq.connections import ArqRedis, RedisSettings
from arq.worker import Function, func

from patt_host.jobs.runner import run_job

if TYPE_CHECKING:
    from patt_host.host import Host

log = logging.getLogger("patt.worker")

QUEUE = "patt:jobs"
_HOST_KEY = "patt_host"


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


async def enqueue(host: Host, name: str, *, triggered_by: str | None = None, kwargs=None) -> str | None:
    # Through the host's own connections, with their 0.5 s socket timeouts and no retries: a
    # pool of arq's own retried a refused connection for 5 s and waited on a stalled Redis
    # for ever, holding the officer's "Run now" (or the request whose event queued a job).
    queue = ArqRedis(pool_or_conn=host.redis.connection_pool, default_queue_name=QUEUE)
    job = await queue.enqueue_job(
        "patt_run", name, triggered_by=triggered_by, kwargs=kwargs or {}, _queue_name=QUEUE
    )
    return job.job_id if job else None


async def _patt_run(ctx: dict, name: str, triggered_by: str | None = None, kwargs: dict | None = None):
    run = await run_job(ctx[_HOST_KEY], name, trigger="queue", triggered_by=triggered_by, kwargs=kwargs)
    return {"run_id": run.id, "status": run.status}


def _cron_function(job_name: str, kwargs: dict):
    async def scheduled(ctx: dict) -> dict:
        run = await run_job(ctx[_HOST_KEY], job_name, trigger="cron", kwargs=kwargs)
        return {"run_id": run.id, "status": run.status}

    scheduled.__qualname__ = scheduled.__name__ = f"cron:{job_name}"
    return scheduled


def worker_settings(host: Host) -> dict[str, Any]:
    """Keyword arguments for ``arq.worker.Worker`` built from the host's registry."""

    # The worker lives inside the same lifecycle as every process: startup/shutdown hooks included.
    lifecycle = AsyncExitStack()

    async def on_startup(ctx: dict) -> None:
        ctx[_HOST_KEY] = await lifecycle.enter_async_context(host.running())

    async def on_shutdown(ctx: dict) -> None:
        await lifecycle.aclose()

    functions: list[Function] = [func(_patt_run, name="patt_run")]
    cron_jobs = [
        cron(
            _cron_function(s.job_name, s.kwargs),
            name=f"cron:{s.job_name}:{i}",
            unique=True,
            run_at_startup=False,
            **s.cron.arq_kwargs(),
        )
        for i, s in enumerate(host.jobs.schedules)
    ]
    return {
        "functions": functions,
        "cron_jobs": cron_jobs,
        "redis_settings": redis_settings(host.settings.redis_url),
        "queue_name": QUEUE,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "handle_signals": True,
    }


REDIS_RETRY_SECONDS = 2.0


def run_worker(host: Any) -> None:
    """Run the arq worker until it is told to stop, surviving Redis outages.

    arq gives up when Redis goes away (after its own connection retries); we wait and start
    a fresh worker, so a Redis restart needs no worker restart. A clean stop (SIGTERM,
    SIGINT) ends the loop.
    """
    import time

    from arq.worker import Worker
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    while True:
        try:
            Worker(**worker_settings(host)).run()
            return
        except (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError) as exc:
            log.warning("worker lost Redis (%s); retrying in %.0f s", exc, REDIS_RETRY_SECONDS)
            time.sleep(REDIS_RETRY_SECONDS)
            # The crashed worker never ran its shutdown, so its host stays half-open: start
            # the next worker on a fresh host built from the same settings and site.
            host = type(host)(settings=host.settings, site=host.site)
