"""The jobs of all enabled plugins, named ``<plugin>.<fn>`` and checked at startup."""

from __future__ import annotations

import importlib.util
import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from patt_host.jobs.cron import Cron, CronError
from patt_host.jobs.types import FUNCTION_REFERENCE, CronJob, Job
from sv_common.errors import ValidationFailed

if TYPE_CHECKING:
    from patt_host.plugins import Problems


#: A job's full name, ``<plugin>.<name>``: the plugin's (a lowercase identifier), then the job's
#: own (letters, digits, ``_``, ``-``, dots), at most ``job_runs.job_name``'s 100 characters.
#: Checked at registration and on ``POST /api/v1/jobs/{name}/run`` (anything else: 422).
JOB_NAME_MAX = 100
JOB_NAME_PATTERN = r"^[a-z][a-z0-9_]*\.[A-Za-z0-9_][A-Za-z0-9_.-]*$"
_JOB_NAME = re.compile(JOB_NAME_PATTERN)


@dataclass(frozen=True)
class RegisteredJob:
    name: str
    plugin: str
    job: Job

    def check_kwargs(self, kwargs: dict[str, Any] | None) -> dict[str, Any]:
        """Refuse keyword arguments the job function cannot take, or that its ``kwargs_model``
        refuses, before a run is queued; returns the kwargs to run it with."""
        try:
            inspect.signature(self.job.resolve()).bind(None, **(kwargs or {}))
        except TypeError as exc:
            raise ValidationFailed(
                f"job {self.name!r} does not take these arguments: {exc}", details={"kwargs": kwargs}
            ) from exc
        return self.job.validated_kwargs(kwargs)


@dataclass(frozen=True)
class Schedule:
    job_name: str
    cron: Cron
    kwargs: dict


class JobRegistry:
    def __init__(self) -> None:
        self.jobs: dict[str, RegisteredJob] = {}
        self.schedules: list[Schedule] = []

    def _qualify(self, plugin: str, job: Job, problems: Problems) -> str | None:
        short = job.name or job.function_name
        if "." in short:
            owner, _, short = short.partition(".")
            if owner != plugin:
                problems.add(plugin, f"job name {job.name!r} is outside its namespace '{plugin}.*'")
                return None
        name = f"{plugin}.{short}"
        if len(name) > JOB_NAME_MAX or not _JOB_NAME.fullmatch(name):
            problems.add(
                plugin,
                f"job name {name[:JOB_NAME_MAX]!r} must be at most {JOB_NAME_MAX} characters: letters, "
                "digits, '_', '-' and '.'",
            )
            return None
        return name

    def add(self, plugin: str, job: Job, problems: Problems, *, bare: bool = False) -> str | None:
        """Register ``job``; ``bare`` = a plain function given to ``CronJob``, which reuses the
        job already registered for that function (and so keeps its metadata)."""
        if isinstance(job.func, str) and not _importable(job.func, plugin, problems):
            return None
        if isinstance(job.kwargs_model, str) and not _importable(
            job.kwargs_model, plugin, problems, what="kwargs model"
        ):
            return None
        if bare:
            # == rather than is: a function compares by identity, a "module:function" by text.
            same = [r.name for r in self.jobs.values() if r.plugin == plugin and r.job.func == job.func]
            if len(same) > 1:
                problems.add(
                    plugin,
                    f"CronJob({job.function_name}) is ambiguous: that function is the jobs "
                    f"{', '.join(sorted(same))}; schedule the Job object instead",
                )
                return None
            if same:
                return same[0]
        name = self._qualify(plugin, job, problems)
        if name is None:
            return None
        existing = self.jobs.get(name)
        if existing is not None:
            if existing.job.func != job.func:
                problems.add(plugin, f"job {name!r} is declared twice")
                return None
            if existing.job != job and not bare:
                problems.add(plugin, f"job {name!r} is declared twice with different options")
                return None
            return name  # the same job scheduled again: keep the first registration
        self.jobs[name] = RegisteredJob(name=name, plugin=plugin, job=job)
        return name

    def add_cron(self, plugin: str, cron_job: CronJob, problems: Problems) -> None:
        try:
            cron = cron_job.cron()
        except CronError as exc:
            problems.add(plugin, f"bad cron schedule: {exc}")
            return
        name = self.add(plugin, cron_job.as_job(), problems, bare=not isinstance(cron_job.job, Job))
        if name is not None:
            self.schedules.append(Schedule(job_name=name, cron=cron, kwargs=dict(cron_job.kwargs)))

    def get(self, name: str) -> RegisteredJob | None:
        return self.jobs.get(name)

    def names(self) -> list[str]:
        return sorted(self.jobs)

    def schedules_for(self, name: str) -> list[Schedule]:
        return [s for s in self.schedules if s.job_name == name]

    def resolve_all(self) -> dict[str, str]:
        """Import every job function; the jobs that cannot be imported, with why (``patt worker``
        checks this before it takes work, the shape test for every plugin)."""
        failures = {}
        for name, registered in sorted(self.jobs.items()):
            try:
                function = registered.job.resolve()
            except LookupError as exc:
                failures[name] = str(exc)
                continue
            if not inspect.iscoroutinefunction(function):
                failures[name] = f"{registered.job.func!r} is not an async function"
                continue
            try:
                registered.job.resolve_kwargs_model()
            except LookupError as exc:
                failures[name] = str(exc)
        return failures


def _importable(reference: str, plugin: str, problems: Problems, *, what: str = "job function") -> bool:
    """A "module:function" reference is well formed and its module exists (found, not imported)."""
    if not FUNCTION_REFERENCE.match(reference):
        shape = (
            "a function or 'package.module:function'" if what == "job function" else "'package.module:Model'"
        )
        problems.add(plugin, f"{what} {reference!r} is not {shape}")
        return False
    module = reference.partition(":")[0]
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that is not a package, or cannot be imported
        found = False
    if not found:
        problems.add(plugin, f"{what} {reference!r}: there is no module {module!r}")
    return found
