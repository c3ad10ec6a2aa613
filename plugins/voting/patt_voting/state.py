"""Per-host state of the voting plugin (the ballot rate limiter, shared through Redis when
configured), built by the host from the manifest's ``state_factory``, and its route alias."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends

from patt_host.web import plugin_state
from patt_voting.config import VotingSettings
from sv_common.auth.ratelimit import RateLimiter

if TYPE_CHECKING:
    from patt_host import HostAPI


class VotingState:
    """One per open host (``host.plugin_state("voting")``); routes get it as ``StateDep``."""

    def __init__(self, host: HostAPI, settings: VotingSettings):
        self.settings = settings
        self.limiter = RateLimiter(host.redis)

    async def ballot_cast(self, user_id: int) -> None:
        """Count one ballot submission of ``user_id``; RateLimited past the per-minute limit."""
        await self.limiter.hit(
            f"voting:ballot:{user_id}", limit=self.settings.ballot_rate_limit, window_seconds=60
        )


StateDep = Annotated[VotingState, Depends(plugin_state("voting"))]
