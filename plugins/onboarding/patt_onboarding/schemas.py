"""Path parameter types of onboarding's routes."""

from typing import Annotated

from fastapi import Path

from sv_common.validation import INT32_MAX

SessionId = Annotated[int, Path(ge=1, le=INT32_MAX)]
