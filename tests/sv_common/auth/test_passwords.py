"""Password hashing and policy (bcrypt, 72-byte limit, non-blocking wrappers)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import bcrypt
import pytest

from sv_common.auth.passwords import (
    BCRYPT_ROUNDS,
    check_password_policy,
    default_rounds,
    hash_password,
    hash_password_async,
    needs_rehash,
    set_test_rounds,
    verify_password,
    verify_password_async,
)
from sv_common.errors import ValidationFailed


def test_hash_and_verify_round_trip():
    hashed = hash_password("correct horse battery", rounds=BCRYPT_ROUNDS)
    assert hashed.startswith(f"$2b${BCRYPT_ROUNDS:02d}$")
    assert verify_password("correct horse battery", hashed)
    assert not verify_password("correct horse batterY", hashed)
    assert not verify_password("", hashed)


def test_same_password_gets_a_fresh_salt_each_time():
    assert hash_password("same-password", rounds=4) != hash_password("same-password", rounds=4)


def test_non_ascii_passwords_round_trip():
    hashed = hash_password("pässwörd-ünïcode", rounds=4)
    assert verify_password("pässwörd-ünïcode", hashed)
    assert not verify_password("passwort-unicode", hashed)


@pytest.mark.parametrize("stored", ["", "not-a-bcrypt-hash", "$2b$12$short", "!disabled"])
def test_verify_against_unusable_hash_is_false(stored):
    assert verify_password("whatever123", stored) is False


def test_password_longer_than_bcrypt_limit_is_refused_not_truncated():
    long = "a" * 73
    with pytest.raises(ValidationFailed):
        hash_password(long)
    hashed = hash_password("a" * 72, rounds=4)
    # bcrypt would ignore byte 73; we refuse to say it matches.
    assert verify_password(long, hashed) is False
    assert verify_password("a" * 72, hashed) is True


@pytest.mark.parametrize("pw", ["correct horse battery", "Tr0ub4dor&3", "€uro-kn1ght-€" * 2, "pass word x"])
def test_policy_accepts(pw):
    check_password_policy(pw)


@pytest.mark.parametrize(
    ("pw", "fragment"),
    [
        ("", "at least 8"),
        ("1234567", "at least 8"),
        ("a" * 73, "too long"),
        ("12345678", "attackers try"),
        ("a" * 72, "too few different"),
        ("€" * 24, "too few different"),
        ("€" * 25, "too long"),  # 25 characters but 75 bytes
    ],
)
def test_policy_refuses(pw, fragment):
    with pytest.raises(ValidationFailed) as info:
        check_password_policy(pw)
    assert fragment in info.value.message
    assert info.value.status == 422


def test_needs_rehash_detects_weaker_cost():
    assert needs_rehash(hash_password("password1", rounds=4), rounds=BCRYPT_ROUNDS)
    assert not needs_rehash(hash_password("password1", rounds=4), rounds=4)
    assert needs_rehash("garbage")
    assert not needs_rehash(bcrypt.hashpw(b"x", bcrypt.gensalt(BCRYPT_ROUNDS)).decode(), rounds=BCRYPT_ROUNDS)


def test_real_passwords_get_cost_12_and_tests_the_minimum():
    """The harness lowers the cost for tests only: a process without it hashes at 12."""
    assert BCRYPT_ROUNDS == 12 and default_rounds() == 4
    assert hash_password("quick test password").startswith("$2b$04$")
    code = "from sv_common.auth.passwords import hash_password; print(hash_password('a real password')[:7])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "$2b$12$"
    with pytest.raises(ValueError):
        set_test_rounds(3)


async def test_async_wrappers_do_not_block_the_event_loop():
    ticks = 0
    stop = asyncio.Event()

    async def ticker():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    hashed = await hash_password_async("non-blocking-pw", rounds=BCRYPT_ROUNDS)
    ok = await verify_password_async("non-blocking-pw", hashed)
    stop.set()
    await task
    assert ok
    # Two cost-12 bcrypt runs take ~0.5 s; a blocked loop would tick once or twice.
    assert ticks >= 10
