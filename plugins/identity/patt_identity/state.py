"""Per-host runtime state of the identity plugin (rate limiter, roster cache) and the
FastAPI dependencies that hand it to routes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from patt_identity.config import IdentitySettings, RateLimit
from patt_identity.roster.services.cache import RosterCache
from sv_common.auth.ratelimit import FailureBackoff, RateLimiter

if TYPE_CHECKING:
    from patt_host import HostAPI


class IdentityRuntime:
    """Created at startup (when ``host.redis`` is known); one per host."""

    def __init__(self, host: HostAPI, settings: IdentitySettings):
        self.host = host
        self.settings = settings
        self.limiter = RateLimiter(host.redis)
        self.login_backoff = FailureBackoff(
            host.redis, free=settings.login_backoff_free, max_seconds=settings.login_backoff_max_seconds
        )
        self.roster = RosterCache(
            ttl_seconds=settings.roster_cache_seconds, recheck_seconds=settings.roster_recheck_seconds
        )
        # token hash -> monotonic time this process last wrote the session's use (idle timeout)
        self.session_touches: dict[str, float] = {}

    async def hit(self, key: str, rule: RateLimit) -> None:
        """Count one attempt; raises RateLimited when ``rule`` is exceeded."""
        await self.limiter.hit(key, limit=rule.limit, window_seconds=rule.window_seconds)


def runtime_for(host: HostAPI) -> IdentityRuntime:
    plugin = host.plugin("identity").obj
    if plugin.runtime is None or plugin.runtime.host is not host:
        plugin.runtime = IdentityRuntime(host, host.plugin_settings("identity"))
    return plugin.runtime


async def get_runtime(request: Request) -> IdentityRuntime:
    return runtime_for(request.app.state.host)


RuntimeDep = Annotated[IdentityRuntime, Depends(get_runtime)]
