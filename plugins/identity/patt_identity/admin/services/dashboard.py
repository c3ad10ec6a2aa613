"""The identity plugin's counts on the officers' dashboard (a handful of cheap counts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from patt_host import DashboardItem
from patt_host.web import human_time
from sv_common.identity.models import InviteCode, LinkSuggestion, Player, PlayerCharacter, WowCharacter


async def dashboard_items(session: Any) -> list[DashboardItem]:
    now = datetime.now(UTC)
    unregistered = await session.scalar(
        select(func.count()).where(Player.is_active.is_(True), Player.website_user_id.is_(None))
    )
    open_invites = await session.scalar(
        select(func.count()).where(
            InviteCode.used_at.is_(None), (InviteCode.expires_at.is_(None)) | (InviteCode.expires_at > now)
        )
    )
    unlinked = await session.scalar(
        select(func.count())
        .select_from(WowCharacter)
        .outerjoin(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .where(WowCharacter.removed_at.is_(None), PlayerCharacter.id.is_(None))
    )
    suggestions = await session.scalar(select(func.count()).where(LinkSuggestion.status == "pending"))
    last_sync = await session.scalar(select(func.max(WowCharacter.blizzard_last_sync)))

    def needs(count: int, severity: str = "warn") -> str:
        return severity if count else "ok"

    return [
        DashboardItem(
            "Players without an account",
            unregistered,
            "/admin/players?filter=unregistered",
            severity=needs(unregistered, "info"),
            detail="send them an invite",
            order=100,
        ),
        DashboardItem("Open invites", open_invites, "/admin/invites", severity="info", order=110),
        DashboardItem(
            "Characters not linked to a player",
            unlinked,
            "/admin/players?filter=unlinked",
            severity=needs(unlinked),
            order=120,
        ),
        DashboardItem(
            "Matching suggestions to review",
            suggestions,
            "/admin/matching",
            severity=needs(suggestions),
            order=130,
        ),
        DashboardItem(
            "Last roster sync",
            human_time(last_sync, "relative") if last_sync else "never",
            "/admin/jobs",
            severity="ok" if last_sync else "info",
            order=140,
        ),
    ]
