"""Drift's jobs (``drift.scan``, ``drift.mitigate``) and the events that chain a scan.

A sync's closing event (``roster.synced``, ``addon.uploaded``, ``discord.members_synced``)
is emitted after its transaction committed; the handler only *queues* ``drift.scan`` (arq
with Redis, else the in-process runner), so the scan is a recorded job of its own that
reads the finished sync. The per-character and per-member events before it are gathered
for the audit channel's "sync complete" summary.
"""

from __future__ import annotations

import logging
from typing import Any

from patt_drift.services.runner import run_mitigations, run_scan
from patt_host import Event, HostAPI, JobContext
from patt_host.jobs import trigger_job

log = logging.getLogger("patt.drift")

SCAN_JOB = "drift.scan"  # the routes start it by this name too (api.py)
CLOSING_EVENTS = {"roster.synced": "roster", "addon.uploaded": "addon", "discord.members_synced": "discord"}
CHANGE_EVENTS = {
    "character.joined": ("roster", "joined"),
    "character.left": ("roster", "left"),
    "character.renamed": ("roster", "renamed"),
    "character.rank_changed": ("roster", "rank_changed"),
    "character.note_changed": ("addon", "note_changed"),
    "member.joined": ("discord", "joined"),
    "member.left": ("discord", "left"),
    "member.roles_changed": ("discord", "roles_changed"),
}


async def scan(
    ctx: JobContext,
    source: str = "schedule",
    summary: dict[str, Any] | None = None,
    sync_id: int | None = None,
) -> dict[str, Any]:
    """Run every data-quality rule, apply the automatic fixes, report to the audit channel."""
    run = await run_scan(
        ctx.host.plugin_state("drift"), source=source, summary=summary, sync_id=sync_id, job_run_id=ctx.run_id
    )
    for rule, error in run.scan.errors.items():
        ctx.log.warning("drift rule %s failed: %s", rule, error)
    return run.counts()


async def mitigate(
    ctx: JobContext,
    finding_ids: list[int] | None = None,
    rule: str | None = None,
    player_id: int | None = None,
) -> dict[str, Any]:
    """Apply the fixes an officer confirmed: the listed findings, or every open one of ``rule``."""
    report = await run_mitigations(
        ctx.host.plugin_state("drift"),
        finding_ids=finding_ids,
        rule=rule,
        actor=ctx.triggered_by or ctx.trigger,
        actor_player_id=player_id,
        job_run_id=ctx.run_id,
    )
    return report.counts()


async def on_event(event: Event, host: HostAPI) -> None:
    state = host.plugin_state("drift")
    change = CHANGE_EVENTS.get(event.name)
    if change is not None:
        data = event.data
        # A member by the name officers know them by (the id only when no name came with it).
        name = (
            data.get("character_name")
            or data.get("display_name")
            or data.get("username")
            or data.get("discord_id")
            or "?"
        )
        state.note_change(change[0], change[1], str(name))
        return
    source = CLOSING_EVENTS.get(event.name)
    if source is None:
        return
    kwargs = {
        "source": source,
        "summary": state.drain_changes(source),
        "sync_id": event.data.get("sync_log_id"),
    }
    await trigger_job(host, SCAN_JOB, triggered_by=f"event:{event.name}", kwargs=kwargs)
