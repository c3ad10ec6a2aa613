"""``patt drift scan [--json]``: one scan now, per-rule counts printed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from patt_drift.services.runner import run_scan

if TYPE_CHECKING:
    from patt_host import HostAPI


def build_group(host: HostAPI) -> click.Group:
    @click.group(name="drift")
    def group() -> None:
        """Data quality: rules, findings, the audit channel."""

    @group.command("scan")
    @click.option("--json", "as_json", is_flag=True, help='Print {"rules": {name: {open, new, resolved}}}.')
    async def scan_command(as_json: bool) -> None:
        """Run every data-quality rule once (with the automatic fixes and the audit report)."""
        run = await run_scan(host.plugin_state("drift"), source="cli")
        data = run.as_dict()
        if as_json:
            click.echo(json.dumps(data, sort_keys=True, default=str))
        else:
            width = max((len(n) for n in data["rules"]), default=4)
            click.echo(f"{'rule':<{width}}  open   new  resolved")
            for name, c in data["rules"].items():
                click.echo(f"{name:<{width}}  {c['open']:>4}  {c['new']:>4}  {c['resolved']:>8}")
            for name, error in data["errors"].items():
                click.echo(f"FAILED {name}: {error}", err=True)
        if run.scan.errors:
            raise SystemExit(1)

    return group
