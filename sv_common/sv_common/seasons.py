"""Guild-wide seasons (``patt.raid_seasons``): one table every plugin can read.

A season is an expansion's numbered season with a start date ("The War Within Season 2").
The crafting plugin derives its sync cadence from the current season; the raids plugin files
events under it. Both use these functions and never write the table themselves:

- :func:`current_season`: the newest *active* season that has *started* (a season entered
  ahead of time is not current until its start date: the original counted future seasons
  as current, which forced daily syncs for weeks before anything changed);
- :func:`list_seasons`, :func:`create_season`, :func:`update_season`: the officers' edits
  (served by the host on ``/admin/seasons`` and ``/api/v1/admin/seasons``, so any site can
  edit them; a plugin that reads seasons lists the page in the admin menu);
- :func:`season_dict`: the JSON shape, with ``display_name`` = "{expansion} Season {n}".

A season's start date cannot change once created (events and syncs already refer to it):
create a new season instead, as the original did.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, String, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.validation import has_control_chars, is_blank

EXPANSION_MAX = 50
SEASON_NUMBER_MAX = 99


class RaidSeason(Base):
    __tablename__ = "raid_seasons"
    __table_args__ = (
        UniqueConstraint("expansion_name", "season_number"),
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expansion_name: Mapped[str] = mapped_column(String(EXPANSION_MAX))
    season_number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    is_new_expansion: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def display_name(season: RaidSeason) -> str:
    return f"{season.expansion_name} Season {season.season_number}"


def season_dict(season: RaidSeason) -> dict[str, Any]:
    return {
        "id": season.id,
        "expansion_name": season.expansion_name,
        "season_number": season.season_number,
        "start_date": season.start_date.isoformat(),
        "is_active": season.is_active,
        "is_new_expansion": season.is_new_expansion,
        "display_name": display_name(season),
    }


def _expansion(value: str) -> str:
    text = (value or "").strip()
    if is_blank(text) or len(text) > EXPANSION_MAX or has_control_chars(text):
        raise ValidationFailed(
            f"expansion_name must be 1 to {EXPANSION_MAX} characters of plain text.", code="invalid_expansion"
        )
    return text


def _number(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SEASON_NUMBER_MAX:
        raise ValidationFailed(f"season_number must be 1 to {SEASON_NUMBER_MAX}.", code="invalid_season")
    return value


def today() -> date:
    return datetime.now(UTC).date()


async def list_seasons(session: AsyncSession) -> list[RaidSeason]:
    """Newest start first."""
    rows = await session.scalars(
        select(RaidSeason).order_by(RaidSeason.start_date.desc(), RaidSeason.id.desc())
    )
    return list(rows.all())


async def current_season(session: AsyncSession, *, on: date | None = None) -> RaidSeason | None:
    """The newest active season whose start date is on or before ``on`` (default: today, UTC)."""
    day = on or today()
    return await session.scalar(
        select(RaidSeason)
        .where(RaidSeason.is_active.is_(True), RaidSeason.start_date <= day)
        .order_by(RaidSeason.start_date.desc(), RaidSeason.id.desc())
        .limit(1)
    )


async def _check_unique(session: AsyncSession, expansion: str, number: int, own_id: int | None) -> None:
    clash = await session.scalar(
        select(RaidSeason.id).where(
            func.lower(RaidSeason.expansion_name) == expansion.lower(),
            RaidSeason.season_number == number,
        )
    )
    if clash is not None and clash != own_id:
        raise Conflict(f"{expansion} Season {number} exists already.", code="season_exists")


async def create_season(
    session: AsyncSession,
    *,
    expansion_name: str,
    season_number: int,
    start_date: date,
    is_new_expansion: bool = False,
    is_active: bool = True,
) -> RaidSeason:
    expansion = _expansion(expansion_name)
    number = _number(season_number)
    if not isinstance(start_date, date):
        raise ValidationFailed("start_date must be a date (YYYY-MM-DD).", code="invalid_date")
    await _check_unique(session, expansion, number, None)
    season = RaidSeason(
        expansion_name=expansion,
        season_number=number,
        start_date=start_date,
        is_new_expansion=bool(is_new_expansion),
        is_active=bool(is_active),
    )
    session.add(season)
    await session.flush()
    return season


async def update_season(session: AsyncSession, season_id: int, **changes: Any) -> RaidSeason:
    """Change the name, number or flags; ``start_date`` is refused (409)."""
    season = await session.get(RaidSeason, season_id, with_for_update=True)
    if season is None:
        raise NotFound("That season does not exist.")
    if "start_date" in changes:
        raise Conflict("A season's start date cannot change; create a new season.", code="start_date_fixed")
    unknown = set(changes) - {"expansion_name", "season_number", "is_new_expansion", "is_active"}
    if unknown:
        raise ValidationFailed(f"Unknown season fields: {', '.join(sorted(unknown))}.")
    expansion = (
        _expansion(changes["expansion_name"]) if "expansion_name" in changes else season.expansion_name
    )
    number = _number(changes["season_number"]) if "season_number" in changes else season.season_number
    await _check_unique(session, expansion, number, season.id)
    season.expansion_name, season.season_number = expansion, number
    for flag in ("is_new_expansion", "is_active"):
        if flag in changes:
            setattr(season, flag, bool(changes[flag]))
    await session.flush()
    return season
