"""The site's first officer, created by an operator (``patt identity create-officer``).

On a real site every account comes from an officer's invite, so the first officer has nobody to
invite them. This creates (or takes, when the roster already has them without an account) the
player, gives them an officer rank as an explicit override (no roster sync or Discord role is
needed for it) and registers the login through the same invite path as everyone else, so the
username and password rules are the usual ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.auth.service import create_invite, register_with_invite
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity import players as player_service
from sv_common.identity.models import Player
from sv_common.identity.ranks import ranks, set_rank_override


@dataclass(frozen=True)
class CreatedOfficer:
    username: str
    display_name: str
    player_id: int
    rank_name: str


async def create_officer(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    password: str,
    rank_name: str | None,
    officer_level: int,
) -> CreatedOfficer:
    """A login for ``display_name`` holding ``rank_name`` (default: the highest rank)."""
    known = await ranks(session)
    if not known:
        raise Conflict("No guild ranks are configured; run `patt db upgrade` first.")
    if rank_name is None:
        rank = known[-1]
    else:
        rank = next((r for r in known if r.name.lower() == rank_name.strip().lower()), None)
        if rank is None:
            raise NotFound(f"No rank named {rank_name!r}; ranks: {', '.join(r.name for r in known)}.")
    if rank.level < officer_level:
        raise ValidationFailed(f"{rank.name} is below the officer rank; choose an officer rank or higher.")

    player = await session.scalar(
        select(Player).where(
            Player.is_active.is_(True), func.lower(Player.display_name) == display_name.strip().lower()
        )
    )
    if player is None:
        player = await player_service.create_player(session, display_name=display_name)
    elif player.website_user_id is not None:
        raise Conflict(f"{player.display_name} already has an account.")
    invite = await create_invite(session, player_id=player.id, generated_by="cli")
    user = await register_with_invite(session, code=invite.code, username=username, password=password)
    await set_rank_override(session, player.id, rank.id)
    return CreatedOfficer(user.email, player.display_name, player.id, rank.name)
