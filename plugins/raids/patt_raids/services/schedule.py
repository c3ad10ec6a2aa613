"""The weekly schedule: recurring events (one active per weekday), the guild's time zone, the
next occurrence of each night, the home page's list and the one-line summary other plugins
ask for (the ``schedule_summary`` hook).

A recurring event's ``default_start_time`` is a wall-clock time in the guild's zone (site
setting ``schedule_timezone``); its UTC time moves with daylight saving, so every
conversion goes through a concrete date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from patt_raids.models import RecurringEvent
from patt_raids.services.events import clean_channel, clean_duration, clean_event_type, local_to_utc
from sv_common.discord.channel_sync import list_channels, require_postable_channel
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.validation import has_control_chars, is_blank

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LABEL_MAX = 100
FIELDS = (
    "label",
    "event_type",
    "day_of_week",
    "default_start_time",
    "default_duration_minutes",
    "discord_channel_id",
    "is_active",
    "display_on_public",
)


def guild_zone_name(site_settings: dict[str, Any] | None, default: str) -> str:
    """The guild's IANA zone: the site setting ``schedule_timezone`` when valid, else ``default``."""
    for name in ((site_settings or {}).get("schedule_timezone"), default, "UTC"):
        try:
            if name:
                return ZoneInfo(str(name)).key
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return "UTC"


async def guild_timezone(host: Any) -> str:
    """The guild's zone as the pages use it (an invalid setting falls back, never reaches
    Raid-Helper or a member's DM)."""
    return guild_zone_name(await host.site_settings(), host.plugin_settings("raids").default_timezone)


def clean_label(value: str) -> str:
    text = (value or "").strip()
    if is_blank(text) or len(text) > LABEL_MAX or has_control_chars(text):
        raise ValidationFailed(f"label must be 1 to {LABEL_MAX} characters of plain text.", code="bad_label")
    return text


def clean_day(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise ValidationFailed("day_of_week must be 0 (Monday) to 6 (Sunday).", code="bad_day")
    return value


def recurring_dict(row: RecurringEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "label": row.label,
        "event_type": row.event_type,
        "day_of_week": row.day_of_week,
        "day_name": DAY_NAMES[row.day_of_week],
        "default_start_time": row.default_start_time.strftime("%H:%M"),
        "default_duration_minutes": row.default_duration_minutes,
        "discord_channel_id": row.discord_channel_id,
        "is_active": row.is_active,
        "display_on_public": row.display_on_public,
    }


async def list_recurring(session: AsyncSession, *, active_only: bool = False) -> list[RecurringEvent]:
    query = select(RecurringEvent).order_by(RecurringEvent.day_of_week, RecurringEvent.id)
    if active_only:
        query = query.where(RecurringEvent.is_active.is_(True))
    return list(await session.scalars(query))


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    cleaners = {
        "label": clean_label,
        "event_type": clean_event_type,
        "day_of_week": clean_day,
        "default_duration_minutes": clean_duration,
        "discord_channel_id": clean_channel,
    }
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in FIELDS:
            raise ValidationFailed(f"Unknown field {key!r}.", code="bad_field")
        if key == "default_start_time" and not isinstance(value, time):
            raise ValidationFailed("default_start_time must be a time (HH:MM).", code="bad_time")
        if key == "default_start_time" and value.tzinfo is not None:
            # As an event's start_time: the guild's zone places it (an offset was dropped unseen).
            raise ValidationFailed(
                "default_start_time is a local time in the guild's zone: send it without an offset.",
                code="bad_time",
            )
        if key in ("is_active", "display_on_public") and not isinstance(value, bool):
            raise ValidationFailed(f"{key} must be true or false.", code="bad_flag")
        clean[key] = cleaners[key](value) if key in cleaners else value
    return clean


async def _check_day_free(session: AsyncSession, day: int, own_id: int | None) -> None:
    query = select(RecurringEvent.id).where(
        RecurringEvent.day_of_week == day, RecurringEvent.is_active.is_(True)
    )
    if own_id is not None:
        query = query.where(RecurringEvent.id != own_id)
    if await session.scalar(query) is not None:
        raise Conflict(f"{DAY_NAMES[day]} already has an active recurring event.", code="day_taken")


async def _flush_unique(session: AsyncSession, day: int) -> None:
    """Flush; the partial unique index turns a concurrent clash into the same 409."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{DAY_NAMES[day]} already has an active recurring event.", code="day_taken") from exc


async def create_recurring(session: AsyncSession, **fields: Any) -> RecurringEvent:
    values = _clean(fields)
    for required in ("label", "day_of_week"):
        if required not in values:
            raise ValidationFailed(f"{required} is required.", code="missing_field")
    if values.get("discord_channel_id"):  # one of the guild's synced text channels, else 422
        await require_postable_channel(session, values["discord_channel_id"])
    row = RecurringEvent(**values)
    if row.is_active is not False:
        await _check_day_free(session, values["day_of_week"], None)
    session.add(row)
    await _flush_unique(session, values["day_of_week"])
    await session.refresh(row)
    return row


async def get_recurring(session: AsyncSession, recurring_id: int, *, lock: bool = False) -> RecurringEvent:
    # ``lock``: an edit and a delete of the same night wait for each other; unlocked, the
    # later one wrote to a row deleted meanwhile (a 500) or "deleted" it a second time.
    row = await session.get(RecurringEvent, recurring_id, with_for_update=lock)
    if row is None:
        raise NotFound("No such recurring event.", code="recurring_not_found")
    return row


async def update_recurring(session: AsyncSession, recurring_id: int, **changes: Any) -> RecurringEvent:
    row = await get_recurring(session, recurring_id, lock=True)
    values = _clean(changes)
    channel = values.get("discord_channel_id")
    if channel and channel != row.discord_channel_id:  # keeping a channel deleted since is allowed
        await require_postable_channel(session, channel)
    day = values.get("day_of_week", row.day_of_week)
    if values.get("is_active", row.is_active):
        await _check_day_free(session, day, row.id)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = datetime.now(UTC)
    await _flush_unique(session, day)
    return row


async def delete_recurring(session: AsyncSession, recurring_id: int) -> None:
    """Delete the night; its booked events stay (their ``recurring_event_id`` becomes NULL)."""
    row = await get_recurring(session, recurring_id, lock=True)
    await session.delete(row)
    await session.flush()


def start_on(row: RecurringEvent, day: date, zone_name: str) -> datetime:
    """The UTC start of ``row`` on the guild-zone date ``day`` (DST-correct)."""
    return local_to_utc(day, row.default_start_time, zone_name)


def next_start(row: RecurringEvent, zone_name: str, now: datetime) -> datetime | None:
    """The next start of ``row`` that has not ended yet (UTC); None if it cannot be placed."""
    local_today = now.astimezone(ZoneInfo(zone_name)).date()
    first = local_today + timedelta(days=(row.day_of_week - local_today.weekday()) % 7)
    for day in (first, first + timedelta(days=7)):
        try:
            start = start_on(row, day, zone_name)
        except ValidationFailed:  # the start falls into the spring-forward gap that week
            continue
        if start + timedelta(minutes=row.default_duration_minutes) > now:
            return start
    return None


async def public_schedule(session: AsyncSession, zone_name: str, now: datetime | None = None) -> list[dict]:
    """The home page's nights: active, public recurring events with their next start."""
    now = now or datetime.now(UTC)
    rows = await session.scalars(
        select(RecurringEvent)
        .where(RecurringEvent.is_active.is_(True), RecurringEvent.display_on_public.is_(True))
        .order_by(RecurringEvent.day_of_week)
    )
    entries = []
    for row in rows:
        start = next_start(row, zone_name, now)
        entries.append(
            {
                "label": row.label,
                "day_name": DAY_NAMES[row.day_of_week],
                "start_time": row.default_start_time.strftime("%H:%M"),
                "hours": row.default_duration_minutes / 60,
                "next_start": start,
                "zone": zone_name,
            }
        )
    return entries


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


async def schedule_summary(session: AsyncSession, zone_name: str) -> str | None:
    """The weekly raid nights in one line for the ``schedule_summary`` hook (onboarding's
    welcome DM): the active, public recurring events, nights at the same time together, e.g.
    ``Raids: Fridays and Saturdays at 21:00 (Europe/Paris).`` or ``Raids: Tuesdays at 20:00;
    Thursdays at 21:30 (America/New_York).``; None when there is no such night."""
    rows = await session.scalars(
        select(RecurringEvent)
        .where(RecurringEvent.is_active.is_(True), RecurringEvent.display_on_public.is_(True))
        .order_by(RecurringEvent.day_of_week)
    )
    days_at: dict[str, list[str]] = {}  # start time -> weekdays, in week order (Monday first)
    for row in rows:
        days_at.setdefault(row.default_start_time.strftime("%H:%M"), []).append(
            f"{DAY_NAMES[row.day_of_week]}s"
        )
    if not days_at:
        return None
    nights = "; ".join(f"{_and(days)} at {start}" for start, days in days_at.items())
    return f"Raids: {nights} ({zone_name})."


async def channels(session: AsyncSession) -> list[dict[str, Any]]:
    """Synced channels the bot can post to, for the officers' pickers."""
    rows = await list_channels(session, postable_only=True)
    return [{"id": r.discord_channel_id, "name": r.name, "category": r.category_name} for r in rows]
