"""Raids: the manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import Permission, hookimpl
from patt_raids.config import RaidsSettings


class RaidsPlugin:
    name = "raids"
    # Players, ranks, characters and members' availability come from identity.
    requires = ("identity",)
    settings_model = RaidsSettings

    @hookimpl
    def permissions(self, host):
        level = host.officer_level
        return [
            Permission("raids.admin", level, "Raids: availability, recurring events, raid events, attendance"),
        ]
