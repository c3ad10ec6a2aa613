"""The officers' view of onboarding: the open sessions (overdue first) with their history,
recently closed ones, and counts by state (admin page, Discord settings page, CLI)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_onboarding.models import CLOSED, STATES, OnboardingSession, OnboardingTransition
from patt_onboarding.services.provision import masked
from sv_common.identity.models import DiscordUser, Player

OPEN_LIMIT, CLOSED_LIMIT = 200, 20


async def counts(session: AsyncSession, now: datetime | None = None) -> dict[str, Any]:
    """Sessions per state (every state listed), open and overdue totals."""
    now = now or datetime.now(UTC)
    rows = dict(
        (
            await session.execute(
                select(OnboardingSession.state, func.count()).group_by(OnboardingSession.state)
            )
        ).all()
    )
    by_state = {state: rows.get(state, 0) for state in STATES}
    overdue = await session.scalar(
        select(func.count()).where(
            OnboardingSession.state.not_in(CLOSED), OnboardingSession.deadline_at < now
        )
    )
    return {
        "by_state": by_state,
        "open": sum(n for state, n in by_state.items() if state not in CLOSED),
        "overdue": overdue or 0,
    }


async def _rows(session: AsyncSession, query, now: datetime) -> list[dict[str, Any]]:
    result = (
        await session.execute(
            query.add_columns(DiscordUser.display_name, DiscordUser.username, Player.display_name)
            .join(DiscordUser, DiscordUser.id == OnboardingSession.discord_member_id)
            .outerjoin(Player, Player.id == OnboardingSession.verified_player_id)
        )
    ).all()
    ids = [row[0].id for row in result]
    history: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        steps = await session.scalars(
            select(OnboardingTransition)
            .where(OnboardingTransition.session_id.in_(ids))
            .order_by(OnboardingTransition.id)
        )
        for t in steps:
            history[t.session_id].append(
                {"at": t.at, "from": t.from_state, "to": t.to_state, "cause": t.cause}
            )
    return [
        session_dict(onboarding, display or username, player, history[onboarding.id], now)
        for onboarding, display, username, player in result
    ]


def session_dict(
    onboarding: OnboardingSession, name: str, player: str | None, history: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    open_ = onboarding.state not in CLOSED
    return {
        "id": onboarding.id,
        "discord_id": onboarding.discord_id,
        "name": name,
        "state": onboarding.state,
        "open": open_,
        "overdue": open_ and onboarding.deadline_at is not None and onboarding.deadline_at < now,
        "escalated_at": onboarding.escalated_at,
        "deadline_at": onboarding.deadline_at,
        "main": onboarding.reported_main_name,
        "realm": onboarding.reported_main_realm,
        "alts": list(onboarding.reported_alt_names or []),
        "in_guild": onboarding.is_in_guild,
        "checks": onboarding.verification_attempts,
        "player": player,
        "role_assigned": onboarding.discord_role_assigned,
        "invite": _invite(onboarding),
        "created_at": onboarding.created_at,
        "completed_at": onboarding.completed_at,
        "history": history,
    }


def _invite(onboarding: OnboardingSession) -> dict[str, Any] | None:
    """Where the session's website invite went; the code itself never (it lets whoever holds
    it register as the member): a masked hint, as on identity's invites page."""
    code = onboarding.website_invite_code
    if not code:
        return None
    return {"delivery": "dm" if onboarding.website_invite_sent else "shown", "hint": masked(code)}


async def open_queue(session: AsyncSession, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open sessions: overdue first, then the nearest deadline."""
    now = now or datetime.now(UTC)
    overdue_first = case((OnboardingSession.deadline_at < now, 0), else_=1)
    query = (
        select(OnboardingSession)
        .where(OnboardingSession.state.not_in(CLOSED))
        .order_by(overdue_first, OnboardingSession.deadline_at.asc().nulls_last(), OnboardingSession.id)
        .limit(OPEN_LIMIT)
    )
    return await _rows(session, query, now)


async def recently_closed(session: AsyncSession, now: datetime | None = None) -> list[dict[str, Any]]:
    query = (
        select(OnboardingSession)
        .where(OnboardingSession.state.in_(CLOSED))
        .order_by(OnboardingSession.completed_at.desc().nulls_last(), OnboardingSession.id.desc())
        .limit(CLOSED_LIMIT)
    )
    return await _rows(session, query, now or datetime.now(UTC))
