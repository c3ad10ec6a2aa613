"""Request bodies and path parameters (validated at the edge: bounded, plain text)."""

from datetime import date, time
from typing import Annotated, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from sv_common.validation import INT32_MAX, CleanStr, CleanText, DbId, JsonBool, JsonInt, NonBlankStr


def _player_id_in_range(value: str) -> str:
    if int(value) > INT32_MAX:  # a 422 here, not a database error on binding it later
        raise ValueError(f"player ids are at most {INT32_MAX}")
    return value


def _written_time(value: object) -> object:
    # pydantic would read a number as seconds after midnight, UTC (an offset the events refuse
    # with a misleading message and the weekly nights used to drop without a word).
    if isinstance(value, int | float):
        raise ValueError("must be a time written HH:MM, not a number")
    return value


RowId = Annotated[int, Path(ge=1, le=INT32_MAX)]
# A wall-clock time, "HH:MM": the event's (or the guild's) zone says where it is.
ClockTime = Annotated[time, BeforeValidator(_written_time)]
# A player id as a JSON object key.
PlayerKey = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,9}$"), AfterValidator(_player_id_in_range)]
Snowflake = Annotated[str, Field(pattern=r"^[0-9]{15,21}$")]
Zone = Annotated[CleanStr, Field(min_length=1, max_length=50)]
EventType = Literal["raid", "mythic_plus", "pvp", "social", "other"]
Status = Literal["accepted", "tentative", "bench", "absent"]
Override = Literal["accepted", "tentative", "bench", "absent", "skip"]
Mark = Literal["attended", "absent", "noted_absence"]
Label = Annotated[NonBlankStr, Field(min_length=1, max_length=100)]
Title = Annotated[NonBlankStr, Field(min_length=1, max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewRecurring(_Body):
    label: Label
    event_type: EventType = "raid"
    day_of_week: JsonInt = Field(ge=0, le=6)
    default_start_time: ClockTime = time(21, 0)
    default_duration_minutes: JsonInt = Field(120, ge=15, le=720)
    discord_channel_id: Snowflake | None = None
    is_active: JsonBool = True
    display_on_public: JsonBool = True


class RecurringChange(_Body):
    """An officer's edit of a weekly night: only the fields sent change. A field sent as null
    is refused (an unset default is not validated, so ``None`` here only means "not sent"),
    except the channel: null or "" clears it."""

    label: Label = None  # type: ignore[assignment]
    event_type: EventType = None  # type: ignore[assignment]
    day_of_week: JsonInt = Field(None, ge=0, le=6)
    default_start_time: ClockTime = None  # type: ignore[assignment]
    default_duration_minutes: JsonInt = Field(None, ge=15, le=720)
    discord_channel_id: Snowflake | Literal[""] | None = None
    is_active: JsonBool = None  # type: ignore[assignment]
    display_on_public: JsonBool = None  # type: ignore[assignment]


class NewEvent(_Body):
    title: Title
    event_type: EventType = "raid"
    event_date: date
    start_time: ClockTime
    timezone: Zone
    duration_minutes: JsonInt = Field(120, ge=15, le=720)
    channel_id: Snowflake | None = None
    description: Annotated[CleanText, Field(max_length=2000)] | None = None
    recurring_event_id: DbId | None = None
    # {player_id: status or "skip"}; keys are JSON strings. An id the rule would not sign up
    # (unknown, inactive, no rank or no main) is a 422 naming it (events.check_override_players).
    player_overrides: dict[PlayerKey, Override] = Field(default_factory=dict, max_length=1000)


class EventChange(_Body):
    """An officer's edit of an event: only the fields sent change (the channel cannot). A
    field sent as null is refused, except the description (null or "" clears it)."""

    title: Title = None  # type: ignore[assignment]
    description: Annotated[CleanText, Field(max_length=2000)] | None = None
    event_date: date = None  # type: ignore[assignment]
    start_time: ClockTime = None  # type: ignore[assignment]
    timezone: Zone = None  # type: ignore[assignment]
    duration_minutes: JsonInt = Field(None, ge=15, le=720)


class SignupBody(_Body):
    status: Status


class OfficerSignup(_Body):
    player_id: DbId
    status: Status


class AttendanceBody(_Body):
    # {player_id: mark}; keys are JSON strings.
    marks: dict[PlayerKey, Mark] = Field(min_length=1, max_length=500)


class AutoInvite(_Body):
    auto_invite_events: JsonBool
