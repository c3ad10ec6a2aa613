"""Mito's domain logic: takes a session and plain values, raises sv_common.errors."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from patt_mito.models import QUOTE_MAX, TITLE_MAX, MitoQuote, MitoTitle
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.validation import is_blank

# The guild's time zone: the site's schedule zone (officers set it on /admin/settings).
ZONE_SETTING = "schedule_timezone"
KINDS = {"quotes": (MitoQuote, "quote", QUOTE_MAX), "titles": (MitoTitle, "title", TITLE_MAX)}


def clean_text(value: str, *, limit: int, field: str) -> str:
    """Trimmed single-line text without control characters, 1..limit characters, not blank
    (spaces or invisible characters only)."""
    text = " ".join(str(value).split())
    if is_blank(text):
        raise ValidationFailed(f"The {field} is empty.", details={"field": field})
    if len(text) > limit:
        raise ValidationFailed(f"The {field} is longer than {limit} characters.", details={"field": field})
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValidationFailed(f"The {field} contains control characters.", details={"field": field})
    return text


def row_dict(row: MitoQuote | MitoTitle) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }
    if isinstance(row, MitoQuote):
        data.update(quote=row.quote, context=row.context)
    else:
        data["title"] = row.title
    return data


async def list_all(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    quotes = (await session.scalars(select(MitoQuote).order_by(MitoQuote.id))).all()
    titles = (await session.scalars(select(MitoTitle).order_by(MitoTitle.id))).all()
    return {"quotes": [row_dict(q) for q in quotes], "titles": [row_dict(t) for t in titles]}


async def add(
    session: AsyncSession, kind: str, text: str, *, player_id: int | None = None, context: str | None = None
) -> MitoQuote | MitoTitle:
    model, field, limit = KINDS[kind]
    text = clean_text(text, limit=limit, field=field)
    existing = await session.scalar(select(model.id).where(func.lower(getattr(model, field)) == text.lower()))
    if existing is not None:
        raise Conflict(f"That {field} is already in Mito's corner.", details={"id": existing})
    row = model(**{field: text}, added_by_player_id=player_id)
    if kind == "quotes" and context:
        row.context = clean_text(context, limit=QUOTE_MAX, field="context")
    session.add(row)
    await _flush_unique(session, field)
    return row


async def _flush_unique(session: AsyncSession, field: str) -> None:
    """Flush; a namesake committed since the check above (a lost race) is the same 409."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if "uq_mito_" not in str(exc.orig):
            raise
        raise Conflict(f"That {field} is already in Mito's corner.") from None


async def edit(session: AsyncSession, kind: str, row_id: int, text: str) -> MitoQuote | MitoTitle:
    model, field, limit = KINDS[kind]
    row = await session.get(model, row_id)
    if row is None:
        raise NotFound(f"No {field} with id {row_id}.")
    text = clean_text(text, limit=limit, field=field)
    clash = await session.scalar(
        select(model.id).where(func.lower(getattr(model, field)) == text.lower(), model.id != row_id)
    )
    if clash is not None:
        raise Conflict(f"That {field} is already in Mito's corner.", details={"id": clash})
    setattr(row, field, text)
    await _flush_unique(session, field)
    return row


async def remove(session: AsyncSession, kind: str, row_id: int) -> None:
    model, field, _limit = KINDS[kind]
    row = await session.get(model, row_id)
    if row is None:
        raise NotFound(f"No {field} with id {row_id}.")
    await session.delete(row)


@dataclass(frozen=True)
class Saying:
    """A random quote, signed with a random title (either may be missing)."""

    quote: str | None
    title: str | None

    def text(self) -> str:
        if self.quote is None:
            return "Mito is thinking. (No quotes yet.)"
        return f"“{self.quote}” — Mito, {self.title}" if self.title else f"“{self.quote}” — Mito"


async def random_saying(session: AsyncSession, rng: random.Random | None = None) -> Saying:
    rng = rng or random.Random()  # noqa: S311 - not security sensitive
    quotes = (await session.scalars(select(MitoQuote.quote).order_by(MitoQuote.id))).all()
    titles = (await session.scalars(select(MitoTitle.title).order_by(MitoTitle.id))).all()
    return Saying(rng.choice(quotes) if quotes else None, rng.choice(titles) if titles else None)


def guild_day(zone_name: str | None, now: datetime | None = None) -> date:
    """Today's date where the guild lives (the site's schedule time zone; UTC if unset or unknown)."""
    try:
        zone = ZoneInfo(zone_name) if zone_name else UTC
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a typo, "", a folder ("America")
        zone = UTC
    return (now or datetime.now(UTC)).astimezone(zone).date()


async def saying_of_the_day(session: AsyncSession, day: date) -> Saying:
    """The day's quote and title: the same all day for everyone (seeded by the date, so every
    process agrees), another the next day. Adding or removing a quote may change it."""
    return await random_saying(session, random.Random(f"mito-{day.isoformat()}"))  # noqa: S311


async def import_lines(session: AsyncSession, kind: str, lines: list[str]) -> dict[str, int]:
    """Add each non-blank line; duplicates (already present or repeated) are counted, not errors."""
    counts = {"added": 0, "duplicates": 0}
    for line in lines:
        if is_blank(line):
            continue
        try:
            async with session.begin_nested():
                await add(session, kind, line)
            counts["added"] += 1
        except Conflict:
            counts["duplicates"] += 1
    return counts
