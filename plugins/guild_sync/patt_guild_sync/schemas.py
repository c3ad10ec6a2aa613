"""Request bodies of the guild-sync API.

The addon upload keeps the original companion's body (reference §10.5) and also takes the
addon's own spellings (``note``, ``officerNote``, ``rankName`` ...) and extra fields a newer
addon may send; entries are validated one by one so a 422 can name every bad entry.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

MAX_INT = 2**31 - 1


def _printable(value: str | None) -> str | None:
    if value is not None and any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


Text = Annotated[str, AfterValidator(_printable)]


def _alias(*names: str):
    return AliasChoices(*names)


class UploadCharacter(BaseModel):
    """One roster entry of an addon export. Unknown extra fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: Text = Field(min_length=1, max_length=50)
    realm: Text | None = Field(None, max_length=100)
    class_name: Text | None = Field(None, max_length=30, validation_alias=_alias("class", "class_name"))
    level: int | None = Field(None, ge=0, le=1000)
    rank: int | None = Field(None, ge=0, le=255, validation_alias=_alias("rank", "rank_index"))
    rank_name: Text | None = Field(None, max_length=100, validation_alias=_alias("rank_name", "rankName"))
    guild_note: Text | None = Field(None, max_length=255, validation_alias=_alias("guild_note", "note"))
    officer_note: Text | None = Field(
        None, max_length=255, validation_alias=_alias("officer_note", "officerNote")
    )
    is_online: bool | None = Field(None, validation_alias=_alias("is_online", "isOnline"))
    # "Online", "2d 3h", "1y 2m 3d", an ISO time or a unix timestamp.
    last_online: Text | int | float | None = Field(None, validation_alias=_alias("last_online", "lastOnline"))
    zone: Text | None = Field(None, max_length=100)
    achievement_points: int | None = Field(
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
    export_time: int | float | Text | None = Field(None, validation_alias=_alias("export_time", "exportTime"))


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=100)


class SyncTrigger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Skip Last-Modified and fetch every profile again.
    full: bool = False
