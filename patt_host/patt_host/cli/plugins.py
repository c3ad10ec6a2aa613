"""``patt plugins ...``: what is installed and enabled."""

from __future__ import annotations

import json

import click

from patt_host.cli.base import HostContext, cli, pass_ctx


@cli.group()
def plugins() -> None:
    """Installed and enabled plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def plugins_list(hctx: HostContext, as_json: bool) -> None:
    """List the enabled plugins of this site."""
    from patt_host.builtins.introspection import inventory

    host = hctx.host()
    data = inventory(host)  # the same document as /-/plugins.json
    rows, installed = data["plugins"], data["installed_not_enabled"]
    if as_json:
        click.echo(json.dumps(data))
        return
    click.echo(f"site: {host.site.name}")
    for row in rows:
        kind = "built-in" if row["internal"] else ("site" if row["site"] else "plugin")
        requires = f" requires {', '.join(row['requires'])}" if row["requires"] and not row["site"] else ""
        click.echo(f"  {row['name']:<16} {row['version'] or '-':<8} {kind:<8}{requires}")
    if installed:
        click.echo("installed, not enabled: " + ", ".join(installed))
