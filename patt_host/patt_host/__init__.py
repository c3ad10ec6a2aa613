"""PATT platform host: loads plugins and assembles the web app, jobs, bot and CLI.

Plugin authors import from here (``hookimpl``, the types hooks return, ``LandingPage``),
from ``patt_host.web`` (pages, envelope, auth dependencies), ``patt_host.jobs`` (``run_job``)
and ``patt_host.testing`` (the pytest plugin). Everything else is internal.
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING

# The names below are loaded on first use (PEP 562), so that importing one submodule
# (`patt_host.hookspecs` in a plugin's plugin.py, `patt_host.console` for the `patt` command)
# does not import the web app, the job runner and the database layer with it.
_EXPORTS = {
    "HookCalls": "patt_host.api",
    "HostAPI": "patt_host.api",
    "JobInfo": "patt_host.api",
    "JobListing": "patt_host.api",
    "PluginInfo": "patt_host.api",
    "ScheduleInfo": "patt_host.api",
    "HostSettings": "patt_host.config",
    "hookimpl": "patt_host.hookspecs",
    "CronJob": "patt_host.jobs.types",
    "Job": "patt_host.jobs.types",
    "JobContext": "patt_host.jobs.types",
    "LandingPage": "patt_host.landing",
    "Site": "patt_host.site",
    "DashboardItem": "patt_host.types",
    "Event": "patt_host.types",
    "HealthCheck": "patt_host.types",
    "HealthResult": "patt_host.types",
    "MenuLink": "patt_host.types",
    "Permission": "patt_host.types",
    "SiteSetting": "patt_host.types",
    "standalone": "patt_host.types",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'patt_host' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from patt_host.api import HookCalls, HostAPI, JobInfo, JobListing, PluginInfo, ScheduleInfo
    from patt_host.config import HostSettings
    from patt_host.hookspecs import hookimpl
    from patt_host.jobs.types import CronJob, Job, JobContext
    from patt_host.landing import LandingPage
    from patt_host.site import Site
    from patt_host.types import (
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
