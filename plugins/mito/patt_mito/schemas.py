"""Request bodies of Mito's API (bounded, unknown fields refused) and its path parameters."""

from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from sv_common.validation import NotBlank

Kind = Literal["quotes", "titles"]
# Path ids are PostgreSQL integers: anything larger is a 422, never a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# Spaces and line breaks are collapsed by the service; only a blank text is refused here.
EntryText = Annotated[str, Field(min_length=1, max_length=1000), NotBlank]


class NewEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: EntryText
    context: str | None = Field(None, max_length=1000)


class EditEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: EntryText
