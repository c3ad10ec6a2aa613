"""Triggering a job: onto the arq queue when Redis is configured, in-process otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from patt_host.jobs.runner import UnknownJob

if TYPE_CHECKING:
    from patt_host.host import Host


async def trigger_job(host: Host, name: str, *, triggered_by: str | None = None, kwargs=None) -> dict:
    """Start job ``name`` in the background; returns where it went."""
    registered = host.jobs.get(name)
    if registered is None:
        raise UnknownJob(name)
    await registered.job.load()  # a "module:function" job's first use imports its code
    kwargs = registered.check_kwargs(kwargs)  # 422 now, not a failed run in the worker later
    if host.settings.redis_url:
        from patt_host.jobs.arq_worker import enqueue

        job_id = await enqueue(host, name, triggered_by=triggered_by, kwargs=kwargs)
        return {"job": name, "queued": True, "runner": "arq", "queue_id": job_id}
    host.scheduler.submit(name, trigger="manual", triggered_by=triggered_by, kwargs=kwargs)
    return {"job": name, "queued": True, "runner": "in-process"}
