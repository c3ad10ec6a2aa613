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
create a new season instead, as the original did. It lies between WoW's release and five
years ahead (``sv_common.validation.in_game_era``), so no typo becomes the current season.

One season per expansion and number, however the name is written: "Midnight", "MIDNIGHT",
"Midnight" behind a zero-width space and full-width "Ｍidnight" are one expansion. The name is stored tidied
(:func:`tidy_expansion`) beside its comparison key ``expansion_key``
(``sv_common.validation.lookalike_key``), and a unique constraint on (``expansion_key``,
``season_number``) holds it under concurrent requests. The key is computed in Python because
PostgreSQL has no casefold and its ``lower()`` depends on the database's locale.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.validation import (
    FIRST_WOW_DAY,
    has_control_chars,
    in_game_era,
    is_blank,
    lookalike_key,
    trim_unshown,
)

EXPANSION_MAX = 50
SEASON_NUMBER_MAX = 99
UNIQUE_SEASON = "uq_raid_seasons_expansion_key_season_number"


class RaidSeason(Base):
    __tablename__ = "raid_seasons"
    __table_args__ = (
        UniqueConstraint("expansion_key", "season_number"),
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expansion_name: Mapped[str] = mapped_column(String(EXPANSION_MAX))
    # lookalike_key(expansion_name), kept by this module (and the migration, adopt) only.
    expansion_key: Mapped[str] = mapped_column(Text)
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


def tidy_expansion(value: str) -> str:
    """An expansion name as stored: NFKC (full-width letters become plain ones), nothing
    invisible at the ends, runs of spaces as one."""
    return " ".join(trim_unshown(unicodedata.normalize("NFKC", value)).split())


def expansion_key(name: str) -> str:
    """What two expansion names that read the same share (the unique constraint's column)."""
    return lookalike_key(name)


def _expansion(value: Any) -> str:
    # Control characters are refused as sent, before tidying could fold a line break to a space.
    text = tidy_expansion(value) if isinstance(value, str) and not has_control_chars(value) else ""
    if is_blank(text) or len(text) > EXPANSION_MAX or has_control_chars(text):
        raise ValidationFailed(
            f"expansion_name must be 1 to {EXPANSION_MAX} characters of plain text.", code="invalid_expansion"
        )
    return text


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):  # None is no "off": bool(None) once switched a season off
        raise ValidationFailed(f"{name} must be true or false.", code="invalid_flag")
    return value


def _start(value: Any) -> date:
    if not in_game_era(value):
        raise ValidationFailed(
            f"start_date must be a date between {FIRST_WOW_DAY.isoformat()} and five years from today.",
            code="invalid_date",
        )
    return value


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


def _exists(expansion: str, number: int) -> Conflict:
    return Conflict(f"{expansion} Season {number} exists already.", code="season_exists")


async def _check_unique(session: AsyncSession, expansion: str, number: int, own_id: int | None) -> None:
    """409 when another season has this number and an expansion name that reads the same (the
    common case; a concurrent request that gets past it meets the constraint in :func:`_flush`)."""
    query = select(RaidSeason.expansion_name).where(
        RaidSeason.expansion_key == expansion_key(expansion), RaidSeason.season_number == number
    )
    if own_id is not None:
        query = query.where(RaidSeason.id != own_id)
    clash = await session.scalar(query.limit(1))
    if clash is not None:
        raise _exists(clash, number)


async def _flush(session: AsyncSession, expansion: str, number: int) -> None:
    """Flush, turning a lost race on the unique constraint into the same 409."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if UNIQUE_SEASON in str(exc.orig):
            raise _exists(expansion, number) from None
        raise


def unique_names(rows: Iterable[tuple[int, str, int]]) -> list[tuple[int, str, str, str | None]]:
    """Names and keys for existing seasons ``(id, expansion_name, season_number)``, lowest id
    first, so that no two share a key and number: the name is tidied, and a later season whose
    name reads the same as an earlier one's (same number) gets " (2)", " (3)" ... appended.

    Returns ``(id, name, key, old_name)``, ``old_name`` None when the name did not change. For
    the migration that added ``expansion_key`` and for adopting the original's seasons (both
    held names that differed only in case or invisible characters).
    """
    taken: set[tuple[str, int]] = set()
    out = []
    for season_id, raw, number in sorted(rows, key=lambda row: row[0]):
        tidied = tidy_expansion(raw or "")
        base = (
            tidied if not is_blank(tidied) and len(tidied) <= EXPANSION_MAX else (raw or "")[:EXPANSION_MAX]
        )
        name, copy = base, 1
        while (expansion_key(name), number) in taken:
            copy += 1
            suffix = f" ({copy})"
            name = base[: EXPANSION_MAX - len(suffix)] + suffix
        taken.add((expansion_key(name), number))
        out.append((season_id, name, expansion_key(name), None if name == raw else raw))
    return out


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
    start = _start(start_date)
    new_expansion, active = _flag("is_new_expansion", is_new_expansion), _flag("is_active", is_active)
    await _check_unique(session, expansion, number, None)
    season = RaidSeason(
        expansion_name=expansion,
        expansion_key=expansion_key(expansion),
        season_number=number,
        start_date=start,
        is_new_expansion=new_expansion,
        is_active=active,
    )
    session.add(season)
    await _flush(session, expansion, number)
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
    flags = {
        flag: _flag(flag, changes[flag]) for flag in ("is_new_expansion", "is_active") if flag in changes
    }
    if "expansion_name" in changes or "season_number" in changes:
        # Only a new key or number can meet another season: not a flags-only change, not
        # "midnight" corrected to "Midnight".
        if (expansion_key(expansion), number) != (season.expansion_key, season.season_number):
            await _check_unique(session, expansion, number, season.id)
        season.expansion_name, season.expansion_key = expansion, expansion_key(expansion)
        season.season_number = number
    for flag, value in flags.items():
        setattr(season, flag, value)
    await _flush(session, expansion, number)
    return season
