"""An event's signups as pages show them: who answered what, and the composition by role
(tank/healer/melee/ranged) against the site's role targets (``target_tank`` ... settings)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_raids.models import STATUSES, RaidAttendance
from patt_raids.services.events import event_dict, get_event
from patt_raids.services.raiders import ROLES, role_key
from sv_common.identity.models import (
    Player,
    Role,
    Specialization,
    WowCharacter,
    WowClass,
)


def role_targets(site_settings: dict[str, Any] | None) -> dict[str, int | None]:
    """The site's recruiting targets per role (None where the site has none)."""
    targets: dict[str, int | None] = {}
    for role in ROLES:
        value = (site_settings or {}).get(f"target_{role}")
        targets[role] = value if isinstance(value, int) and not isinstance(value, bool) else None
    return targets


def attendance_state(row: dict[str, Any]) -> str | None:
    if row["marked_at"] is None:
        return None
    return "attended" if row["attended"] else "noted_absence" if row["noted_absence"] else "absent"


async def signup_rows(session: AsyncSession, event_id: int) -> list[dict[str, Any]]:
    """Every signup of the event with the player's name, character, class and role."""
    rows = await session.execute(
        select(
            RaidAttendance.player_id,
            Player.display_name,
            RaidAttendance.status,
            RaidAttendance.source,
            RaidAttendance.attended,
            RaidAttendance.noted_absence,
            RaidAttendance.marked_at,
            WowCharacter.character_name,
            WowClass.name,
            WowClass.color_hex,
            Role.name,
            Specialization.name,
        )
        .join(Player, Player.id == RaidAttendance.player_id)
        .outerjoin(WowCharacter, WowCharacter.id == RaidAttendance.character_id)
        .outerjoin(WowClass, WowClass.id == WowCharacter.class_id)
        .outerjoin(
            Specialization,
            Specialization.id == func.coalesce(Player.main_spec_id, WowCharacter.active_spec_id),
        )
        .outerjoin(Role, Role.id == Specialization.default_role_id)
        .where(RaidAttendance.event_id == event_id)
        .order_by(func.lower(Player.display_name))
    )
    out = []
    for r in rows:
        row = {
            "player_id": r[0],
            "display_name": r[1],
            "status": r[2],
            "source": r[3],
            "attended": r[4],
            "noted_absence": r[5],
            "marked_at": r[6],
            "character_name": r[7],
            "class_name": r[8],
            "class_colour": r[9],
            "role": role_key(r[10]),
            "spec_name": r[11],
        }
        row["attendance"] = attendance_state(row)
        out.append(row)
    return out


def composition(rows: list[dict[str, Any]], targets: dict[str, int | None]) -> list[dict[str, Any]]:
    """Accepted and tentative members per role, beside the role's target."""
    accepted = Counter(r["role"] for r in rows if r["status"] == "accepted")
    tentative = Counter(r["role"] for r in rows if r["status"] == "tentative")
    out = []
    for role in ROLES:
        target = targets.get(role)
        count = accepted.get(role, 0)
        out.append(
            {
                "role": role,
                "accepted": count,
                "tentative": tentative.get(role, 0),
                "target": target,
                "missing": max(target - count, 0) if target is not None else None,
            }
        )
    return out


async def event_view(
    session: AsyncSession, event_id: int, site_settings: dict[str, Any] | None, viewer_id: int | None = None
) -> dict[str, Any]:
    """The event, its signups grouped by status, the composition and the viewer's own answer."""
    event = await get_event(session, event_id)
    rows = await signup_rows(session, event_id)
    groups = {status: [r for r in rows if r["status"] == status] for status in STATUSES}
    mine = next((r for r in rows if r["player_id"] == viewer_id), None)
    return {
        "event": event_dict(event),
        "start": event.start_time_utc,
        "end": event.end_time_utc,
        "signups": rows,
        "groups": groups,
        "counts": {status: len(group) for status, group in groups.items()},
        "composition": composition(rows, role_targets(site_settings)),
        "my_status": mine["status"] if mine else None,
    }


def signup_json(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of ``event_view`` (no datetimes other than ISO strings)."""
    signups = [
        {k: (v.isoformat() if k == "marked_at" and v is not None else v) for k, v in row.items()}
        for row in view["signups"]
    ]
    return {
        "event": view["event"],
        "signups": signups,
        "counts": view["counts"],
        "composition": view["composition"],
        "my_status": view["my_status"],
    }
