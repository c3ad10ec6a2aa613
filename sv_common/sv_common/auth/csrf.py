"""CSRF tokens for cookie-authenticated (and form) requests: a signed double-submit cookie.

The cookie holds ``nonce.signature``; an unsafe request must echo the same value in a
form field or header. The signature (keyed by the site secret) stops an attacker who
can plant cookies from choosing a token of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "patt_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def new_csrf_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def valid_csrf_token(secret: str, token: str | None) -> bool:
    if not token or token.count(".") != 1:
        return False
    nonce, signature = token.split(".")
    return hmac.compare_digest(signature, _sign(secret, nonce))


def csrf_matches(secret: str, cookie_token: str | None, presented: str | None) -> bool:
    """True when the presented token is the cookie's token and carries our signature."""
    if not cookie_token or not presented:
        return False
    return hmac.compare_digest(cookie_token, presented) and valid_csrf_token(secret, cookie_token)
