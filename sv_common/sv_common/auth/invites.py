"""Invite codes: generation, normalisation and expiry (no database here; see ``service``).

Codes use an alphabet without look-alike characters (no I, L, O, 0, 1) so they can be
read aloud or typed from a screenshot, and are drawn with ``secrets`` so they cannot be
predicted. 31^8 (~8.5e11) codes plus rate-limited redemption make guessing impractical.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_CODE_LENGTH = 8


def generate_invite_code(length: int = INVITE_CODE_LENGTH) -> str:
    """A fresh random code of ``length`` characters from INVITE_ALPHABET."""
    if length < 1:
        raise ValueError("length must be positive")
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(length))


def normalise_invite_code(text: str | None) -> str:
    """The code as stored: surrounding whitespace removed, upper case ("  ab3k " -> "AB3K")."""
    return (text or "").strip().upper()


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; a naive value is taken to be UTC already (how they were stored)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def invite_expired(expires_at: datetime | None, *, now: datetime | None = None) -> bool:
    """True when ``expires_at`` has passed. No expiry means the code never expires."""
    if expires_at is None:
        return False
    current = as_utc(now) if now is not None else datetime.now(UTC)
    return as_utc(expires_at) <= current
