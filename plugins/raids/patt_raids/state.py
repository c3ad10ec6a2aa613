"""Per-host state of the raids plugin (built by the host from the manifest's ``state_factory``
once the host is open) and its route alias: the Raid-Helper connector's settings in effect and
the limit on officers' connection tests (shared through Redis when configured).

``patt demo`` without a real Raid-Helper points the connector at an in-process fake of its API
(``patt_raids.demo.start_demo_raid_helper``) here, without touching the process's configuration.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends

from patt_host.web import plugin_state
from patt_raids.config import RaidsSettings
from sv_common.auth.ratelimit import RateLimiter
from sv_common.errors import RateLimited

if TYPE_CHECKING:
    from patt_host import HostAPI
    from sv_common.auth.actor import Actor

log = logging.getLogger("patt.raids")

# Each connection test is a request to Raid-Helper (whose API key is the guild's): a few per
# officer a minute is plenty to check a setting, and the whole site stays under a small rate.
TESTS_PER_OFFICER = 5
TESTS_PER_SITE = 20
TEST_WINDOW_SECONDS = 60


class RaidsState:
    """One per open host (``host.plugin_state("raids")``); routes get it as ``StateDep``."""

    def __init__(self, host: HostAPI, settings: RaidsSettings):
        # The settings in effect: read the Raid-Helper connector's here, not from the host.
        self.settings = settings
        problems = settings.raid_helper_problems()
        if problems:  # the site starts; the optional connector stays off until they are fixed
            log.warning(
                "the Raid-Helper connector is off: %s",
                "; ".join(f"{env} {why}" for env, why in problems.items()),
            )
        # `patt demo` serving without a real Raid-Helper: the fake the connector talks to, else None.
        self.demo_raid_helper: Any = None
        self.limiter = RateLimiter(host.redis)

    async def connection_tested(self, actor: Actor) -> None:
        """Count one connection test of ``actor`` (an officer); a 429 saying when to try again
        past ``TESTS_PER_OFFICER`` a minute for them, or ``TESTS_PER_SITE`` for the site."""
        who = f"user:{actor.user_id}" if actor.user_id is not None else f"player:{actor.player_id}"
        limits = (
            (f"raids:rh_test:{who}", TESTS_PER_OFFICER, "You"),
            ("raids:rh_test:site", TESTS_PER_SITE, "Officers"),
        )
        for key, limit, who_tested in limits:
            try:
                await self.limiter.hit(key, limit=limit, window_seconds=TEST_WINDOW_SECONDS)
            except RateLimited as exc:
                seconds = max(1, math.ceil(exc.retry_after))
                raise RateLimited(
                    f"{who_tested} tested the Raid-Helper connection {limit} times in the last minute: "
                    f"try again in {seconds} second{'s' if seconds != 1 else ''}.",
                    code="raid_helper_test_limited",
                    retry_after=exc.retry_after,
                ) from None

    @property
    def raid_helper_demo(self) -> bool:
        """The connector talks to ``patt demo``'s fake Raid-Helper, not a real one."""
        return self.demo_raid_helper is not None


StateDep = Annotated[RaidsState, Depends(plugin_state("raids"))]
