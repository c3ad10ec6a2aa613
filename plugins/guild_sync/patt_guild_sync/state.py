"""Per-host state of the guild-sync plugin (its settings and the shared upload limits), built by
the host from the manifest's ``state_factory`` once Redis is known, and its route alias."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends

from patt_guild_sync.config import GuildSyncSettings
from patt_host.web import plugin_state
from sv_common.auth.ratelimit import FailureBackoff, RateLimiter

if TYPE_CHECKING:
    from patt_host import HostAPI
    from sv_common.blizzard import BlizzardClient


class GuildSyncState:
    """One per open host (``host.plugin_state("guild_sync")``); routes get it as ``StateDep``."""

    def __init__(self, host: HostAPI, settings: GuildSyncSettings):
        self._host = host
        # The settings live here (not only on the host) so `patt demo` can point one run at
        # its fake Blizzard without touching the process's configuration.
        self.settings = settings
        # `patt demo` serving: the in-process fake Battle.net the settings point at while the
        # process runs (demo.py's start_demo_battlenet), else None.
        self.served_battlenet: Any = None
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

    # -- for other plugins: the Blizzard access in effect ------------------------------------

    def blizzard_settings(self) -> GuildSyncSettings:
        """The Blizzard credentials, region and guild in effect (a demo run may point them at a
        fake server): read these, not the process's configuration, before calling Blizzard."""
        return self.settings

    @property
    def battlenet_demo(self) -> bool:
        """Blizzard calls go to ``patt demo``'s in-process fake Battle.net: pages that start a
        sync say so with a "demo fake" label."""
        return self.served_battlenet is not None

    def blizzard_client(self) -> BlizzardClient:
        """A client with the settings in effect and the shared pacer (one request budget for
        every sync): ``async with state.blizzard_client() as client: ...``."""
        from sv_common.blizzard import BlizzardClient

        return BlizzardClient(self.settings.blizzard_config(), redis=self._host.redis)

    @contextlib.contextmanager
    def settings_overridden(self, **changes: Any) -> Iterator[GuildSyncSettings]:
        """Use changed settings until the block ends (``patt demo`` points every Blizzard
        sync at its in-process fake this way), then the configured ones again."""
        configured = self.settings
        self.settings = configured.model_copy(update=changes)
        try:
            yield self.settings
        finally:
            self.settings = configured


StateDep = Annotated[GuildSyncState, Depends(plugin_state("guild_sync"))]
