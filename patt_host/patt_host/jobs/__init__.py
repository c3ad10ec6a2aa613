"""Background jobs: declared by plugins, run by arq or in-process, recorded in common.job_runs.

Public for plugins: ``run_job`` (run now, in this process), ``trigger_job`` (start in the
background: arq when Redis is configured, else the in-process runner), ``UnknownJob``,
and ``JobContext.progress(done, total)`` for progress reports.
"""

from patt_host.jobs.cron import Cron, CronError
from patt_host.jobs.dispatch import trigger_job
from patt_host.jobs.runner import UnknownJob, run_job
from patt_host.jobs.types import CronJob, Job, JobContext, ProgressCallback

__all__ = [
    "Cron",
    "CronError",
    "CronJob",
    "Job",
    "JobContext",
    "ProgressCallback",
    "UnknownJob",
    "run_job",
    "trigger_job",
]
