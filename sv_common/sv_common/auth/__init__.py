"""Authentication primitives shared by every site: actors, passwords, tokens, CSRF, invites, rate limits.

The database services (``sv_common.auth.service``) are exported lazily, so importing
``Actor`` or the token helpers does not pull in the identity models (and cannot form an
import cycle with ``sv_common.identity``).
"""

from __future__ import annotations

import importlib
from typing import Any

from sv_common.auth.actor import Actor
from sv_common.auth.constants import AUTH_COOKIE
from sv_common.auth.csrf import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    csrf_cookie_name,
    csrf_matches,
    new_csrf_token,
)
from sv_common.auth.invites import (
    INVITE_ALPHABET,
    INVITE_CODE_LENGTH,
    generate_invite_code,
    invite_expired,
    normalise_invite_code,
)
from sv_common.auth.passwords import (
    check_password_policy,
    hash_password,
    hash_password_async,
    verify_password,
    verify_password_async,
)
from sv_common.auth.ratelimit import RateLimiter
from sv_common.auth.tokens import TokenClaims, decode_token, issue_token

_SERVICE_NAMES = frozenset(
    {
        "actor_for_claims",
        "actor_for_token",
        "actor_for_user",
        "authenticate_password",
        "change_password",
        "check_username",
        "create_invite",
        "issue_invite",
        "list_invites",
        "normalise_username",
        "register_with_invite",
        "revoke_all_tokens",
        "revoke_invite",
        "token_for_user",
        "user_for_claims",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SERVICE_NAMES:
        return getattr(importlib.import_module("sv_common.auth.service"), name)
    raise AttributeError(f"module 'sv_common.auth' has no attribute {name!r}")


__all__ = [
    "AUTH_COOKIE",
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "INVITE_ALPHABET",
    "INVITE_CODE_LENGTH",
    "Actor",
    "RateLimiter",
    "TokenClaims",
    "check_password_policy",
    "csrf_cookie_name",
    "csrf_matches",
    "decode_token",
    "generate_invite_code",
    "hash_password",
    "hash_password_async",
    "invite_expired",
    "issue_token",
    "new_csrf_token",
    "normalise_invite_code",
    "verify_password",
    "verify_password_async",
    *sorted(_SERVICE_NAMES),
]
