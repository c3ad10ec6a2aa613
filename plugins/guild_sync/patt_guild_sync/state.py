"""Per-host state of the guild-sync plugin (its settings and the shared upload limits), built by
the host from the manifest's ``state_factory`` once Redis is known, and its route alias."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends

from patt_guild_sync.config import GuildSyncSettings
from patt_host.web import plugin_state
from sv_common.auth.ratelimit import FailureBackoff, RateLimiter

if TYPE_CHECKING:
    from patt_host import HostAPI


class GuildSyncState:
    """One per open host (``host.plugin_state("guild_sync")``); routes get it as ``StateDep``."""

    def __init__(self, host: HostAPI, settings: GuildSyncSettings):
        # The settings live here (not only on the host) so `patt demo` can point one run at
        # its fake Blizzard without touching the process's configuration.
        self.settings = settings
        # Upload abuse limits; shared through Redis when configured.
        self.limiter = RateLimiter(host.redis)
        # Wrong API keys per client IP: a few free, then a doubling wait that is checked
        # *before* a key is looked at, so a correct guess is refused as well.
        self.key_failures = FailureBackoff(
            host.redis,
            free=settings.failed_key_attempts_per_ip,
            base_seconds=30.0,
            max_seconds=900.0,
            forget_seconds=900.0,
        )


StateDep = Annotated[GuildSyncState, Depends(plugin_state("guild_sync"))]
