"""Request bodies of the guild-sync API.

The addon upload keeps the original companion's body (reference §10.5) and also takes the
addon's own spellings (``note``, ``officerNote``, ``rankName`` ...) and extra fields a newer
addon may send; entries are validated one by one so a 422 can name every bad entry.
"""

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from sv_common.validation import JsonBool, JsonInt, NotBlank

MAX_INT = 2**31 - 1


def _printable(value: str | None) -> str | None:
    if value is not None and any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


Text = Annotated[str, AfterValidator(_printable)]
# A name: at least one visible character (not only spaces or zero-width characters).
Name = Annotated[Text, NotBlank]


def _alias(*names: str):
    return AliasChoices(*names)


MAX_TIMESTAMP_DIGITS = 20  # milliseconds until far past the year 9999; int() of more is only work


def parse_timestamp(value: Any) -> datetime:
    """Unix seconds or milliseconds (a number or its ASCII digits) or an ISO 8601 time, as aware UTC.

    Raises ValueError for anything else, including numbers past ``datetime``'s range
    (``10**400`` overflowed a float, ``"²"`` passed ``isdigit`` and failed ``int``).
    """
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            if len(text) > MAX_TIMESTAMP_DIGITS:
                raise ValueError("is too large for a unix time")
            value = int(text)
        else:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError("must be unix seconds or milliseconds, or an ISO 8601 time") from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            seconds = value / 1000 if value > 1e11 else value  # milliseconds from some exporters
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("is outside the range of a unix time") from None
    raise ValueError("must be unix seconds or milliseconds, or an ISO 8601 time")


MAX_EXPORT_TIME_TEXT = 40  # as published in the schema below


def _export_time(value: Any) -> datetime | None:
    if isinstance(value, str) and len(value) > MAX_EXPORT_TIME_TEXT:
        raise ValueError(
            f"must be unix seconds or milliseconds, or an ISO 8601 time (at most {MAX_EXPORT_TIME_TEXT} characters)"
        )
    return None if value is None else parse_timestamp(value)


# Validated into an aware datetime; published as what a client may send.
ExportTime = Annotated[
    datetime | None,
    BeforeValidator(_export_time),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "description": "unix seconds or milliseconds"},
                {
                    "type": "string",
                    "maxLength": MAX_EXPORT_TIME_TEXT,
                    "description": "ISO 8601 time or unix seconds",
                },
                {"type": "null"},
            ]
        }
    ),
]


class UploadCharacter(BaseModel):
    """One roster entry of an addon export. Unknown extra fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: Name = Field(min_length=1, max_length=50)
    realm: Text | None = Field(None, max_length=100)
    class_name: Text | None = Field(None, max_length=30, validation_alias=_alias("class", "class_name"))
    level: JsonInt | None = Field(None, ge=0, le=1000)
    rank: JsonInt | None = Field(None, ge=0, le=255, validation_alias=_alias("rank", "rank_index"))
    rank_name: Text | None = Field(None, max_length=100, validation_alias=_alias("rank_name", "rankName"))
    guild_note: Text | None = Field(None, max_length=255, validation_alias=_alias("guild_note", "note"))
    officer_note: Text | None = Field(
        None, max_length=255, validation_alias=_alias("officer_note", "officerNote")
    )
    is_online: JsonBool | None = Field(None, validation_alias=_alias("is_online", "isOnline"))
    # "Online", "2d 3h", "1y 2m 3d", an ISO time or a unix timestamp.
    last_online: Text | int | float | None = Field(None, validation_alias=_alias("last_online", "lastOnline"))
    zone: Text | None = Field(None, max_length=100)
    achievement_points: JsonInt | None = Field(
        None, ge=0, le=MAX_INT, validation_alias=_alias("achievement_points", "achievementPoints")
    )


class UploadEnvelope(BaseModel):
    """The body around the entries; entries stay raw here and are validated one by one."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    characters: list[Any] = Field(min_length=1)
    addon_version: Text = Field(
        "1.0", max_length=40, validation_alias=_alias("addon_version", "addonVersion")
    )
    uploaded_by: Text = Field("unknown", max_length=100)
    # When the addon exported (unix seconds or ISO); relative "last online" values count from it.
    export_time: ExportTime = Field(None, validation_alias=_alias("export_time", "exportTime"))


def upload_body_schema() -> dict[str, Any]:
    """The upload body as JSON Schema, entries included, for the route's OpenAPI ``requestBody``.

    The route reads the body itself (size cap first, then one entry at a time), so FastAPI
    cannot derive this; publishing it lets clients and generated-input tools reach it.
    """
    schema = UploadEnvelope.model_json_schema(by_alias=True)
    schema["properties"]["characters"]["items"] = UploadCharacter.model_json_schema(by_alias=True)
    return schema


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(min_length=1, max_length=100)


class SyncTrigger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Skip Last-Modified and fetch every profile again.
    full: JsonBool = False
