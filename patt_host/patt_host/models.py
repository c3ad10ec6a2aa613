"""Every model the host owns (imported by the migration checks)."""

from patt_host.jobs.models import JobRun
from patt_host.site_settings import SiteSettingValue

__all__ = ["JobRun", "SiteSettingValue"]
