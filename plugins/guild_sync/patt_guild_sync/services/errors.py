"""Domain errors specific to guild sync (mapped to the JSON envelope by the host)."""

from __future__ import annotations

from sv_common.errors import DomainError


class PayloadTooLarge(DomainError):
    """The request body is too large."""

    status = 413
    code = "payload_too_large"
