"""Password hashing (bcrypt) and the password policy.

bcrypt only reads the first 72 bytes of a password, so the policy refuses longer ones
instead of letting two different passwords hash alike. Hashing is deliberately slow
(~0.25 s at cost 12): async code must use the ``*_async`` wrappers, which run bcrypt in
a worker thread so the event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio

import bcrypt

from sv_common.auth.weak_passwords import weakness
from sv_common.errors import ValidationFailed

BCRYPT_ROUNDS = 12  # the cost of real passwords
_cost = {"rounds": BCRYPT_ROUNDS}
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's input limit


def default_rounds() -> int:
    """The cost new hashes get: ``BCRYPT_ROUNDS`` unless a test suite lowered it."""
    return _cost["rounds"]


def set_test_rounds(rounds: int) -> None:
    """Lower the default cost for a test suite: at 4 (bcrypt's minimum) a hash takes about a
    millisecond instead of a quarter of a second, and tests create and log in many members.
    patt-host's pytest plugin does this; nothing outside tests may call it."""
    if not 4 <= rounds <= BCRYPT_ROUNDS:
        raise ValueError(f"bcrypt rounds for tests must be 4..{BCRYPT_ROUNDS}")
    _cost["rounds"] = rounds


def check_password_policy(pw: str, *, username: str | None = None, display_name: str | None = None) -> None:
    """Raise ValidationFailed unless ``pw`` has 8 characters to 72 UTF-8 bytes and is not
    weak: not a common password, not containing ``username`` or the member's ``display_name``,
    not a trivial repetition."""
    if not isinstance(pw, str) or len(pw) < MIN_PASSWORD_CHARS:
        raise ValidationFailed(f"Passwords need at least {MIN_PASSWORD_CHARS} characters.")
    if len(pw.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValidationFailed(
            f"That password is too long (at most {MAX_PASSWORD_BYTES} bytes; "
            "some characters count as several)."
        )
    reason = weakness(pw, username=username, display_name=display_name)
    if reason is not None:
        raise ValidationFailed(reason, code="weak_password")


def hash_password(pw: str, *, rounds: int | None = None) -> str:
    """A bcrypt hash of ``pw`` (salted, ``$2b$`` format). Refuses passwords bcrypt would truncate."""
    rounds = default_rounds() if rounds is None else rounds
    encoded = pw.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise ValidationFailed(f"That password is too long (at most {MAX_PASSWORD_BYTES} bytes).")
    return bcrypt.hashpw(encoded, bcrypt.gensalt(rounds=rounds)).decode("ascii")


def verify_password(pw: str, hashed: str) -> bool:
    """True when ``pw`` matches ``hashed``. A malformed hash or an over-long password is simply False."""
    encoded = pw.encode("utf-8")
    if not hashed or len(encoded) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(encoded, hashed.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        # An unusable stored hash (e.g. a placeholder) must never let anyone in.
        return False


def needs_rehash(hashed: str, *, rounds: int | None = None) -> bool:
    """True when ``hashed`` was made with a lower cost than ``rounds`` (so it should be upgraded at login)."""
    rounds = default_rounds() if rounds is None else rounds
    try:
        _, scheme, cost, _ = hashed.split("$", 3)
        return scheme not in {"2a", "2b", "2y"} or int(cost) < rounds
    except ValueError:
        return True


async def hash_password_async(pw: str, *, rounds: int | None = None) -> str:
    """``hash_password`` in a worker thread, so the event loop is not blocked."""
    return await asyncio.to_thread(hash_password, pw, rounds=rounds)


async def verify_password_async(pw: str, hashed: str) -> bool:
    """``verify_password`` in a worker thread, so the event loop is not blocked."""
    return await asyncio.to_thread(verify_password, pw, hashed)
