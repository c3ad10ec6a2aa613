"""What plugins declare: jobs, cron schedules, and the context a job runs with."""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from patt_host.jobs.cron import Cron
from sv_common.errors import ValidationFailed

if TYPE_CHECKING:
    from patt_host.api import HostAPI


JobFunc = Callable[..., Awaitable[dict[str, Any] | None]]

# "package.module:function": a job function named by where it lives, imported when it runs.
FUNCTION_REFERENCE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


class JobSkipped(Exception):  # noqa: N818 - not an error: the run had nothing it could do
    """Raised by :meth:`JobContext.skip`: the run ends as ``skipped`` with this reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class JobImportError(LookupError):
    """A job's ``"module:function"`` reference does not name an importable function."""


def _import_reference(reference: str, what: str) -> Any:
    """The object a ``"module:attribute"`` reference names (imported now)."""
    module_name, _, attribute = reference.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except Exception as exc:  # noqa: BLE001 - a module body can raise anything; say which job
        raise JobImportError(f"{what} {reference!r} cannot be imported: {type(exc).__name__}: {exc}") from exc


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

    ``kwargs_model``: a pydantic model of the job's keyword arguments (or where it lives,
    ``"package.module:Model"``). A run's kwargs are validated with it before the run is queued
    (``trigger_job``, the jobs API: 422 naming ``kwargs.<field>``) and again when the run starts,
    and the job receives the validated values; without it only the argument names are checked.
    """

    func: JobFunc | str
    name: str | None = None
    description: str = ""
    exclusive: bool = False
    timeout_seconds: int = 3600
    kwargs_model: type | str | None = None

    @property
    def function_name(self) -> str:
        if isinstance(self.func, str):
            return self.func.rpartition(":")[2]
        return getattr(self.func, "__name__", "")

    def resolve(self) -> JobFunc:
        """The job function, importing a ``"module:function"`` reference on first use."""
        if not isinstance(self.func, str):
            return self.func
        function = _import_reference(self.func, "job function")
        if not callable(function):
            raise JobImportError(f"job function {self.func!r} is not a function")
        return function

    def resolve_kwargs_model(self) -> Any:
        """The ``kwargs_model`` class (imported on first use when given as a reference), or None."""
        if not isinstance(self.kwargs_model, str):
            return self.kwargs_model
        model = _import_reference(self.kwargs_model, "kwargs model")
        if not hasattr(model, "model_validate"):
            raise JobImportError(f"kwargs model {self.kwargs_model!r} is not a pydantic model")
        return model

    def validated_kwargs(self, kwargs: dict[str, Any] | None) -> dict[str, Any]:
        """``kwargs`` checked by ``kwargs_model`` (as given when there is none): the fields that
        were sent, validated. A bad value is a :class:`ValidationFailed` naming ``kwargs.<field>``."""
        model = self.resolve_kwargs_model()
        if model is None:
            return dict(kwargs or {})
        from pydantic import ValidationError

        try:
            checked = model.model_validate(kwargs or {})
        except ValidationError as exc:
            details = [
                {"field": ".".join(("kwargs", *(str(p) for p in e["loc"]))), "message": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
            problems = "; ".join(f"{d['field']}: {d['message']}" for d in details)
            raise ValidationFailed(
                f"These job arguments are not valid: {problems}.", details=details
            ) from None
        return checked.model_dump(exclude_unset=True)

    async def load(self) -> JobFunc:
        """:meth:`resolve` from async code: a reference's first import runs in a thread, as an
        import is CPU work the event loop must not wait for (a ``kwargs_model`` reference too)."""
        if isinstance(self.kwargs_model, str):
            await asyncio.to_thread(self.resolve_kwargs_model)
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

    def skip(self, reason: str) -> NoReturn:
        """End this run as ``skipped`` with ``reason`` (one line, shown to officers): the job is
        switched off or has nothing to work with, which is neither a success nor a failure."""
        raise JobSkipped(reason)

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
