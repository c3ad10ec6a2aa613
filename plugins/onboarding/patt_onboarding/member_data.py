"""What onboarding stores about a player: their onboarding sessions (the answers they gave,
the invite code) and each session's history. A session belongs to the player it verified
or to the player's Discord account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_onboarding.models import OnboardingSession, OnboardingTransition
from sv_common.identity.models import Player


async def _theirs(session: AsyncSession, player_id: int):
    player = await session.get(Player, player_id)
    mine = OnboardingSession.verified_player_id == player_id
    if player is not None and player.discord_user_id is not None:
        return or_(mine, OnboardingSession.discord_member_id == player.discord_user_id)
    return mine


async def export_onboarding(session: AsyncSession, player_id: int) -> dict[str, Any]:
    rows = (
        await session.scalars(
            select(OnboardingSession).where(await _theirs(session, player_id)).order_by(OnboardingSession.id)
        )
    ).all()
    out = []
    for row in rows:
        steps = await session.scalars(
            select(OnboardingTransition)
            .where(OnboardingTransition.session_id == row.id)
            .order_by(OnboardingTransition.id)
        )
        out.append(
            {
                "discord_id": row.discord_id,
                "state": row.state,
                "in_guild": row.is_in_guild,
                "reported_main": row.reported_main_name,
                "reported_realm": row.reported_main_realm,
                "reported_alts": list(row.reported_alt_names or []),
                "website_invite_code": row.website_invite_code,
                "started_at": row.created_at.isoformat(),
                "completed_at": row.completed_at.isoformat() if row.completed_at else None,
                "history": [
                    {"at": t.at.isoformat(), "from": t.from_state, "to": t.to_state, "cause": t.cause}
                    for t in steps
                ],
            }
        )
    return {"sessions": out}


async def delete_onboarding(session: AsyncSession, player_id: int) -> int:
    """The sessions go, their history with them (ON DELETE CASCADE)."""
    result = await session.execute(delete(OnboardingSession).where(await _theirs(session, player_id)))
    return result.rowcount or 0
