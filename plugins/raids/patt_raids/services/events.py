"""Raid events: creating one (local date and time in an IANA zone -> UTC), signing the
guild's raiders up by rule, an officer's edit of one, and changing one member's signup.

The signup rule (the original's, section 17.2), for every active player with a rank and a
main character:

1. an officer's per-player override wins; ``skip`` leaves the player off the event (an
   override for anyone the rule would not sign up is refused, never silently dropped);
2. a member of the guild's lowest rank (Initiate) goes on the bench;
3. a member who switched on auto-invite is ``accepted``;
4. everyone else is ``tentative``.

Services never emit domain events themselves: the caller commits, then tells the other
plugins (``services/notify.py``), so a Discord handler never reads an uncommitted event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_raids.models import (
    ACCEPTED,
    BENCH,
    EVENT_TYPES,
    SOURCES,
    STATUSES,
    TENTATIVE,
    RaidAttendance,
    RaidEvent,
    RecurringEvent,
)
from patt_raids.services.raiders import Raider, lowest_rank_level, raiders
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.models import Player, WowClass
from sv_common.seasons import current_season
from sv_common.validation import (
    FIRST_WOW_DAY,
    INT32_MAX,
    has_control_chars,
    in_game_era,
    is_blank,
    lookalike_key,
)

SKIP = "skip"
OVERRIDES = (*STATUSES, SKIP)
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
DURATION_MIN, DURATION_MAX = 15, 720
# Signed up means "counts for the raid": the original's signed_up column.
SIGNED_UP = frozenset({ACCEPTED, TENTATIVE})


# --- time ----------------------------------------------------------------------------------


# Names the zone database holds that are not places: what they mean depends on the server
# (``localtime``) or they are not meant for clocks (``Factory``, the ``posix/``, ``right/`` copies).
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def _zone_names() -> dict[str, str]:
    """Every place's zone name, by its lower-case spelling (``europe/london`` finds it too)."""
    return {
        name.lower(): name
        for name in available_timezones()
        if name not in NOT_PLACES and not name.startswith(("posix/", "right/"))
    }


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` or a 422 (never a silent fallback to UTC for an event)."""
    text = (name or "").strip()
    if not text or len(text) > 50 or has_control_chars(text):
        raise ValidationFailed(
            "timezone must be an IANA time zone such as America/New_York.", code="bad_zone"
        )
    canonical = _zone_names().get(text.lower())
    if canonical is None:
        raise ValidationFailed(f"Unknown time zone {text!r}.", code="bad_zone")
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"Unknown time zone {text!r}.", code="bad_zone") from exc


def known_zone(name: str | None) -> ZoneInfo:
    """A stored event's zone for reading its times; UTC when the row holds none or one this
    server does not know (an adopted row), so a page never fails on it."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def clean_event_date(day: date, *, today: date | None = None) -> date:
    """A date an event can be on: from WoW's release to five years ahead (422 otherwise)."""
    # The range is sv_common.validation's, shared with seasons' start dates.
    if not in_game_era(day, today=today):
        raise ValidationFailed(
            f"event_date must be between {FIRST_WOW_DAY.isoformat()} and five years from today.",
            code="bad_date",
        )
    return day


def clean_time(at: time) -> time:
    """A wall-clock time without an offset: the event's zone says where it is."""
    if at.tzinfo is not None:
        raise ValidationFailed("start_time is a local time: send it without an offset.", code="bad_time")
    return at


def local_to_utc(day: date, at: time, zone_name: str) -> datetime:
    """``day`` at ``at`` on the wall clocks of ``zone_name``, as an aware UTC datetime.

    A time the clocks skip (the spring-forward hour) is refused rather than moved; a time
    they pass twice (the autumn hour) is the first of the two (``fold=0``).
    """
    tz = zone(zone_name)
    local = datetime.combine(day, at.replace(tzinfo=None, second=0, microsecond=0)).replace(tzinfo=tz)
    utc = local.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationFailed(
            f"{at:%H:%M} does not exist on {day.isoformat()} in {tz.key}: the clocks skip it.",
            code="nonexistent_time",
        )
    return utc


# --- validation ----------------------------------------------------------------------------


def clean_title(value: str) -> str:
    text = (value or "").strip()
    if is_blank(text) or len(text) > TITLE_MAX or has_control_chars(text):
        raise ValidationFailed(f"title must be 1 to {TITLE_MAX} characters of plain text.", code="bad_title")
    return text


def clean_description(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > DESCRIPTION_MAX or has_control_chars(text, multiline=True):
        raise ValidationFailed(
            f"description must be at most {DESCRIPTION_MAX} characters of text.", code="bad_description"
        )
    return None if is_blank(text) else text


def clean_duration(minutes: int) -> int:
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not DURATION_MIN <= minutes <= DURATION_MAX
    ):
        raise ValidationFailed(
            f"duration must be {DURATION_MIN} to {DURATION_MAX} minutes.", code="bad_duration"
        )
    return minutes


def clean_channel(value: str | None) -> str | None:
    text = (value or "").strip()
    if text and not (text.isascii() and text.isdigit() and 15 <= len(text) <= 25):
        raise ValidationFailed("channel must be a Discord channel id.", code="bad_channel")
    return text or None


def clean_event_type(value: str) -> str:
    if value not in EVENT_TYPES:
        raise ValidationFailed(f"event_type must be one of {', '.join(EVENT_TYPES)}.", code="bad_event_type")
    return value


# --- signups by rule -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signup:
    player_id: int
    character_id: int
    status: str
    source: str  # "auto" (the rule) or "override"


#: Why the rule gives a raider their status, as the New event form's roster preview says it.
REASONS = {"lowest_rank": "lowest rank", "auto_invite": "auto-invite", "default": "default"}
# How many names a refusal lists before "and N more" (an override map holds up to 1000).
NAMED_MAX = 10


def rule_of(raider: Raider, lowest_level: int | None) -> tuple[str, str]:
    """The rule's status for ``raider`` and why (a key of ``REASONS``)."""
    if lowest_level is not None and raider.rank_level == lowest_level:
        return BENCH, "lowest_rank"
    if raider.auto_invite:
        return ACCEPTED, "auto_invite"
    return TENTATIVE, "default"


def status_by_rule(raider: Raider, lowest_level: int | None) -> str:
    return rule_of(raider, lowest_level)[0]


@dataclass(frozen=True, slots=True)
class Planned:
    """A raider a new event signs up, with the rule's status and why (before any override)."""

    raider: Raider
    status: str
    reason: str


async def rule_plan(session: AsyncSession) -> list[Planned]:
    """Everyone a new event signs up by rule, by name: active players with a rank and a main."""
    lowest = await lowest_rank_level(session)
    # Without a rank a player is not (or no longer) a guild member: no raid.
    return [Planned(r, *rule_of(r, lowest)) for r in await raiders(session) if r.rank_level is not None]


def _named(items: list[str]) -> str:
    more = len(items) - NAMED_MAX
    return ", ".join(items[:NAMED_MAX]) + (f" and {more} more" if more > 0 else "")


async def check_override_players(
    session: AsyncSession, overrides: dict[int, str], planned_ids: set[int]
) -> None:
    """422 naming every override for someone the rule would not sign up: an unknown id, or a
    player who is inactive, has no rank or no main. Never ignored: an officer who set an
    answer for someone must learn it was not applied (the roster they saw may be stale)."""
    strays = sorted(set(overrides) - planned_ids)
    if not strays:
        return
    names: dict[int, str] = {}
    bindable = [i for i in strays if 0 < i <= INT32_MAX]  # a larger id is no player (cannot bind)
    if bindable:
        rows = await session.execute(select(Player.id, Player.display_name).where(Player.id.in_(bindable)))
        names = dict(rows.all())
    unknown = [i for i in strays if i not in names]
    not_raiders = [i for i in strays if i in names]
    parts = []
    if unknown:
        parts.append(f"no such player: {_named([str(i) for i in unknown])}")
    if not_raiders:
        parts.append(
            "not an active guild member with a rank and a main character: "
            + _named([f"{names[i]} ({i})" for i in not_raiders])
        )
    raise ValidationFailed(
        f"player_overrides names players this event cannot sign up ({'; '.join(parts)}). "
        "Reload the page for the current roster.",
        code="bad_override_player",
        details={"unknown_player_ids": unknown, "not_raider_ids": not_raiders},
    )


async def plan_signups(session: AsyncSession, overrides: dict[int, str] | None = None) -> list[Signup]:
    """Every raider's signup for a new event (``skip`` overrides left out). An override for
    someone the rule would not sign up is a 422 (``check_override_players``)."""
    overrides = overrides or {}
    for player_id, value in overrides.items():
        if value not in OVERRIDES:
            raise ValidationFailed(
                f"override for player {player_id} must be one of {', '.join(OVERRIDES)}.", code="bad_override"
            )
    planned = await rule_plan(session)
    await check_override_players(session, overrides, {p.raider.player_id for p in planned})
    plan = []
    for p in planned:
        override = overrides.get(p.raider.player_id)
        if override == SKIP:
            continue
        plan.append(
            Signup(
                p.raider.player_id,
                p.raider.main_character_id,
                override or p.status,
                "override" if override else "auto",
            )
        )
    return plan


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One row of the New event form's roster preview."""

    player_id: int
    display_name: str
    character_name: str
    class_name: str | None
    class_colour: str | None
    spec_name: str | None
    role: str | None
    rank_name: str | None
    status: str  # by rule
    reason: str  # a key of REASONS
    discord: bool  # a linked Discord account: without one, no Discord answers, nothing sent to Raid-Helper


async def roster_preview(session: AsyncSession) -> list[PreviewRow]:
    """The rule's plan for a new event, as officers review it before creating one: the same
    ``rule_plan`` that ``create_event`` signs up with, plus class colours and Discord links
    (two small queries, whatever the roster's size)."""
    planned = await rule_plan(session)
    if not planned:
        return []
    colours = dict((await session.execute(select(WowClass.name, WowClass.color_hex))).all())
    linked = set(
        await session.scalars(
            select(Player.id).where(Player.is_active.is_(True), Player.discord_user_id.is_not(None))
        )
    )
    return [
        PreviewRow(
            player_id=p.raider.player_id,
            display_name=p.raider.display_name,
            character_name=p.raider.character_name,
            class_name=p.raider.class_name,
            class_colour=colours.get(p.raider.class_name),
            spec_name=p.raider.spec_name,
            role=p.raider.role,
            rank_name=p.raider.rank_name,
            status=p.status,
            reason=p.reason,
            discord=p.raider.player_id in linked,
        )
        for p in planned
    ]


# --- one event per slot ---------------------------------------------------------------------


def _slot_lock_key(event_date: date, start: datetime, zone_key: str) -> int:
    """The advisory lock of one date, start and zone (signed 64 bits, like the jobs' keys)."""
    slot = f"patt_raids.event_slot|{event_date.isoformat()}|{start.astimezone(UTC).isoformat()}|{zone_key}"
    return int.from_bytes(hashlib.sha256(slot.encode()).digest()[:8], "big", signed=True)


async def same_event(
    session: AsyncSession,
    *,
    title: str,
    event_date: date,
    start: datetime,
    zone_key: str,
    other_than: int | None = None,
) -> tuple[int, str] | None:
    """(id, title) of a non-cancelled event with this title (read as ``lookalike_key`` reads
    names), date, start and zone, or None. Takes the slot's transaction-level advisory lock
    first: a second request for the same slot (a double click, two officers) waits until the
    first commits, then sees its row. Every writer of an event's title or start comes here.

    A lock rather than a unique index: databases adopted from the original hold such
    duplicates (its double clicks), and no index can hold over rows that already break it
    without the migration choosing which to cancel. Those rows stay; only new ones are refused.
    """
    await session.execute(select(func.pg_advisory_xact_lock(_slot_lock_key(event_date, start, zone_key))))
    query = select(RaidEvent.id, RaidEvent.title).where(
        RaidEvent.event_date == event_date,
        RaidEvent.start_time_utc == start,
        RaidEvent.timezone == zone_key,
        RaidEvent.cancelled_at.is_(None),
    )
    if other_than is not None:
        query = query.where(RaidEvent.id != other_than)
    wanted = lookalike_key(title)
    for event_id, existing in (await session.execute(query.order_by(RaidEvent.id))).all():
        if lookalike_key(existing) == wanted:
            return event_id, existing
    return None


def duplicate_event(found: tuple[int, str], event_date: date, start: datetime, zone_key: str) -> Conflict:
    """The 409 naming the event that already holds the slot."""
    event_id, title = found
    local = start.astimezone(known_zone(zone_key))
    return Conflict(
        f'Event #{event_id} "{title}" is already on {event_date.isoformat()} at {local:%H:%M} '
        f"({zone_key}): open it instead of making a second one, or cancel it first.",
        code="duplicate_event",
        details={"event_id": event_id},
    )


# --- events ----------------------------------------------------------------------------------


async def create_event(
    session: AsyncSession,
    *,
    title: str,
    event_date: date,
    start_time: time,
    timezone: str,
    duration_minutes: int = 120,
    channel_id: str | None = None,
    description: str | None = None,
    event_type: str = "raid",
    recurring_event_id: int | None = None,
    overrides: dict[int, str] | None = None,
    created_by_player_id: int | None = None,
    auto_booked: bool = False,
    skip_existing: bool = False,
    not_before: datetime | None = None,
) -> RaidEvent | None:
    """Create an event and sign the raiders up; returns it (flushed, not committed).

    An event of a recurring event already booked for that date is a 409, or ``None`` with
    ``skip_existing`` (the auto-booking: ``ON CONFLICT DO NOTHING`` on the unique
    ``(recurring_event_id, event_date)``, so two workers never book it twice). With
    ``not_before`` (an officer's new event: now), a start at or before it is a 422: an event
    made already over would be announced and signed up for nothing. A second event with the
    title, date, start and zone of a non-cancelled one is a 409 ``duplicate_event`` naming it
    (``same_event``; ``None`` with ``skip_existing``): a double click, or two officers at once,
    would post it twice.
    """
    title = clean_title(title)
    duration_minutes = clean_duration(duration_minutes)
    start = local_to_utc(clean_event_date(event_date), clean_time(start_time), timezone)
    if not_before is not None and start <= not_before:
        raise ValidationFailed("The start is in the past: pick a later date or time.", code="start_in_past")
    values: dict[str, Any] = {
        "title": title,
        "event_type": clean_event_type(event_type),
        "event_date": event_date,
        "start_time_utc": start,
        "end_time_utc": start + timedelta(minutes=duration_minutes),
        "timezone": zone(timezone).key,
        "discord_channel_id": clean_channel(channel_id),
        "description": clean_description(description),
        "recurring_event_id": recurring_event_id,
        "auto_booked": auto_booked,
        "created_by_player_id": created_by_player_id,
    }
    if recurring_event_id is not None and await session.get(RecurringEvent, recurring_event_id) is None:
        raise NotFound("No such recurring event.", code="recurring_not_found")
    plan = await plan_signups(session, overrides)
    season = await current_season(session, on=event_date)
    values["season_id"] = season.id if season else None
    found = await same_event(
        session, title=title, event_date=event_date, start=start, zone_key=values["timezone"]
    )
    if found is not None:
        if skip_existing:  # the booking pass: an officer already made that night's event
            return None
        raise duplicate_event(found, event_date, start, values["timezone"])
    statement = (
        insert(RaidEvent)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_raid_events_recurring_date")
        .returning(RaidEvent.id)
    )
    event_id = await session.scalar(statement)
    if event_id is None:
        if skip_existing:
            return None
        raise Conflict(
            f"This recurring event already has an event on {event_date.isoformat()}.", code="event_exists"
        )
    if plan:
        await session.execute(
            insert(RaidAttendance),
            [
                {
                    "event_id": event_id,
                    "player_id": s.player_id,
                    "character_id": s.character_id,
                    "status": s.status,
                    "signed_up": s.status in SIGNED_UP,
                    "source": s.source,
                }
                for s in plan
            ],
        )
    return await session.get(RaidEvent, event_id)


async def get_event(session: AsyncSession, event_id: int) -> RaidEvent:
    event = await session.get(RaidEvent, event_id)
    if event is None:
        raise NotFound("No such raid event.", code="event_not_found")
    return event


def duration_minutes(event: RaidEvent) -> int:
    return int((event.end_time_utc - event.start_time_utc).total_seconds() // 60)


def event_dict(event: RaidEvent) -> dict[str, Any]:
    local = event.start_time_utc.astimezone(known_zone(event.timezone))
    return {
        "id": event.id,
        "title": event.title,
        "event_type": event.event_type,
        "event_date": event.event_date.isoformat(),
        "start_time_utc": event.start_time_utc.astimezone(UTC).isoformat(),
        "end_time_utc": event.end_time_utc.astimezone(UTC).isoformat(),
        "duration_minutes": duration_minutes(event),
        "timezone": event.timezone,
        "local_start_time": local.strftime("%H:%M"),
        "discord_channel_id": event.discord_channel_id,
        "discord_message_id": event.discord_message_id,
        "raid_helper_event_id": event.raid_helper_event_id,
        "description": event.description,
        "recurring_event_id": event.recurring_event_id,
        "auto_booked": event.auto_booked,
        "season_id": event.season_id,
        "cancelled": event.cancelled_at is not None,
    }


async def list_events(
    session: AsyncSession, *, upcoming: bool, now: datetime | None = None, limit: int = 50
) -> list[RaidEvent]:
    """Upcoming (not yet ended, soonest first) or past (latest first) events."""
    now = now or datetime.now(UTC)
    query = select(RaidEvent).limit(limit)
    if upcoming:
        query = query.where(RaidEvent.end_time_utc > now).order_by(RaidEvent.start_time_utc)
    else:
        query = query.where(RaidEvent.end_time_utc <= now).order_by(RaidEvent.start_time_utc.desc())
    return list(await session.scalars(query))


async def statuses_of(session: AsyncSession, player_id: int, event_ids: list[int]) -> dict[int, str]:
    """``{event_id: status}`` of one player over ``event_ids``."""
    if not event_ids:
        return {}
    rows = await session.execute(
        select(RaidAttendance.event_id, RaidAttendance.status).where(
            RaidAttendance.player_id == player_id, RaidAttendance.event_id.in_(event_ids)
        )
    )
    return {event_id: status for event_id, status in rows}


async def cancel_event(session: AsyncSession, event_id: int) -> RaidEvent:
    """Cancel (not delete): the row stays, so the auto-booking never books that date again."""
    event = await session.get(RaidEvent, event_id, with_for_update=True)  # after a running edit
    if event is None:
        raise NotFound("No such raid event.", code="event_not_found")
    if event.cancelled_at is None:
        event.cancelled_at = datetime.now(UTC)
        await session.flush()
    return event


#: What an officer may change on an event. The channel is not among them: the bot's post
#: already lives in it (cancel and create a new event to move it).
EDITABLE = ("title", "description", "event_date", "start_time", "timezone", "duration_minutes")


async def update_event(
    session: AsyncSession, event_id: int, *, now: datetime | None = None, **changes: Any
) -> tuple[RaidEvent, list[str]]:
    """Change an event's title, description, local date and time, zone or length.

    Returns the event (flushed, not committed) and the names of the fields that really
    changed, so a save that changes nothing tells nobody. Everything is checked before
    anything is written. The start moves only when a date, time or zone different from the
    event's is given: then it is computed again from the local date and time (each defaults
    to the event's own, read from its stored start) in the zone; the end keeps the length
    (or takes the new one). Refused: a cancelled or finished event (409), a new start in the
    past for an event that has not started (a running one's start may be put right) or a new
    end in the past (422), another date or zone for a weekly night's event (409: the booking pass
    would book the old date again; another zone can move it to another day in the guild's), a
    title or start that another non-cancelled event has already (409 ``duplicate_event``).
    Signups stay as they are: members see the new time on the event and its post.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(sorted(unknown))}.", code="bad_field")
    now = now or datetime.now(UTC)
    event = await session.get(RaidEvent, event_id, with_for_update=True)
    if event is None:
        raise NotFound("No such raid event.", code="event_not_found")
    if event.cancelled_at is not None:
        raise Conflict("This event was cancelled: create a new one instead.", code="event_cancelled")
    if event.end_time_utc <= now:
        raise Conflict("This event is over: it can no longer be changed.", code="event_over")

    values: dict[str, Any] = {}
    if "title" in changes:
        values["title"] = clean_title(changes["title"])
    if "description" in changes:
        values["description"] = clean_description(changes["description"])
    # The start as the officer sees it: its wall clock in the event's zone (an adopted row
    # may hold a zone this server does not know: read it in UTC, a new zone repairs it).
    stored_zone = known_zone(event.timezone)
    local = event.start_time_utc.astimezone(stored_zone)
    new_zone = zone(changes["timezone"]) if changes.get("timezone") else stored_zone
    new_day = clean_event_date(changes["event_date"], today=now.date()) if changes.get("event_date") else None
    new_time = changes.get("start_time")
    if new_time is not None:
        new_time = clean_time(new_time)
    moved = (
        (new_day is not None and new_day != event.event_date)
        or (new_time is not None and new_time != local.time().replace(second=0, microsecond=0))
        or (bool(changes.get("timezone")) and new_zone.key != event.timezone)
    )
    start = event.start_time_utc
    if moved:
        if new_day is not None and new_day != event.event_date and event.recurring_event_id is not None:
            # The booking pass keeps one event per weekly night and date: moved away, the
            # date would be booked again. Cancelling keeps the date taken.
            raise Conflict(
                "This event is a weekly night's: change its time, or cancel it and create a "
                "one-off event on the other day.",
                code="weekly_night_date",
            )
        if (
            event.recurring_event_id is not None
            and bool(changes.get("timezone"))
            and new_zone.key != event.timezone
        ):
            # Booked on the guild's night in the guild's zone: the same wall clock elsewhere can
            # fall on another day there, under the date it was booked for.
            raise Conflict(
                "This event is a weekly night's and runs in the guild's time zone: change its "
                "time, or cancel it and create a one-off event in the other zone.",
                code="weekly_night_zone",
            )
        day = new_day if new_day is not None and new_day != event.event_date else local.date()
        start = local_to_utc(day, new_time or local.time(), new_zone.key)
        # A running event's start may be put right (it began earlier than planned); an
        # upcoming one cannot be moved into the past.
        if start <= now and start != event.start_time_utc and event.start_time_utc > now:
            raise ValidationFailed("The new start is in the past.", code="start_in_past")
        if event.recurring_event_id is None:
            values["event_date"] = day  # a weekly night's event keeps its date (the booking's key)
        values["timezone"] = new_zone.key
    if changes.get("duration_minutes") is not None:
        minutes = clean_duration(changes["duration_minutes"])
    else:
        minutes = duration_minutes(event)
    end = start + timedelta(minutes=minutes)
    if end <= now and end != event.end_time_utc:
        raise ValidationFailed("The new end is in the past.", code="end_in_past")

    changed = [
        key for key in ("title", "description") if key in values and values[key] != getattr(event, key)
    ]
    if start != event.start_time_utc:
        changed.append("start")
    if values.get("event_date", event.event_date) != event.event_date:
        changed.append("event_date")
    if values.get("timezone", event.timezone) != event.timezone:
        changed.append("timezone")
    if minutes != duration_minutes(event):
        changed.append("duration_minutes")
    if not changed:
        return event, changed
    if {"title", "start", "event_date", "timezone"} & set(changed):
        day, zone_key = values.get("event_date", event.event_date), values.get("timezone", event.timezone)
        title = values.get("title", event.title)
        found = await same_event(
            session, title=title, event_date=day, start=start, zone_key=zone_key, other_than=event.id
        )
        if found is not None:
            raise duplicate_event(found, day, start, zone_key)
    if "event_date" in changed:
        season = await current_season(session, on=values["event_date"])
        event.season_id = season.id if season else None
    for key in ("title", "description", "event_date", "timezone"):
        if key in values:
            setattr(event, key, values[key])
    event.start_time_utc, event.end_time_utc = start, end
    await session.flush()
    return event, changed


async def set_discord_post(
    session: AsyncSession, event_id: int, channel_id: str, message_id: str
) -> RaidEvent:
    """Where the bot posted the event (the Discord side edits that message on changes)."""
    event = await get_event(session, event_id)
    event.discord_channel_id = clean_channel(channel_id)
    event.discord_message_id = clean_channel(message_id)
    await session.flush()
    return event


async def set_raid_helper_event(
    session: AsyncSession, event_id: int, raid_helper_event_id: str | None, payload: dict[str, Any] | None
) -> RaidEvent:
    """The Raid-Helper connector's record of the event it created there."""
    event = await get_event(session, event_id)
    event.raid_helper_event_id = raid_helper_event_id
    event.raid_helper_payload = payload
    await session.flush()
    return event


# --- one member's signup ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignupChange:
    event_id: int
    player_id: int
    old_status: str | None
    status: str
    source: str

    @property
    def changed(self) -> bool:
        return self.old_status != self.status


async def set_signup_status(
    session: AsyncSession,
    event_id: int,
    player_id: int,
    status: str,
    source: str,
    *,
    now: datetime | None = None,
) -> SignupChange:
    """Set ``player_id``'s answer to ``event_id`` (accepted/tentative/bench/absent).

    Used by the member's event page, officers and the Discord buttons alike. A raider not
    signed up yet (joined after the event was made) is added. Refused (409) for a cancelled
    event or one that has ended, and for a player who is not an active raider with a main.
    """
    if status not in STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}.", code="bad_status")
    if source not in SOURCES:
        raise ValidationFailed(f"source must be one of {', '.join(SOURCES)}.", code="bad_source")
    event = await session.get(RaidEvent, event_id, with_for_update=True)
    if event is None:
        raise NotFound("No such raid event.", code="event_not_found")
    if event.cancelled_at is not None:
        raise Conflict("This event was cancelled.", code="event_cancelled")
    if event.end_time_utc <= (now or datetime.now(UTC)):
        raise Conflict("This event is over: signups are closed.", code="event_over")
    found = await raiders(session, [player_id])
    if not found:
        raise Conflict("Only active members with a main character can sign up.", code="not_a_raider")
    old = await session.scalar(
        select(RaidAttendance.status).where(
            RaidAttendance.event_id == event_id, RaidAttendance.player_id == player_id
        )
    )
    statement = insert(RaidAttendance).values(
        event_id=event_id,
        player_id=player_id,
        character_id=found[0].main_character_id,
        status=status,
        signed_up=status in SIGNED_UP,
        source=source,
    )
    await session.execute(
        statement.on_conflict_do_update(
            constraint="uq_attendance_event_player",
            set_={
                "status": status,
                "signed_up": status in SIGNED_UP,
                "source": source,
                "updated_at": func.now(),
            },
        )
    )
    return SignupChange(event_id, player_id, old, status, source)
