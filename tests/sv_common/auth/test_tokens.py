"""JWT session tokens: claims, expiry, algorithm allow-list, malformed input."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from sv_common.auth.tokens import TokenClaims, decode_token, issue_token
from sv_common.errors import Unauthorized

SECRET = "unit-test-secret-that-is-long-enough-for-hs512-0123456789abcdef-xyz"


def _raw(claims: dict, *, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {"sub": "7", "ver": 3, "iat": now, "exp": now + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_round_trip_carries_user_version_and_times():
    before = datetime.now(UTC).replace(microsecond=0)
    token = issue_token(user_id=42, token_version=5, secret=SECRET, expires_minutes=30)
    claims = decode_token(token, secret=SECRET)
    assert isinstance(claims, TokenClaims)
    assert (claims.user_id, claims.token_version) == (42, 5)
    assert claims.issued_at.tzinfo is not None
    assert before <= claims.issued_at <= datetime.now(UTC)
    assert claims.expires_at - claims.issued_at == timedelta(minutes=30)


def test_payload_has_exactly_the_documented_claims():
    token = issue_token(user_id=1, token_version=0, secret=SECRET, expires_minutes=5)
    payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert set(payload) == {"sub", "ver", "iat", "exp", "jti"}
    assert payload["sub"] == "1"


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithms_work_when_configured(algorithm):
    token = issue_token(user_id=9, token_version=1, secret=SECRET, expires_minutes=5, algorithm=algorithm)
    assert decode_token(token, secret=SECRET, algorithm=algorithm).user_id == 9
    with pytest.raises(Unauthorized):
        decode_token(token, secret=SECRET)  # only the configured algorithm is accepted


def test_expired_token_is_refused_without_leeway():
    now = int(time.time())
    token = _raw(_claims(iat=now - 120, exp=now - 1))
    with pytest.raises(Unauthorized) as info:
        decode_token(token, secret=SECRET)
    assert info.value.code == "token_expired"
    assert info.value.status == 401


def test_wrong_secret_and_tampering_are_refused():
    token = issue_token(user_id=1, token_version=0, secret=SECRET, expires_minutes=5)
    with pytest.raises(Unauthorized):
        decode_token(token, secret=SECRET + "x")
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(b'{"sub":"2","ver":0,"iat":1,"exp":9999999999}').decode()
    with pytest.raises(Unauthorized):
        decode_token(f"{header}.{forged_payload}.{signature}", secret=SECRET)


def test_alg_none_token_is_refused():
    token = jwt.encode(_claims(), None, algorithm="none")
    with pytest.raises(Unauthorized):
        decode_token(token, secret=SECRET)


@pytest.mark.parametrize("missing", ["sub", "ver", "iat", "exp"])
def test_every_claim_is_required(missing):
    token = _raw(_claims(**{missing: None}))
    with pytest.raises(Unauthorized) as info:
        decode_token(token, secret=SECRET)
    assert info.value.code == "invalid_token"


@pytest.mark.parametrize(
    "overrides",
    [
        {"sub": "abc"},
        {"sub": "-1"},
        {"sub": "１２"},  # full-width digits are not our ids
        {"ver": "1"},
        {"ver": True},
        {"ver": -1},
        {"ver": 1.5},
        {"iat": int(time.time()) + 3600},  # issued in the future
    ],
)
def test_malformed_claims_are_refused(overrides):
    with pytest.raises(Unauthorized):
        decode_token(_raw(_claims(**overrides)), secret=SECRET)


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_refused(token):
    with pytest.raises(Unauthorized):
        decode_token(token, secret=SECRET)


def test_misconfiguration_is_a_programming_error():
    with pytest.raises(ValueError):
        issue_token(user_id=1, token_version=0, secret=SECRET, expires_minutes=5, algorithm="none")
    with pytest.raises(ValueError):
        issue_token(user_id=1, token_version=0, secret=SECRET, expires_minutes=5, algorithm="RS256")
    with pytest.raises(ValueError):
        issue_token(user_id=1, token_version=0, secret="", expires_minutes=5)
    with pytest.raises(ValueError):
        issue_token(user_id=1, token_version=0, secret=SECRET, expires_minutes=0)
    with pytest.raises(ValueError):
        decode_token("x.y.z", secret=SECRET, algorithm="none")


def test_tokens_issued_in_the_same_second_differ():
    """A logout revokes one token; a new login in the same second must get a different one."""
    from sv_common.auth.tokens import decode_token, issue_token

    first = issue_token(user_id=1, token_version=0, secret="s" * 40, expires_minutes=5)
    second = issue_token(user_id=1, token_version=0, secret="s" * 40, expires_minutes=5)
    assert first != second
    assert decode_token(second, secret="s" * 40).user_id == 1


@pytest.mark.parametrize("exp", [10**20, 2**63, 1e300, float("inf"), float("nan")])
def test_a_signed_token_with_an_absurd_expiry_is_refused_not_a_crash(exp):
    # Signed with the real secret (so only the claim is odd): OverflowError/ValueError were a 500.
    payload = jwt.utils.base64url_encode(
        f'{{"sub":"7","ver":0,"iat":{int(time.time())},"exp":{_json_number(exp)}}}'.encode()
    ).decode()
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}').decode()
    signing_input = f"{header}.{payload}".encode()
    signature = jwt.utils.base64url_encode(
        jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(signing_input, SECRET.encode())
    ).decode()
    with pytest.raises(Unauthorized) as info:
        decode_token(f"{header}.{payload}.{signature}", secret=SECRET)
    assert info.value.code == "invalid_token"


def _json_number(value: float) -> str:
    if value != value:
        return "NaN"
    return "Infinity" if value == float("inf") else str(value)
