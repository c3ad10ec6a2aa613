"""Per-host state of the raids plugin (built by the host from the manifest's ``state_factory``
once the host is open) and its route alias: the Raid-Helper connector's settings in effect.

``patt demo`` without a real Raid-Helper points the connector at an in-process fake of its API
(``patt_raids.demo.start_demo_raid_helper``) here, without touching the process's configuration.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends

from patt_host.web import plugin_state
from patt_raids.config import RaidsSettings

if TYPE_CHECKING:
    from patt_host import HostAPI

log = logging.getLogger("patt.raids")


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

    @property
    def raid_helper_demo(self) -> bool:
        """The connector talks to ``patt demo``'s fake Raid-Helper, not a real one."""
        return self.demo_raid_helper is not None


StateDep = Annotated[RaidsState, Depends(plugin_state("raids"))]
