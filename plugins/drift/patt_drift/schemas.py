"""Request bodies and query filters of drift's routes (validated at the edge)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sv_common.validation import CleanText, NonBlankText

REASON_LIMIT = 500


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: CleanText | None = Field(None, max_length=REASON_LIMIT)


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: NonBlankText = Field(..., min_length=1, max_length=REASON_LIMIT)


class FindingFilter(BaseModel):
    """The findings list's filters. An empty parameter counts as not given: the page's form
    sends ``rule=&severity=`` for its "all" options."""

    model_config = ConfigDict(extra="forbid")

    rule: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{1,48}$")
    status: Literal["open", "dismissed", "resolved"] | None = "open"
    severity: Literal["info", "warning", "error"] | None = None
    page: int = Field(1, ge=1, le=10_000)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_not_given(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value != ""}
        return data
