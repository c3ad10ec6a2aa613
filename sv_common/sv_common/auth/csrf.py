"""CSRF tokens for cookie-authenticated (and form) requests: a signed double-submit cookie
bound to the session.

The cookie holds ``nonce.signature``; an unsafe request must echo the same value in a
form field or header. The signature (keyed by the site secret) covers the nonce *and the
session it was issued for* (a hash of the session cookie, empty when anonymous), so an
attacker who can plant cookies can neither choose a token nor pre-plant an anonymous pair
that stays valid once the victim logs in. Logins issue a fresh token (``rotate`` at the
call site); in production the cookie is ``__Host-`` prefixed (Secure, Path=/, no Domain).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "patt_csrf"
CSRF_COOKIE_SECURE = "__Host-patt_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_cookie_name(production: bool) -> str:
    """The cookie's name: ``__Host-`` prefixed in production (browsers then refuse it over
    plain HTTP and from subdomains)."""
    return CSRF_COOKIE_SECURE if production else CSRF_COOKIE


def _binding(session_token: str | None) -> str:
    return hashlib.sha256(session_token.encode()).hexdigest()[:32] if session_token else ""


def _sign(secret: str, nonce: str, session_token: str | None) -> str:
    message = f"csrf:{nonce}:{_binding(session_token)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def new_csrf_token(secret: str, session_token: str | None = None) -> str:
    """A fresh token for the session whose cookie value is ``session_token`` (None: anonymous)."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce, session_token)}"


def valid_csrf_token(secret: str, token: str | None, session_token: str | None = None) -> bool:
    """True when ``token`` carries our signature for this session."""
    if not token or token.count(".") != 1:
        return False
    nonce, signature = token.split(".")
    return hmac.compare_digest(signature, _sign(secret, nonce, session_token))


def csrf_matches(
    secret: str, cookie_token: str | None, presented: str | None, session_token: str | None = None
) -> bool:
    """True when the presented token is the cookie's token, signed for this session."""
    if not cookie_token or not presented:
        return False
    return hmac.compare_digest(cookie_token, presented) and valid_csrf_token(
        secret, cookie_token, session_token
    )
