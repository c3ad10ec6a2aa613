"""Background jobs: declared by plugins, run by arq or in-process, recorded in common.job_runs."""

from patt_host.jobs.cron import Cron, CronError
from patt_host.jobs.runner import run_job
from patt_host.jobs.types import CronJob, Job, JobContext

__all__ = ["Cron", "CronError", "CronJob", "Job", "JobContext", "run_job"]
