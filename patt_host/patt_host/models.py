"""Every model the host owns (imported by the migration checks)."""

from patt_host.jobs.models import JobRun

__all__ = ["JobRun"]
