"""Request bodies of Mito's API (bounded, unknown fields refused) and its path parameters."""

from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["quotes", "titles"]
# Path ids are PostgreSQL integers: anything larger is a 422, never a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NewEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=1000)
    context: str | None = Field(None, max_length=1000)


class EditEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=1000)
