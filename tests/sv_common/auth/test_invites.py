"""Invite code generation, normalisation and expiry (naive expiry counts as UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sv_common.auth.invites import (
    INVITE_ALPHABET,
    INVITE_CODE_LENGTH,
    generate_invite_code,
    invite_expired,
    normalise_invite_code,
)


def test_alphabet_has_no_look_alikes():
    assert INVITE_ALPHABET == "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    assert not set("ILO01") & set(INVITE_ALPHABET)


def test_codes_are_eight_characters_from_the_alphabet_and_vary():
    codes = [generate_invite_code() for _ in range(2000)]
    assert all(len(code) == INVITE_CODE_LENGTH == 8 for code in codes)
    assert all(set(code) <= set(INVITE_ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)
    # 16,000 characters: every symbol of the alphabet shows up (a biased generator would not).
    assert set("".join(codes)) == set(INVITE_ALPHABET)


def test_normalise_strips_and_uppercases():
    assert normalise_invite_code("  ab3kx7yz \n") == "AB3KX7YZ"
    assert normalise_invite_code("") == ""
    assert normalise_invite_code(None) == ""


NOON = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def test_no_expiry_never_expires():
    assert invite_expired(None, now=NOON) is False


def test_naive_expiry_counts_as_utc():
    assert invite_expired(datetime(2030, 6, 1, 11, 59), now=NOON) is True
    assert invite_expired(datetime(2030, 6, 1, 12, 1), now=NOON) is False


def test_aware_expiry_in_another_zone_is_compared_in_utc():
    eastern = timezone(timedelta(hours=-5))
    # 07:30 at UTC-5 is 12:30 UTC: still valid at noon UTC, though 07:30 < 12:00 naively.
    assert invite_expired(datetime(2030, 6, 1, 7, 30, tzinfo=eastern), now=NOON) is False
    assert invite_expired(datetime(2030, 6, 1, 6, 59, tzinfo=eastern), now=NOON) is True


def test_expiry_boundary_is_expired():
    assert invite_expired(NOON, now=NOON) is True


def test_default_now_is_current_time():
    assert invite_expired(datetime.now(UTC) - timedelta(seconds=1)) is True
    assert invite_expired(datetime.now(UTC) + timedelta(minutes=1)) is False
