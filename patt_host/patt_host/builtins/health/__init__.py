"""``/api/health``: database, Redis, bot, scheduler and plugin checks — honestly reported."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request

from patt_host.hooks import await_me_maybe
from patt_host.hookspecs import hookimpl
from patt_host.types import HealthCheck, HealthResult
from patt_host.web.auth import current_actor
from patt_host.web.envelope import error, ok
from patt_host.web.failures import describe

if TYPE_CHECKING:
    from patt_host.api import HostAPI


# Results are reused for this long so a load balancer polling hard cannot load the database.
CACHE_SECONDS = 1.0
CHECK_TIMEOUT = 2.0
PUBLIC_FAILURE = "unavailable"
ERROR_KEY = "_error"


async def check_database(host: HostAPI) -> HealthResult:
    if not host.is_open:
        return HealthResult("down", "not connected")
    await host.db.ping()
    return HealthResult("ok", "connected")


async def check_redis(host: HostAPI) -> HealthResult:
    if not host.settings.redis_url:
        return HealthResult("off", "REDIS_URL not set (in-process jobs and rate limits)")
    await host.redis.ping()
    return HealthResult("ok", "connected")


def check_bot(host: HostAPI) -> HealthResult:
    state = host.status.get("bot", "off")
    if state == "off":
        return HealthResult("off", "DISCORD_BOT_TOKEN not set")
    if state == "separate process":
        return HealthResult("off", "the bot runs in `patt bot` (PATT_RUN_BOT=false)")
    return HealthResult("ok" if state == "ready" else "degraded", state)


def check_scheduler(host: HostAPI) -> HealthResult:
    state = host.status.get("scheduler", "off")
    if state == "arq":
        return HealthResult("ok", "jobs run by `patt worker` (arq)")
    if state == "running" and host.scheduler is not None and host.scheduler.running:
        return HealthResult("ok", "in-process")
    return HealthResult("degraded" if state == "running" else "off", state)


class HealthPlugin:
    name = "health"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._cached: tuple[float, int, dict] | None = None
        self._lock = asyncio.Lock()
        #: What the result cache measures its age with; tests swap in a ``ManualClock``
        #: (``patt_host.testing``) to expire it without sleeping.
        self.clock = clock

    @hookimpl
    def health_checks(self):
        return [
            HealthCheck("database", check_database, critical=True),
            HealthCheck("redis", check_redis, critical=True),
            HealthCheck("bot", check_bot),
            HealthCheck("scheduler", check_scheduler),
        ]

    async def evaluate(self, host: HostAPI) -> tuple[int, dict]:
        checks: dict[str, dict[str, str]] = {}
        status_code, overall = 200, "ok"
        for plugin, check in host.hooks.health_checks():
            name = check.name if plugin.internal else f"{plugin.name}.{check.name}"
            try:
                result = await asyncio.wait_for(await_me_maybe(check.check(host)), CHECK_TIMEOUT)
                checks[name] = {"status": result.status, "detail": result.detail}
            except Exception as exc:  # noqa: BLE001 - a failing check is a result, not a crash
                result = HealthResult("down", PUBLIC_FAILURE)
                # Exception text (hosts, ports, driver messages) is for officers only.
                checks[name] = {"status": "down", "detail": PUBLIC_FAILURE, ERROR_KEY: describe(exc)}
            if not result.healthy:
                if check.critical:
                    status_code, overall = 503, "down"
                elif overall == "ok":
                    overall = "degraded"
        from patt_host import __version__

        return status_code, {"status": overall, "version": __version__, "checks": checks}

    async def visible_to(self, request: Request, body: dict) -> dict:
        """The report as this caller may see it.

        Officers (and operators' keys of officer rank) see everything, failures' exception
        text included. Everyone else sees the checks without exception text, or, where
        ``PATT_PUBLIC_HEALTH_DETAILS`` is off (the default in production), only the overall
        status: version, configured integrations and outbox counts are not for the public.
        """
        host = request.app.state.host
        try:
            actor = await current_actor(request)
        except Exception:  # noqa: BLE001 - with the database down nobody can be identified
            actor = None
        officer = actor is not None and actor.rank_level >= host.officer_level
        if not officer and not host.settings.public_health_details:
            return {"status": body["status"]}
        checks = {}
        for name, check in body["checks"].items():
            shown = {k: v for k, v in check.items() if k != ERROR_KEY}
            if officer and ERROR_KEY in check:
                shown["detail"] = check[ERROR_KEY]
            checks[name] = shown
        return {**body, "checks": checks}

    @hookimpl
    def register_routers(self, host):
        router = APIRouter()

        @router.get("/api/health", name="health.health", tags=["health"])
        async def health(request: Request):
            cached = self._cached
            if cached is None or self.clock() - cached[0] > CACHE_SECONDS:
                async with self._lock:
                    cached = self._cached
                    if cached is None or self.clock() - cached[0] > CACHE_SECONDS:
                        code, body = await self.evaluate(host)
                        cached = self._cached = (self.clock(), code, body)
            _, code, body = cached
            body = await self.visible_to(request, body)
            if code == 200:
                return ok(body)
            return error(code, "unhealthy", "A critical component is down.", details=body)

        return router
