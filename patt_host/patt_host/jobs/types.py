"""What plugins declare: jobs, cron schedules, and the context a job runs with."""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from patt_host.jobs.cron import Cron

if TYPE_CHECKING:
    from patt_host.api import HostAPI


JobFunc = Callable[..., Awaitable[dict[str, Any] | None]]

# "package.module:function": a job function named by where it lives, imported when it runs.
FUNCTION_REFERENCE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


class JobImportError(LookupError):
    """A job's ``"module:function"`` reference does not name an importable function."""


@dataclass(frozen=True)
class Job:
    """A background job. ``func(ctx, **kwargs)`` is async and may return counts.

    ``func`` is the function, or where it lives as ``"package.module:function"``: the host then
    imports it only when the job runs (or its arguments are checked), so a web process with a
    worker beside it, or one whose jobs have not run yet, does not load the jobs' code and
    everything it imports. The host checks at start-up that the module exists; the shape test
    and ``patt worker`` import every referenced function.

    ``name`` defaults to the function name; the host prefixes it with the plugin name
    (``<plugin>.<name>``). ``exclusive`` jobs never overlap, across processes too
    (PostgreSQL advisory lock).
    """

    func: JobFunc | str
    name: str | None = None
    description: str = ""
    exclusive: bool = False
    timeout_seconds: int = 3600

    @property
    def function_name(self) -> str:
        if isinstance(self.func, str):
            return self.func.rpartition(":")[2]
        return getattr(self.func, "__name__", "")

    def resolve(self) -> JobFunc:
        """The job function, importing a ``"module:function"`` reference on first use."""
        if not isinstance(self.func, str):
            return self.func
        module_name, _, attribute = self.func.partition(":")
        try:
            function = getattr(importlib.import_module(module_name), attribute)
        except Exception as exc:  # noqa: BLE001 - a module body can raise anything; say which job
            raise JobImportError(
                f"job function {self.func!r} cannot be imported: {type(exc).__name__}: {exc}"
            ) from exc
        if not callable(function):
            raise JobImportError(f"job function {self.func!r} is not a function")
        return function

    async def load(self) -> JobFunc:
        """:meth:`resolve` from async code: a reference's first import runs in a thread, as an
        import is CPU work the event loop must not wait for."""
        if isinstance(self.func, str):
            return await asyncio.to_thread(self.resolve)
        return self.func


@dataclass(frozen=True)
class CronJob:
    """Run ``job`` on a five-field UTC cron ``schedule``."""

    job: Job | JobFunc | str
    schedule: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def as_job(self) -> Job:
        return self.job if isinstance(self.job, Job) else Job(func=self.job)

    def cron(self) -> Cron:
        return Cron.parse(self.schedule)


ProgressCallback = Callable[[int, int], None]


@dataclass
class JobContext:
    """Handed to every job run: the host, a session factory, a counter dict and progress.

    ``triggered_by`` names who started a manual run (an officer, ``cli``), when known.
    ``on_progress`` is set by whoever runs the job (``patt jobs run`` draws a progress bar);
    jobs report through :meth:`progress` and never call it directly.
    """

    host: HostAPI
    job_name: str
    run_id: int | None
    trigger: str
    counts: dict[str, int] = field(default_factory=dict)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("patt.jobs"))
    triggered_by: str | None = None
    on_progress: ProgressCallback | None = None
    last_progress: tuple[int, int] | None = None

    def session(self) -> AbstractAsyncContextManager:
        return self.host.db.session()

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def progress(self, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` units of work are finished (cheap; call often).

        A failing progress display never fails the job.
        """
        self.last_progress = (done, total)
        if self.on_progress is not None:
            try:
                self.on_progress(done, total)
            except Exception:  # noqa: BLE001 - a display problem must not kill the job
                self.log.debug("progress callback failed", exc_info=True)
