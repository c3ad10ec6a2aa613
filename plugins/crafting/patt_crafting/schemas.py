"""Request bodies and query parameters (validated at the edge: bounded, plain text)."""

from datetime import date
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from sv_common.validation import CleanText, NonBlankStr

RecipeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
OrderId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SeasonId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SearchText = Annotated[str | None, Query(max_length=100)]
NameFilter = Annotated[str | None, Query(max_length=100)]
OrderAction = Literal["claim", "done", "cancel"]
Snowflake = Annotated[str, Field(pattern=r"^[0-9]{15,21}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewOrder(_Body):
    recipe_id: int = Field(ge=1, le=2**31 - 1)
    quantity: int = Field(1, ge=1, le=1000)
    note: Annotated[CleanText, Field(max_length=500)] | None = None


class Preferences(_Body):
    ping_for_orders: bool


class ConfigChange(_Body):
    crafters_corner_channel_id: Snowflake | None = None
    # Daily syncs through this date (UTC); null ends the override.
    cadence_override_until: date | None = None


class NewSeason(_Body):
    expansion_name: Annotated[NonBlankStr, Field(min_length=1, max_length=50)]
    season_number: int = Field(ge=1, le=99)
    start_date: date
    is_new_expansion: bool = False
    is_active: bool = True


class SeasonChange(_Body):
    expansion_name: Annotated[NonBlankStr, Field(min_length=1, max_length=50)] | None = None
    season_number: int | None = Field(None, ge=1, le=99)
    is_new_expansion: bool | None = None
    is_active: bool | None = None
    # Present only to be refused with a clear 409 (a season's start date is fixed).
    start_date: date | None = None
