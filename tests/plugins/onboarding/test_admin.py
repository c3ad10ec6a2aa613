"""The officers' onboarding page and API, the Discord settings page's counts, member data,
the demo sessions and the CLI: officer-only, with the queue overdue first."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from patt_host.testing import TEST_SECRET
from sv_common.discord.config import update_discord_config
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import DiscordUser, Player
from sv_common.notify.models import NotificationOutbox

DEMO_FIRST = 920_000_000_000_000_001


async def seed(db) -> dict[str, int]:
    """The demo's sessions (made by the real service calls); name -> session id."""
    from patt_onboarding.demo import seed_demo_sessions
    from patt_onboarding.models import OnboardingSession

    async with db.session() as session:
        summary = await seed_demo_sessions(session, None)
    assert summary == "6 onboarding sessions"
    async with db.session() as session:
        rows = await session.execute(
            select(DiscordUser.display_name, OnboardingSession.id).join(
                OnboardingSession, OnboardingSession.discord_member_id == DiscordUser.id
            )
        )
        return dict(rows.all())


async def state_of(db, session_id: int) -> str:
    from patt_onboarding.models import OnboardingSession

    async with db.session() as session:
        return (await session.get(OnboardingSession, session_id)).state


ROUTES = [
    ("GET", "/api/v1/onboarding/sessions"),
    ("POST", "/api/v1/onboarding/sessions/1/resolve"),
    ("POST", "/api/v1/onboarding/sessions/1/dismiss"),
    ("POST", "/api/v1/onboarding/sessions/1/retry"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_members_and_anonymous_are_refused(client, member_client, db, method, path):
    ids = await seed(db)
    path = path.replace("/1/", f"/{ids['Kaelynn']}/")
    assert (await client.request(method, path, json={})).status_code == 401
    assert (await member_client.request(method, path, json={})).status_code == 403
    assert await state_of(db, ids["Kaelynn"]) == "asked_main"  # nothing changed


async def test_the_page_is_for_officers_and_lists_the_overdue_first_with_history(
    member_client, officer_client, db
):
    ids = await seed(db)
    assert (await member_client.get("/admin/onboarding")).status_code == 403
    page = await officer_client.get("/admin/onboarding")
    assert page.status_code == 200
    open_part = page.text.split('id="onb-open-sessions"')[1].split('id="onb-closed-sessions"')[0]
    order = [name for name in ("Borvik", "Quiet One", "Kaelynn", "Seraphel") if name in open_part]
    assert order[0] == "Borvik" and set(order) == {"Borvik", "Quiet One", "Kaelynn", "Seraphel"}
    assert open_part.index("Borvik") < open_part.index("Kaelynn")
    assert "overdue" in open_part.split("Kaelynn")[0]
    assert "not in the guild yet): Borvikk" in open_part  # a transition's cause
    closed_part = page.text.split('id="onb-closed-sessions"')[1]
    assert "Tidecaller" in closed_part and "Mossfoot" in closed_part and "DMs closed" in closed_part
    data = officer_client.data(await officer_client.get("/api/v1/onboarding/sessions"))
    assert data["counts"]["open"] == 4 and data["counts"]["overdue"] == 1
    assert data["open"][0]["id"] == ids["Borvik"] and data["open"][0]["overdue"]
    assert [h["to"] for h in data["open"][0]["history"]][:2] == ["awaiting_dm", "asked_in_guild"]


async def test_dismiss_resolve_and_retry_answer_with_their_outcome(officer_client, db):
    ids = await seed(db)
    api = "/api/v1/onboarding/sessions"
    dismissed = await officer_client.post(f"{api}/{ids['Quiet One']}/dismiss", json={})
    assert officer_client.data(dismissed)["message"] == "Dismissed: closed without linking."
    again = await officer_client.post(f"{api}/{ids['Quiet One']}/dismiss", json={})
    assert again.status_code == 409 and "closed already" in again.json()["error"]["message"]
    not_waiting = await officer_client.post(f"{api}/{ids['Kaelynn']}/retry", json={})
    assert not_waiting.status_code == 409 and "asked_main" in not_waiting.json()["error"]["message"]
    assert (await officer_client.post(f"{api}/99999/retry", json={})).status_code == 404
    assert (await officer_client.post(f"{api}/0/retry", json={})).status_code == 422

    still = officer_client.data(await officer_client.post(f"{api}/{ids['Seraphel']}/retry", json={}))
    assert still == {"state": "pending_verification", "message": "Still not on the roster."}
    async with db.session() as session:
        await upsert_character(session, name="Seraphel", realm_slug="area-52", realm_name="Area 52")
        await update_discord_config(session, bot_dm_enabled=True, feature_onboarding_dm=True)
    done = officer_client.data(await officer_client.post(f"{api}/{ids['Seraphel']}/retry", json={}))
    assert done["state"] == "provisioned" and "invite by DM" in done["message"]
    async with db.session() as session:
        dm = await session.scalar(select(NotificationOutbox).where(NotificationOutbox.kind == "dm"))
    assert (dm.target, dm.status) == (str(DEMO_FIRST + 2), "pending") and "/register?code=" in dm.payload[
        "content"
    ]

    resolved = officer_client.data(await officer_client.post(f"{api}/{ids['Kaelynn']}/resolve", json={}))
    assert resolved["message"].startswith("Resolved: no role change") and resolved["invite_code"]
    assert await state_of(db, ids["Kaelynn"]) == "manually_resolved"
    async with db.session() as session:
        player = await session.scalar(select(Player).where(Player.display_name == "Kaelynn"))
        user = await session.get(DiscordUser, player.discord_user_id)
    assert user.discord_id == str(DEMO_FIRST)


async def test_the_discord_settings_page_shows_the_queue_counts(officer_client, db):
    await seed(db)
    page = await officer_client.get("/admin/discord")
    assert page.status_code == 200
    counts = page.text.split('id="onboarding-counts"')[1].split("</section>")[0]
    assert "<strong>4</strong> open" in counts and '<strong class="danger">1</strong> overdue' in counts
    assert "1 asked main" in counts and "2 pending verification" in counts
    dashboard = await officer_client.get("/admin")
    assert "Onboarding open" in dashboard.text


async def test_member_data_export_and_delete_cover_sessions_and_history(officer_client, db):
    await seed(db)
    host = officer_client.host
    async with db.session() as session:
        player_id = await session.scalar(select(Player.id).where(Player.display_name == "Tidecaller"))
        exported = await host.hooks.export_member_data(session, player_id)
    [mine] = exported["onboarding"]["sessions"]
    assert mine["state"] == "provisioned" and mine["reported_main"] == "Tidecaller"
    assert [h["to"] for h in mine["history"]][-2:] == ["verified", "provisioned"]
    async with db.session() as session:
        deleted = await host.hooks.delete_member_data(session, player_id)
    assert deleted["onboarding"] == 1
    async with db.session() as session:
        again = await host.hooks.export_member_data(session, player_id)
        left = await session.scalar(select(Player.id).where(Player.display_name == "Borvik"))
    assert again["onboarding"] == {"sessions": []} and left is None  # Borvik has no player; untouched


async def test_demo_is_idempotent(db):
    from patt_onboarding.demo import seed_demo_sessions

    await seed(db)
    async with db.session() as session:
        assert await seed_demo_sessions(session, None) == "sessions already present"


def patt(args, database_url, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATT_", "DISCORD_", "REDIS_"))}
    env.update(DATABASE_URL=database_url, JWT_SECRET_KEY=TEST_SECRET, PATT_SITE="patt")
    return subprocess.run(
        [str(Path(sys.executable).parent / "patt"), "onboarding", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_status_and_retry(db, tmp_path):
    ids = await seed(db)
    status = await asyncio.to_thread(patt, ["status", "--json"], db.url, tmp_path)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert (
        data["counts"]["open"] == 4 and data["open"][0]["id"] == ids["Borvik"] and data["open"][0]["overdue"]
    )
    text = await asyncio.to_thread(patt, ["status"], db.url, tmp_path)
    assert text.stdout.splitlines()[0] == "4 open, 1 overdue" and "OVERDUE" in text.stdout.splitlines()[1]
    async with db.session() as session:
        await upsert_character(session, name="Seraphel", realm_slug="area-52")
    retry = await asyncio.to_thread(patt, ["retry"], db.url, tmp_path)
    assert retry.returncode == 0, retry.stderr
    assert retry.stdout.strip() == "succeeded: 2 checked, 1 provisioned"
    assert await state_of(db, ids["Seraphel"]) == "provisioned"


async def test_the_whole_demo_populates_the_page_and_links_an_existing_player(officer_client, db):
    """``patt demo``'s seeding (every plugin): the provisioned newcomer is a demo player who had
    no Discord account yet, so the guild keeps its 40 players."""
    from patt_onboarding.models import OnboardingSession

    host = officer_client.host
    async with db.session() as session:
        summaries = await host.hooks.seed_demo_data(session)
    assert summaries["onboarding"] == "6 onboarding sessions"
    async with db.session() as session:
        done = await session.scalar(select(OnboardingSession).where(OnboardingSession.state == "provisioned"))
        player = await session.get(Player, done.verified_player_id)
        user = await session.get(DiscordUser, player.discord_user_id)
    assert user.discord_id == str(DEMO_FIRST + 4) and player.display_name != "Tidecaller"
    page = await officer_client.get("/admin/onboarding")
    assert page.status_code == 200 and page.text.count('<li class="onb-session') == 6
