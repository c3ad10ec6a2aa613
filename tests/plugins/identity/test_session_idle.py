"""The idle timeout (PATT_IDENTITY_SESSION_IDLE_MINUTES): a session unused for that long is refused
although its token lives 14 days; every use pushes the limit out again. Idleness is arranged by
moving the recorded last use back in the database (the clock the check reads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from patt_identity.deps import token_hash
from patt_identity.models import SessionActivity
from sv_common.auth.tokens import issue_token


@pytest.fixture(autouse=True)
def _five_minutes(monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_SESSION_IDLE_MINUTES", "5")


async def _last_used(db, token: str, minutes_ago: float | None = None) -> datetime | None:
    async with db.session() as s:
        if minutes_ago is not None:
            await s.execute(
                update(SessionActivity)
                .where(SessionActivity.token_hash == token_hash(token))
                .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=minutes_ago))
            )
        return await s.scalar(
            select(SessionActivity.last_seen_at).where(SessionActivity.token_hash == token_hash(token))
        )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_session_idle_past_the_limit_is_refused_and_use_slides_it(make_client, guild, log_in, db):
    member = await guild.member()
    web = await make_client()
    token = await log_in(web, member)
    assert await _last_used(db, token) is not None  # recorded at the login

    await _last_used(db, token, minutes_ago=4)  # 4 of 5 minutes idle: still a session
    other_process = await make_client()  # its first sight of the session writes the use
    assert (await other_process.get("/api/v1/auth/me", headers=_bearer(token))).status_code == 200
    assert await _last_used(db, token) > datetime.now(UTC) - timedelta(minutes=1)  # slid forward

    await _last_used(db, token, minutes_ago=6)
    refused = await other_process.get("/api/v1/auth/me", headers=_bearer(token))
    assert refused.status_code == 401
    # The cookie of the same session is refused too: the page asks for a login again.
    page = await web.get("/admin/players", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")

    again = await log_in(web, member)  # a new login is a new session
    assert (await web.get("/api/v1/auth/me", headers=_bearer(again))).status_code == 200


async def test_a_token_from_before_the_idle_timeout_is_recorded_on_its_next_use(make_client, guild, db):
    member = await guild.member()
    client = await make_client()
    async with db.session() as s:
        from sv_common.identity.models import Player, User

        player = await s.get(Player, member.player_id)
        user = await s.get(User, player.website_user_id)
    token = issue_token(
        user_id=user.id, token_version=user.token_version, secret=client.host.secret, expires_minutes=60
    )
    async with db.session() as s:
        await s.execute(delete(SessionActivity).where(SessionActivity.token_hash == token_hash(token)))
    assert (await client.get("/api/v1/auth/me", headers=_bearer(token))).status_code == 200
    assert await _last_used(db, token) is not None
