"""``patt onboarding status [--json]`` (the queue, overdue first) and ``patt onboarding retry``
(check every waiting member against the roster now, as the 30-minute job does)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from patt_host import HostAPI


def build_group(host: HostAPI) -> click.Group:
    @click.group(name="onboarding")
    def group() -> None:
        """Onboarding: the welcome conversation's queue."""

    @group.command("status")
    @click.option("--json", "as_json", is_flag=True, help='Print {"counts": ..., "open": [...]}.')
    async def status_command(as_json: bool) -> None:
        """Open sessions, overdue first, with their state and main."""
        from patt_onboarding.services import queue

        async with host.db.session() as session:
            counts = await queue.counts(session)
            rows = await queue.open_queue(session)
        if as_json:
            data = {
                "counts": counts,
                "open": [
                    {k: r[k] for k in ("id", "discord_id", "name", "state", "main", "overdue")} for r in rows
                ],
            }
            click.echo(json.dumps(data, sort_keys=True, default=str))
            return
        click.echo(f"{counts['open']} open, {counts['overdue']} overdue")
        for r in rows:
            flag = "  OVERDUE" if r["overdue"] else ""
            click.echo(f"#{r['id']:<5} {r['name'][:24]:<24} {r['state']:<21} main {r['main'] or '-'}{flag}")

    @group.command("retry")
    async def retry_command() -> None:
        """Check every member waiting for verification against the roster now."""
        from patt_host.jobs import run_job

        run = await run_job(host, "onboarding.recheck", trigger="manual", triggered_by="cli")
        counts = run.counts or {}
        click.echo(
            f"{run.status}: {counts.get('checked', 0)} checked, {counts.get('provisioned', 0)} provisioned"
        )
        if run.status != "succeeded":
            click.echo(run.error or "", err=True)
            raise SystemExit(1)

    return group
