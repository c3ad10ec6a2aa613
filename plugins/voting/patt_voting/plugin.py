"""The voting plugin's manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import hookimpl
from patt_voting.config import VotingSettings


class VotingPlugin:
    name = "voting"
    requires = ("identity",)
    settings_model = VotingSettings

    @hookimpl
    def register_commands(self):
        from patt_voting.cli import build_cli

        return build_cli()
