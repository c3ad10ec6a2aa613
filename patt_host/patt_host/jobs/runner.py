"""Runs one job: records the run, takes the advisory lock, captures counts and errors.

Both the in-process scheduler and the arq worker call :func:`run_job`, so every run
looks the same in ``common.job_runs`` whichever process executed it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from patt_host.jobs.models import JobRun
from patt_host.jobs.types import JobContext, JobSkipped, ProgressCallback
from sv_common.db import request_scope
from sv_common.errors import DomainError

if TYPE_CHECKING:
    from patt_host.host import Host


log = logging.getLogger("patt.jobs")

# A failed run's ``error`` is read by officers on /admin/jobs: one line, never a traceback
# (paths, SQL, parameters); the traceback goes to the server's log.
ERROR_LIMIT = 500


def failure_line(exc: BaseException) -> str:
    """What officers see of a failed run: a domain error's own message, else the exception's
    type and the first line of its message, at most ``ERROR_LIMIT`` characters."""
    text = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    first = first.removesuffix(":")
    return first if len(first) <= ERROR_LIMIT else first[: ERROR_LIMIT - 1] + "…"


class UnknownJob(LookupError):
    pass


def advisory_key(job_name: str) -> int:
    """A stable signed 64-bit lock key per job name."""
    return int.from_bytes(hashlib.sha256(job_name.encode()).digest()[:8], "big", signed=True)


async def _record_start(host: Host, name: str, trigger: str, triggered_by: str | None) -> int:
    async with host.db.session() as session:
        run = JobRun(job_name=name, trigger=trigger, triggered_by=triggered_by, status="running")
        session.add(run)
        await session.flush()
        return run.id


async def _record_end(host: Host, run_id: int, status: str, counts: dict, error: str | None) -> None:
    async with host.db.session() as session:
        await session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(status=status, finished_at=datetime.now(UTC), counts=counts or None, error=error)
        )


async def run_job(
    host: Host,
    name: str,
    *,
    trigger: str = "manual",
    triggered_by: str | None = None,
    kwargs: dict[str, Any] | None = None,
    on_progress: ProgressCallback | None = None,
    on_start: Callable[[int], None] | None = None,
) -> JobRun:
    """Run job ``name`` now, in this process, and return its finished record.

    ``on_progress(done, total)`` receives what the job reports through ``ctx.progress``;
    ``on_start(run_id)`` is called once the run is recorded, before the job starts (a caller
    that stops waiting can still point at the run).
    """
    registered = host.jobs.get(name)
    if registered is None:
        raise UnknownJob(name)
    job = registered.job
    # A job started from a web request (a manual trigger) runs in a copy of that request's
    # context: it is background work, with the database's longer background timeouts.
    with request_scope(False):
        return await _run(host, name, job, trigger, triggered_by, kwargs, on_progress, on_start)


async def _run(host, name, job, trigger, triggered_by, kwargs, on_progress, on_start) -> JobRun:
    run_id = await _record_start(host, name, trigger, triggered_by)
    if on_start is not None:
        on_start(run_id)
    ctx = JobContext(
        host=host,
        job_name=name,
        run_id=run_id,
        trigger=trigger,
        triggered_by=triggered_by,
        on_progress=on_progress,
    )
    status, error = "succeeded", None
    lock_conn = None
    try:
        if job.exclusive:
            # A session-level lock on its own autocommit connection: no transaction stays
            # open (and no snapshot is held) while a long job runs.
            lock_conn = await host.db.engine.connect()
            await lock_conn.execution_options(isolation_level="AUTOCOMMIT")
            got = await lock_conn.scalar(select(func.pg_try_advisory_lock(advisory_key(name))))
            if not got:
                status, error = "skipped", "another run of this job is still in progress"
        if status != "skipped":
            function = await job.load()  # a "module:function" job is imported by its first run
            # Checked again here: a cron schedule's or a caller's kwargs never went through
            # trigger_job, and an arq message may have waited in Redis across a deploy.
            kwargs = job.validated_kwargs(kwargs)
            result = await asyncio.wait_for(function(ctx, **kwargs), timeout=job.timeout_seconds)
            if isinstance(result, dict):
                for key, value in result.items():
                    if isinstance(value, int | float):
                        ctx.counts[key] = value
    except JobSkipped as skipped:
        status, error = "skipped", " ".join(skipped.reason.split())[:500] or "skipped"
        log.info("job %s (run %s) skipped: %s", name, run_id, error)
    except Exception as exc:  # noqa: BLE001 - recorded; a job failure must not kill the runner
        status = "failed"
        error = failure_line(exc)
        if isinstance(exc, DomainError):  # a refusal the job explains (bad input, not configured)
            log.warning("job %s (run %s) failed: %s", name, run_id, error)
        else:  # a bug or an outage: the operator gets the traceback, officers the line above
            log.error("job %s (run %s) failed: %s", name, run_id, error, exc_info=exc)
    finally:
        if lock_conn is not None:
            try:
                await lock_conn.scalar(select(func.pg_advisory_unlock(advisory_key(name))))
            finally:
                await lock_conn.close()
    await _record_end(host, run_id, status, ctx.counts, error)
    async with host.db.session() as session:
        return await session.get(JobRun, run_id)


def run_job_in_background(host: Host, name: str, **options: Any) -> asyncio.Task:
    """``run_job`` as a task nobody awaits. A job's own failure is recorded in its run; what
    fails around it (the database unreachable when the run is recorded) is logged here, so no
    task ends with an exception nobody retrieves."""
    task = asyncio.create_task(run_job(host, name, **options), name=f"patt-job-{name}")
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("%s could not be run or recorded: %s: %s", task.get_name(), type(exc).__name__, exc)


async def recent_runs(host: Host, *, job_name: str | None = None, limit: int = 50) -> list[JobRun]:
    async with host.db.session() as session:
        query = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
        if job_name:
            query = query.where(JobRun.job_name == job_name)
        return list((await session.scalars(query)).all())


async def job_run(host: Host, run_id: int) -> JobRun | None:
    async with host.db.session() as session:
        return await session.get(JobRun, run_id)
