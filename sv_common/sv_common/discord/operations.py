"""The sync operations jobs, cogs and admin routes run: fetch from Discord, apply, record.

Each takes the Database, a logged-in client (see :mod:`sv_common.discord.client`), the
guild id and an ``emit(name, **data)`` coroutine for domain events, which are emitted
after the database transaction committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sv_common.discord.channel_sync import ChannelSyncReport, sync_channels
from sv_common.discord.guild import fetch_channel_snapshots, fetch_member_snapshots
from sv_common.discord.member_sync import SyncOutcome, full_sync, rank_events
from sv_common.discord.models import RoleSyncRun
from sv_common.discord.pacing import Pacer
from sv_common.discord.role_access import fetch_role_access
from sv_common.discord.role_sync import (
    ChangeResult,
    RolePlan,
    apply_role_plan,
    compute_role_plan,
    rank_role_map,
    record_run,
    split_blocked,
)
from sv_common.identity.models import DiscordUser, Player
from sv_common.identity.ranks import drain_rank_changes, recompute_for_discord_user

if TYPE_CHECKING:
    import discord

Emit = Callable[..., Awaitable[Any]]


async def emit_events(emit: Emit | None, events: list[tuple[str, dict[str, Any]]]) -> None:
    if emit is None:
        return
    for name, data in events:
        await emit(name, **data)


async def run_member_sync(db: Any, client: discord.Client, guild_id: int, emit: Emit | None) -> SyncOutcome:
    """Full member sync: discord_users repaired from the live member list."""
    members = await fetch_member_snapshots(client, guild_id)
    async with db.session() as session:
        outcome = await full_sync(session, members)
    # The closing event follows the per-member ones: listeners (drift) act on the finished sync.
    await emit_events(emit, [*outcome.events, ("discord.members_synced", outcome.counts())])
    return outcome


async def run_channel_sync(db: Any, client: discord.Client, guild_id: int) -> ChannelSyncReport:
    channels = await fetch_channel_snapshots(client, guild_id)
    async with db.session() as session:
        return await sync_channels(session, channels)


async def _recompute_linked(db: Any) -> SyncOutcome:
    """to_site: every present, linked Discord user's player goes through the rank rule again."""
    outcome = SyncOutcome()
    async with db.session() as session:
        ids = (
            await session.scalars(
                select(DiscordUser.id)
                .join(Player, Player.discord_user_id == DiscordUser.id)
                .where(DiscordUser.is_present.is_(True))
            )
        ).all()
        for discord_user_id in ids:
            await recompute_for_discord_user(session, discord_user_id)
        rank_events(drain_rank_changes(session), outcome)
    return outcome


async def run_role_sync(
    db: Any,
    client: discord.Client,
    guild_id: int,
    *,
    mode: str,
    dry_run: bool = False,
    triggered_by: str | None = None,
    emit: Emit | None = None,
    pacer: Pacer | None = None,
) -> RoleSyncRun:
    """One role-sync run in ``mode`` (to_site | to_discord | dry_run), recorded as a RoleSyncRun."""
    dry_run = dry_run or mode == "dry_run"
    members = await fetch_member_snapshots(client, guild_id)
    # Refresh discord_users from the same list first, so the plan and the ranks agree.
    async with db.session() as session:
        refreshed = await full_sync(session, members)
    await emit_events(emit, refreshed.events)
    notes = [f"Members refreshed: {_describe(refreshed)}."]
    results = None
    if mode == "to_site":
        recomputed = await _recompute_linked(db)
        await emit_events(emit, recomputed.events)
        notes.append(f"Ranks recomputed from Discord roles: {recomputed.rank_changes} changed.")
        plan = RolePlan()
    else:
        current = {m.discord_id: m.role_ids for m in members if not m.bot}
        async with db.session() as session:
            plan = await compute_role_plan(session, current)
            ranks = await rank_role_map(session)
        # Pre-flight: changes on roles the bot cannot assign are reported, not sent.
        access = await fetch_role_access(client, guild_id, ranks.keys())
        sendable, blocked, role_notes = split_blocked(plan, access, ranks, describe_all=dry_run)
        notes.extend(role_notes)
        if dry_run:
            results = [ChangeResult(c, "planned") for c in sendable.changes] + blocked
        else:
            results = await apply_role_plan(client.http, guild_id, sendable, pacer=pacer) + blocked
    async with db.session() as session:
        run = await record_run(
            session,
            mode=mode,
            dry_run=dry_run,
            triggered_by=triggered_by,
            plan=plan,
            results=results,
            notes=notes,
        )
    return run


def _describe(outcome: SyncOutcome) -> str:
    return ", ".join(f"{k} {v}" for k, v in outcome.counts().items())
