"""Request bodies and query parameters (validated at the edge: bounded, plain text)."""

from datetime import date
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from sv_common.validation import CleanText, DbId, JsonBool, JsonInt

RecipeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
OrderId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SearchText = Annotated[str | None, Query(max_length=100)]
NameFilter = Annotated[str | None, Query(max_length=100)]
OrderAction = Literal["claim", "done", "cancel"]
Snowflake = Annotated[str, Field(pattern=r"^[0-9]{15,21}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewOrder(_Body):
    recipe_id: DbId
    quantity: JsonInt = Field(1, ge=1, le=1000)
    note: Annotated[CleanText, Field(max_length=500)] | None = None


class Preferences(_Body):
    ping_for_orders: JsonBool


class ConfigChange(_Body):
    crafters_corner_channel_id: Snowflake | None = None
    # Daily syncs through this date (UTC); null ends the override.
    cadence_override_until: date | None = None
