"""Per-host state of the guild-sync plugin (settings, the shared rate limiter) and its dependency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from patt_guild_sync.config import GuildSyncSettings
from sv_common.auth.ratelimit import FailureBackoff, RateLimiter

if TYPE_CHECKING:
    from patt_host import HostAPI


class GuildSyncRuntime:
    def __init__(self, host: HostAPI, settings: GuildSyncSettings):
        self.host = host
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


def runtime_for(host: HostAPI) -> GuildSyncRuntime:
    plugin = host.plugin("guild_sync").obj
    if plugin.runtime is None or plugin.runtime.host is not host:
        plugin.runtime = GuildSyncRuntime(host, host.plugin_settings("guild_sync"))
    return plugin.runtime


async def get_runtime(request: Request) -> GuildSyncRuntime:
    return runtime_for(request.app.state.host)


RuntimeDep = Annotated[GuildSyncRuntime, Depends(get_runtime)]
