"""Signed session tokens (JWT via PyJWT).

A token carries only who it is for and which *token version* it was issued under:
``sub`` (the user id as a string), ``ver``, ``iat``, ``exp`` and a random ``jti`` (so two
tokens issued in the same second differ, and revoking one never revokes the other). Rank and names are
never read from a token; they are loaded from the database on every request. Bumping
``users.token_version`` therefore revokes every token issued before (see
``service.revoke_all_tokens``).

Decoding accepts exactly one algorithm (the configured one, never ``none``), requires
all four claims and uses no leeway, so an expired token is refused at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from sv_common.errors import Unauthorized

# The secret is a shared string, so only the HMAC family makes sense.
SUPPORTED_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
REQUIRED_CLAIMS = ("sub", "ver", "iat", "exp")

_INVALID = "Your session is not valid. Please log in again."
_EXPIRED = "Your session has expired. Please log in again."


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says. Times are timezone-aware UTC."""

    user_id: int
    token_version: int
    issued_at: datetime
    expires_at: datetime


def _check_config(secret: str, algorithm: str) -> None:
    # Misconfiguration is a programming/deployment error, not a user error.
    if algorithm not in SUPPORTED_ALGORITHMS:
        supported = ", ".join(sorted(SUPPORTED_ALGORITHMS))
        raise ValueError(f"Unsupported token algorithm {algorithm!r}; use one of {supported}")
    if not secret:
        raise ValueError("A token secret is required")


def issue_token(
    *, user_id: int, token_version: int, secret: str, expires_minutes: int, algorithm: str = "HS256"
) -> str:
    """A signed token for ``user_id`` valid for ``expires_minutes`` from now."""
    _check_config(secret, algorithm)
    if expires_minutes <= 0:
        raise ValueError("expires_minutes must be positive")
    now = datetime.now(UTC).replace(microsecond=0)
    payload = {
        "jti": secrets.token_urlsafe(12),
        "sub": str(int(user_id)),
        "ver": int(token_version),
        "iat": now,
        "exp": now + timedelta(minutes=expires_minutes),
    }
    return jwt.encode(payload, secret, algorithm=algorithm)


def decode_token(token: str, *, secret: str, algorithm: str = "HS256") -> TokenClaims:
    """Verify ``token`` and return its claims; raise Unauthorized when it is bad, forged or expired."""
    _check_config(secret, algorithm)
    if not token or not isinstance(token, str):
        raise Unauthorized(_INVALID, code="invalid_token")
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            leeway=0,
            options={"require": list(REQUIRED_CLAIMS), "verify_signature": True},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized(_EXPIRED, code="token_expired") from None
    except (jwt.PyJWTError, OverflowError, ValueError):
        # PyJWT's int(exp) overflows on a signed exp of 1e400 (JSON ``Infinity``) instead of
        # raising its own error: a token we never issued, not a server failure.
        raise Unauthorized(_INVALID, code="invalid_token") from None

    sub, ver, iat, exp = (payload[name] for name in REQUIRED_CLAIMS)
    # bool is an int subclass; a token saying ver=true is not one we issued.
    if not (isinstance(sub, str) and sub.isascii() and sub.isdigit()):
        raise Unauthorized(_INVALID, code="invalid_token")
    if not isinstance(ver, int) or isinstance(ver, bool) or ver < 0:
        raise Unauthorized(_INVALID, code="invalid_token")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (iat, exp)):
        raise Unauthorized(_INVALID, code="invalid_token")
    try:
        issued_at, expires_at = datetime.fromtimestamp(iat, UTC), datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):  # e.g. exp=10**20: past the year 9999
        raise Unauthorized(_INVALID, code="invalid_token") from None
    return TokenClaims(user_id=int(sub), token_version=ver, issued_at=issued_at, expires_at=expires_at)
