"""Invite codes and officer reset links go to the member, not to the officer who made them.

A code or link lets whoever holds it become that member (register as them, set their
password, read and cast their ballot). So it is DMed to the member through the
notification outbox, and the officer's answer holds only "sent by DM". Only where no DM
is possible (no Discord link, DMs switched off, no bot) does the officer get it, once, in
this answer and masked on the page until revealed, to hand over in person; the row records
which of the two happened (``delivered_via``) and who issued it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from patt_identity.auth.services import password_reset
from patt_identity.players.services import records
from sv_common.auth import Actor
from sv_common.identity.models import InviteCode

if TYPE_CHECKING:
    from patt_host import HostAPI

DM, SHOWN = "dm", "shown"
MASK = "•"


def masked(secret: str, *, keep: int = 2) -> str:
    """``secret`` with all but its first ``keep`` characters hidden, for lists and logs."""
    return secret[:keep] + MASK * max(len(secret) - keep, 0)


def _answer(
    base: dict[str, Any], dm_sent: bool, reason: str | None, secret: dict[str, str]
) -> dict[str, Any]:
    if dm_sent:
        return {**base, "dm_sent": True, "delivery": DM, "reason": None}
    # Shown once: nothing can fetch it again (lists show a masked hint only).
    return {**base, "dm_sent": False, "delivery": SHOWN, "reason": reason, **secret}


async def deliver_invite(
    session: AsyncSession, host: HostAPI, actor: Actor, *, player_id: int, hours: int
) -> dict[str, Any]:
    """Make the player's invite and DM it; the code and link are in the answer only without a DM."""
    invite = await records.new_invite(
        session, player_id=player_id, created_by_player_id=actor.player_id, expiry_hours=hours
    )
    code = invite["code"]
    url = f"{host.settings.public_base_url}/register?code={code}"
    dm_sent, reason = await records.queue_invite_dm(
        session,
        host,
        player_id=player_id,
        message=records.invite_message(host.site.title, code, url, hours),
        invite_id=invite["id"],
    )
    row = await session.get(InviteCode, invite["id"])
    row.delivered_via = DM if dm_sent else SHOWN
    await session.flush()
    base = {
        "id": invite["id"],
        "player_id": player_id,
        "expires_at": invite["expires_at"],
        # An earlier code that still worked was deleted: the officer is told it stops working.
        "replaced": invite["replaced"],
    }
    return _answer(base, dm_sent, reason, {"code": code, "register_url": url, "masked": masked(code)})


async def deliver_reset_link(
    session: AsyncSession, host: HostAPI, actor: Actor, *, player_id: int, hours: int
) -> dict[str, Any]:
    """Make an officer reset link for the player's account and DM it; the link only without a DM."""
    token, row, _player = await password_reset.issue_for_player(
        session,
        player_id=player_id,
        created_by=actor.display_name,
        created_by_player_id=actor.player_id,
        lifetime=timedelta(hours=hours),
    )
    url = password_reset.reset_url(host, token)
    dm_sent, reason = await records.queue_dm(
        session,
        host,
        player_id=player_id,
        message=password_reset.reset_message(host.site.title, url, hours, by_officer=True),
        dedupe_key=f"reset:{row.id}",
        feature=password_reset.DM_FEATURE,
        shown_as=password_reset.SHOWN_AS,
    )
    row.delivered_via = DM if dm_sent else SHOWN
    await session.flush()
    base = {"player_id": player_id, "expires_at": row.expires_at}
    return _answer(
        base, dm_sent, reason, {"reset_url": url, "masked": masked(url, keep=len(url) - len(token) + 2)}
    )
