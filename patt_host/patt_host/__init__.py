"""PATT platform host: loads plugins and assembles the web app, jobs, bot and CLI.

Plugin authors import from here (``hookimpl``, the types hooks return, ``LandingPage``),
from ``patt_host.web`` (pages, envelope, auth dependencies), ``patt_host.jobs`` (``run_job``)
and ``patt_host.testing`` (the pytest plugin). Everything else is internal.
"""

__version__ = "0.1.0"

from patt_host.api import HookCalls, HostAPI, JobInfo, JobListing, PluginInfo, ScheduleInfo  # noqa: E402
from patt_host.config import HostSettings  # noqa: E402
from patt_host.hookspecs import hookimpl  # noqa: E402
from patt_host.jobs.types import CronJob, Job, JobContext  # noqa: E402
from patt_host.landing import LandingPage  # noqa: E402
from patt_host.site import Site  # noqa: E402
from patt_host.types import (  # noqa: E402
    DashboardItem,
    Event,
    HealthCheck,
    HealthResult,
    MenuLink,
    Permission,
    SiteSetting,
    standalone,
)

__all__ = [
    "CronJob",
    "DashboardItem",
    "Event",
    "HealthCheck",
    "HealthResult",
    "HookCalls",
    "HostAPI",
    "HostSettings",
    "Job",
    "JobInfo",
    "JobListing",
    "JobContext",
    "LandingPage",
    "MenuLink",
    "Permission",
    "PluginInfo",
    "ScheduleInfo",
    "Site",
    "SiteSetting",
    "hookimpl",
    "standalone",
]
