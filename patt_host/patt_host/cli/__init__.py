"""The ``patt`` command: serve, worker, bot, db, plugins, demo, jobs, and plugin groups.

Plugins add ``patt <plugin> ...`` groups through the ``register_commands`` hook. The
CLI builds the Host (plugins validated) but never the web app unless it serves.
"""

from __future__ import annotations

from patt_host.cli.base import HostContext, PattGroup, cli, pass_ctx, run_in_host

# Each module adds its command group to `cli` when imported (one module per group).
from patt_host.cli import db, jobs, plugins, processes  # noqa: E402,F401  isort: skip

__all__ = ["HostContext", "PattGroup", "cli", "main", "pass_ctx", "run_in_host"]


def main() -> None:
    """The `patt` command (the console script is `patt_host.console.main`, which starts faster)."""
    cli()
