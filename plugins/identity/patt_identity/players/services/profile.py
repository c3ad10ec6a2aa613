"""A member's own profile: display name, timezone, main/offspec, weekly availability.

Services take a session and plain values; validation happens here (server-side), the
page's JavaScript only helps.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from patt_identity.models import PlayerAvailability
from sv_common.errors import NotFound, ValidationFailed
from sv_common.identity import players as player_service
from sv_common.identity.models import Player, PlayerCharacter, Role, Specialization, WowCharacter, WowClass

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_HOURS = 16


@functools.cache
def timezones() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted (the profile's choices)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _zones_by_key() -> dict[str, str]:
    return {zone.lower(): zone for zone in timezones()}


def validate_timezone(name: str) -> str:
    """The IANA zone spelled as the list spells it ("europe/berlin" -> "Europe/Berlin")."""
    zone = _zones_by_key().get((name or "").strip().lower())
    if zone is None:
        raise ValidationFailed("Choose a timezone from the list (for example Europe/Berlin).")
    return zone


def utc_offset(zone: str, moment: datetime) -> str:
    minutes = int(moment.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@functools.lru_cache(maxsize=2)
def _choices_for_hour(hour: int) -> tuple[tuple[str, str], ...]:
    moment = datetime.fromtimestamp(hour * 3600, UTC)
    return tuple((zone, utc_offset(zone, moment)) for zone in timezones())


def timezone_choices(now: datetime | None = None) -> tuple[tuple[str, str], ...]:
    """(zone, its UTC offset now) for the picker, so members find theirs by offset too."""
    moment = now or datetime.now(UTC)
    return _choices_for_hour(int(moment.timestamp() // 3600))


@dataclass(frozen=True)
class DayAvailability:
    day_of_week: int
    available: bool
    earliest_start: time | None = None
    available_hours: float | None = None


def parse_day(day: int, available: bool, start: str | None, hours: str | float | None) -> DayAvailability:
    """Validate one weekday's form/JSON values (``start`` as HH:MM, 0 < hours <= 16)."""
    if not 0 <= day <= 6:
        raise ValidationFailed("Days run from 0 (Monday) to 6 (Sunday).")
    name = DAY_NAMES[day]
    if not available:
        return DayAvailability(day, False)
    earliest = None
    if start not in (None, ""):
        try:
            earliest = time.fromisoformat(str(start))
        except ValueError:
            raise ValidationFailed(f"{name}: the start time must look like 20:30.") from None
        earliest = earliest.replace(second=0, microsecond=0, tzinfo=None)
    amount = None
    if hours not in (None, ""):
        try:
            amount = round(float(hours), 2)
        except (TypeError, ValueError):
            raise ValidationFailed(f"{name}: hours must be a number.") from None
        if not 0 < amount <= MAX_HOURS:
            raise ValidationFailed(f"{name}: hours must be more than 0 and at most {MAX_HOURS}.")
    if amount is None:
        # A ticked day without hours used to save silently and count for nothing.
        raise ValidationFailed(f"{name} is ticked as available: say for how many hours.")
    return DayAvailability(day, True, earliest, amount)


def ticked(value: Any) -> bool:
    """Whether a checkbox's form value means "checked" (browsers send "on"; scripts vary)."""
    return value in ("on", "true", "1", "yes")


def parse_availability_form(form: Any) -> list[DayAvailability]:
    """``day_{d}_available`` (checkbox), ``day_{d}_start`` and ``day_{d}_hours`` for d in 0..6."""
    return [
        parse_day(
            day,
            ticked(form.get(f"day_{day}_available")),
            form.get(f"day_{day}_start"),
            form.get(f"day_{day}_hours"),
        )
        for day in range(7)
    ]


async def get_player(session: AsyncSession, player_id: int | None) -> Player:
    player = await session.get(Player, player_id) if player_id is not None else None
    if player is None:
        raise NotFound("Your account is not linked to a guild member yet; ask an officer.")
    return player


async def update_info(session: AsyncSession, player_id: int, *, display_name: str, timezone: str) -> Player:
    display_name = (display_name or "").strip()
    if not 1 <= len(display_name) <= 100:
        raise ValidationFailed("Your display name needs 1 to 100 characters.")
    tz = validate_timezone(timezone)
    player = await get_player(session, player_id)
    if display_name != player.display_name:
        await player_service.rename_player(session, player_id, display_name)
    player.timezone = tz
    await session.flush()
    return player


async def update_characters(
    session: AsyncSession,
    player_id: int,
    *,
    main_character_id: int | None,
    main_spec_id: int | None,
    offspec_character_id: int | None,
    offspec_spec_id: int | None,
) -> None:
    """Main/offspec; ownership and "spec belongs to the character's class" are enforced
    by ``sv_common.identity.players.set_main_and_offspec``."""
    await get_player(session, player_id)
    if main_spec_id is not None and main_character_id is None:
        raise ValidationFailed("Pick a main character before its spec.")
    if offspec_spec_id is not None and offspec_character_id is None:
        raise ValidationFailed("Pick an offspec character before its spec.")
    await player_service.set_main_and_offspec(
        session,
        player_id=player_id,
        main_character_id=main_character_id,
        main_spec_id=main_spec_id,
        offspec_character_id=offspec_character_id,
        offspec_spec_id=offspec_spec_id,
    )


async def replace_availability(session: AsyncSession, player_id: int, days: list[DayAvailability]) -> None:
    """Store the week as given (one row per listed day; unlisted days are cleared).

    The player row is locked first, so two saves at the same moment run one after the
    other (delete-then-insert without it collided on the unique day index).
    """
    await get_player(session, player_id)
    await session.execute(select(Player.id).where(Player.id == player_id).with_for_update())
    seen = {d.day_of_week for d in days}
    if len(seen) != len(days):
        raise ValidationFailed("Each day may appear only once.")
    await session.execute(delete(PlayerAvailability).where(PlayerAvailability.player_id == player_id))
    for day in days:
        session.add(
            PlayerAvailability(
                player_id=player_id,
                day_of_week=day.day_of_week,
                available=day.available,
                earliest_start=day.earliest_start,
                available_hours=day.available_hours,
            )
        )
    await session.flush()


async def availability_of(session: AsyncSession, player_id: int) -> dict[int, PlayerAvailability]:
    rows = await session.scalars(select(PlayerAvailability).where(PlayerAvailability.player_id == player_id))
    return {row.day_of_week: row for row in rows}


async def owned_characters(session: AsyncSession, player_id: int) -> list[dict[str, Any]]:
    """The player's current characters with class (id, name, colour) and active spec."""
    rows = await session.execute(
        select(WowCharacter, WowClass)
        .join(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .outerjoin(WowClass, WowClass.id == WowCharacter.class_id)
        .where(PlayerCharacter.player_id == player_id, WowCharacter.removed_at.is_(None))
        .order_by(WowCharacter.character_name, WowCharacter.realm_slug)
    )
    return [
        {
            "id": character.id,
            "name": character.character_name,
            "realm_slug": character.realm_slug,
            "class_id": character.class_id,
            "class_name": wow_class.name if wow_class else None,
            "class_colour": wow_class.color_hex if wow_class else None,
            "active_spec_id": character.active_spec_id,
            "item_level": character.item_level,
        }
        for character, wow_class in rows.all()
    ]


async def specs_by_class(session: AsyncSession) -> dict[int, list[dict[str, Any]]]:
    rows = await session.execute(
        select(Specialization, Role.name)
        .join(Role, Role.id == Specialization.default_role_id)
        .order_by(Specialization.class_id, Specialization.name)
    )
    grouped: dict[int, list[dict[str, Any]]] = {}
    for spec, role in rows.all():
        grouped.setdefault(spec.class_id, []).append({"id": spec.id, "name": spec.name, "role": role})
    return grouped


async def profile_context(session: AsyncSession, player_id: int) -> dict[str, Any]:
    """Everything the profile page shows about the player."""
    player = await session.scalar(
        select(Player).where(Player.id == player_id).options(selectinload(Player.guild_rank))
    )
    if player is None:
        raise NotFound("Your account is not linked to a guild member yet; ask an officer.")
    availability = await availability_of(session, player_id)
    return {
        "player": player,
        "characters": await owned_characters(session, player_id),
        "specs_by_class": await specs_by_class(session),
        "days": [(i, DAY_NAMES[i], availability.get(i)) for i in range(7)],
        "timezones": timezone_choices(),
    }
