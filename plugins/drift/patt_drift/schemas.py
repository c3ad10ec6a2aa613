"""Request bodies and query filters of drift's routes (validated at the edge)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sv_common.validation import CleanText, NonBlankText

REASON_LIMIT = 500


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: CleanText | None = Field(None, max_length=REASON_LIMIT)


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: NonBlankText = Field(..., min_length=1, max_length=REASON_LIMIT)


class FindingFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{1,48}$")
    status: Literal["open", "dismissed", "resolved"] | None = "open"
    severity: Literal["info", "warning", "error"] | None = None
    page: int = Field(1, ge=1, le=10_000)
