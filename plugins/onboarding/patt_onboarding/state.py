"""Onboarding's per-host state (the manifest's ``state_factory``): the cooldown of
``/onboarding start``, counted per member through Redis when the host has it (shared by every
process, kept over a bot restart), else in the bot's process. No route uses it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from patt_onboarding.config import OnboardingSettings
from sv_common.auth.ratelimit import RateLimiter

if TYPE_CHECKING:
    from patt_host import HostAPI


class OnboardingState:
    """One per open host (``host.plugin_state("onboarding")``)."""

    def __init__(self, host: HostAPI, settings: OnboardingSettings | None):
        self.settings = settings or OnboardingSettings()
        #: The in-process limiter's clock (seconds; without Redis). Tests move it forward.
        self.clock: Callable[[], float] = time.monotonic
        self.start_limiter = RateLimiter(host.redis, clock=lambda: self.clock())

    async def start_used(self, discord_id: str) -> None:
        """Count one ``/onboarding start`` of the member; ``RateLimited`` (with ``retry_after``
        in seconds) when they used it less than ``start_cooldown_seconds`` ago."""
        await self.start_limiter.hit(
            _key(discord_id), limit=1, window_seconds=self.settings.start_cooldown_seconds
        )

    async def start_refund(self, discord_id: str) -> None:
        """Give the use back: the run did nothing (the DM switches are off, the member is
        unknown), so asking again at once is fine."""
        await self.start_limiter.reset(_key(discord_id))


def _key(discord_id: str) -> str:
    return f"onboarding:start:{discord_id}"
