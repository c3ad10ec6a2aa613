"""Per-host state of the identity plugin (rate limiter, login back-off, roster cache), built
by the host from the manifest's ``state_factory`` once Redis is known, and its route alias.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends

from patt_host.web import plugin_state
from patt_identity.config import IdentitySettings, RateLimit
from patt_identity.roster.services.cache import RosterCache
from sv_common.auth.ratelimit import FailureBackoff, RateLimiter

if TYPE_CHECKING:
    from patt_host import HostAPI


class IdentityState:
    """One per open host (``host.plugin_state("identity")``); routes get it as ``StateDep``."""

    def __init__(self, host: HostAPI, settings: IdentitySettings):
        # The roster snapshot is loaded outside requests too (home-page slots, events).
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


StateDep = Annotated[IdentityState, Depends(plugin_state("identity"))]
