"""Ranks <-> Discord roles through THE mapping: ``guild_ranks.discord_role_id``.

Directions (``discord_config.role_sync_mode``):

- ``to_site``: Discord roles set ranks through the rank rule. That is member sync
  (discord_users.role_ids refreshed) plus a recompute for every linked member.
- ``to_discord``: ranks set Discord roles. :func:`compute_role_plan` diffs each linked
  player's wanted role (their rank's mapped role) against the member's current roles:
  add the mapped role when missing, remove the *other mapped rank roles* only. Roles no
  rank maps to are never touched, nor are members not linked to a ranked player.
- ``dry_run``: the plan is computed and recorded, nothing is sent.

Before sending, :func:`sv_common.discord.role_access.fetch_role_access` checks each
mapped role; changes on a role the bot cannot assign are recorded as ``blocked`` with one
note per role saying what to fix, instead of a 403 per member on every run.

:func:`apply_role_plan` sends only the differences, paced (:class:`Pacer`) on top of
discord.py's rate-limit handling. Every change's result is recorded on a
:class:`RoleSyncRun`; a failed change reappears in the next run's plan because the
plan is always recomputed from the real current roles.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.discord.models import RoleSyncRun
from sv_common.discord.pacing import Pacer
from sv_common.identity.models import DiscordUser, GuildRank, Player

if TYPE_CHECKING:
    import discord

log = logging.getLogger("patt.discord.roles")


@dataclass(frozen=True)
class RoleChange:
    discord_id: str
    role_id: str
    action: Literal["add", "remove"]
    player_id: int
    display_name: str
    rank_name: str


@dataclass
class RolePlan:
    changes: list[RoleChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    members_checked: int = 0

    @property
    def adds(self) -> list[RoleChange]:
        return [c for c in self.changes if c.action == "add"]

    @property
    def removes(self) -> list[RoleChange]:
        return [c for c in self.changes if c.action == "remove"]


@dataclass
class ChangeResult:
    change: RoleChange
    status: Literal["sent", "failed", "planned", "blocked", "deferred"]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self.change), "status": self.status, "error": self.error}


async def rank_role_map(session: AsyncSession) -> dict[str, GuildRank]:
    """Discord role id -> rank, for every rank that has a mapped role."""
    ranks = (await session.scalars(select(GuildRank).where(GuildRank.discord_role_id.is_not(None)))).all()
    return {r.discord_role_id: r for r in ranks}


async def compute_role_plan(session: AsyncSession, current_roles: Mapping[str, Iterable[str]]) -> RolePlan:
    """The role changes that make Discord match the players' ranks.

    ``current_roles`` maps every guild member's Discord id to the role ids they hold now
    (from the live member list, not our stored copy).
    """
    plan = RolePlan()
    managed = await rank_role_map(session)
    if not managed:
        plan.notes.append("No rank has a Discord role mapped; nothing to do.")
        return plan
    rows = await session.execute(
        select(Player, DiscordUser, GuildRank)
        .join(DiscordUser, Player.discord_user_id == DiscordUser.id)
        .join(GuildRank, Player.guild_rank_id == GuildRank.id)
        .where(Player.is_active.is_(True))
        .order_by(Player.id)
    )
    unmapped: dict[str, int] = {}
    for player, discord_user, rank in rows:
        if discord_user.discord_id not in current_roles:
            continue  # not on the server: nothing to change
        plan.members_checked += 1
        wanted = rank.discord_role_id
        if wanted is None:
            unmapped[rank.name] = unmapped.get(rank.name, 0) + 1
            continue
        have = {str(r) for r in current_roles[discord_user.discord_id]}

        def change(
            role_id: str, action: str, player=player, discord_user=discord_user, rank=rank
        ) -> RoleChange:
            return RoleChange(
                discord_user.discord_id, role_id, action, player.id, player.display_name, rank.name
            )

        if wanted not in have:
            plan.changes.append(change(wanted, "add"))
        for role_id in sorted((have & managed.keys()) - {wanted}):
            plan.changes.append(change(role_id, "remove"))
    for rank_name, count in sorted(unmapped.items()):
        plan.notes.append(f"Rank {rank_name} has no Discord role mapped; {count} member(s) left unchanged.")
    return plan


def split_blocked(
    plan: RolePlan, access: Mapping[str, Any], ranks: Mapping[str, GuildRank], *, describe_all: bool
) -> tuple[RolePlan, list[ChangeResult], list[str]]:
    """The changes the bot can send, the blocked ones, and one note per mapped role."""
    sendable = RolePlan(notes=plan.notes, members_checked=plan.members_checked)
    blocked: list[ChangeResult] = []
    for change in plan.changes:
        problem = access[change.role_id].problem if change.role_id in access else None
        if problem is None:
            sendable.changes.append(change)
        else:
            blocked.append(ChangeResult(change, "blocked", problem))
    notes = []
    for role_id, info in sorted(access.items(), key=lambda kv: -ranks[kv[0]].level if kv[0] in ranks else 0):
        rank = ranks[role_id].name if role_id in ranks else "?"
        label = f"Role {info.name or role_id} (rank {rank})"
        if info.problem is not None:
            count = sum(1 for b in blocked if b.change.role_id == role_id)
            notes.append(f"{label} cannot be assigned by the bot: {info.problem} {count} change(s) not sent.")
        elif describe_all:
            notes.append(f"{label}: the bot can assign it.")
    return sendable, blocked, notes


def _error_text(exc: BaseException) -> str:
    import discord

    if isinstance(exc, discord.HTTPException):
        return f"Discord {exc.status} (code {exc.code}): {exc.text}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


async def apply_role_plan(
    http: Any, guild_id: int, plan: RolePlan, *, pacer: Pacer | None = None
) -> list[ChangeResult]:
    """Send each change (PUT/DELETE one role on one member); failures are returned, not raised.

    ``http`` is a logged-in client's ``discord.http.HTTPClient``.
    """
    pacer = pacer or Pacer()
    limited: list[discord.RateLimited] = []

    async def one(change: RoleChange) -> ChangeResult:
        import discord

        reason = f"PATT role sync: rank {change.rank_name}"
        call = http.add_role if change.action == "add" else http.remove_role

        async def send() -> None:
            if limited:  # a long rate limit: stop instead of blocking; the next run sends it
                raise limited[0]
            await call(guild_id, int(change.discord_id), int(change.role_id), reason=reason)

        try:
            await pacer.run(send)
        except discord.RateLimited as exc:
            limited.append(exc)
            return ChangeResult(change, "deferred", f"Discord rate limit: retry after {exc.retry_after:.0f}s")
        except Exception as exc:  # noqa: BLE001 - recorded on the run; retried by the next run
            log.warning("role %s %s for %s failed: %s", change.action, change.role_id, change.discord_id, exc)
            return ChangeResult(change, "failed", _error_text(exc))
        return ChangeResult(change, "sent")

    return list(await asyncio.gather(*(one(c) for c in plan.changes)))


async def record_run(
    session: AsyncSession,
    *,
    mode: str,
    dry_run: bool,
    triggered_by: str | None,
    plan: RolePlan,
    results: list[ChangeResult] | None,
    notes: Iterable[str] = (),
    error: str | None = None,
) -> RoleSyncRun:
    """Store what a run planned and what happened to each change."""
    results = results if results is not None else [ChangeResult(c, "planned") for c in plan.changes]
    failed = sum(1 for r in results if r.status == "failed")
    sent = sum(1 for r in results if r.status == "sent")
    blocked = any(r.status == "blocked" for r in results)
    deferred = sum(1 for r in results if r.status == "deferred")
    if deferred:
        notes = [*notes, f"Discord rate limit: {deferred} change(s) deferred to the next run."]
    if error:
        status = "failed"
    elif failed or deferred:
        status = "partial"
    elif blocked:
        status = "blocked"  # roles the bot cannot assign: the notes say what to change in Discord
    else:
        status = "done"
    run = RoleSyncRun(
        mode=mode,
        dry_run=dry_run,
        status=status,
        triggered_by=triggered_by,
        finished_at=datetime.now(UTC),
        planned=len(plan.changes),
        sent=sent,
        failed=failed,
        plan=[r.as_dict() for r in results],
        notes=[*plan.notes, *notes] or None,
        error=error,
    )
    session.add(run)
    await session.flush()
    return run


async def latest_run(session: AsyncSession) -> RoleSyncRun | None:
    return await session.scalar(select(RoleSyncRun).order_by(RoleSyncRun.id.desc()).limit(1))


async def recent_runs(session: AsyncSession, limit: int = 20) -> list[RoleSyncRun]:
    return list(
        (await session.scalars(select(RoleSyncRun).order_by(RoleSyncRun.id.desc()).limit(limit))).all()
    )


def run_dict(run: RoleSyncRun, *, plan_limit: int = 500) -> dict[str, Any]:
    plan = run.plan or []
    return {
        "id": run.id,
        "mode": run.mode,
        "dry_run": run.dry_run,
        "status": run.status,
        "triggered_by": run.triggered_by,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "planned": run.planned,
        "sent": run.sent,
        "failed": run.failed,
        "plan": plan[:plan_limit],
        "plan_truncated": len(plan) > plan_limit,
        "notes": run.notes or [],
        "error": run.error,
    }
