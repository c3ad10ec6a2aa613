"""The officers' onboarding page and API, the Discord settings page's counts, member data,
the demo sessions and the CLI: officer-only, with the queue overdue first."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from patt_host.testing import TEST_SECRET
from patt_host.testing.discord import GUILD_ID, discord_host
from patt_host.testing.members import create_member, log_in
from patt_host.testing.waiting import eventually
from patt_onboarding.config import DEFAULT_TEXTS
from patt_onboarding.demo import NEWCOMERS
from patt_site.onboarding_texts import ONBOARDING_TEXTS
from sv_common import notify
from sv_common.discord.config import update_discord_config
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import DiscordUser, InviteCode, Player
from sv_common.identity.players import create_player
from sv_common.notify.models import NotificationOutbox

TEXTS = {**DEFAULT_TEXTS, **ONBOARDING_TEXTS}  # the PATT site's wording

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


async def test_a_retry_with_dms_switched_off_says_the_member_was_not_told(officer_client, db):
    ids = await seed(db)
    async with db.session() as session:
        await upsert_character(session, name="Seraphel", realm_slug="area-52", realm_name="Area 52")
        await update_discord_config(session, bot_dm_enabled=False)
    api = "/api/v1/onboarding/sessions"
    done = officer_client.data(await officer_client.post(f"{api}/{ids['Seraphel']}/retry", json={}))
    assert done["state"] == "provisioned"
    assert "were not told" in done["message"] and "Player Manager" in done["message"]
    async with db.session() as session:
        dm = await session.scalar(select(NotificationOutbox).where(NotificationOutbox.kind == "dm"))
    assert dm.status == "skipped"  # held back by the switch, as the message says


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

    # No bot on this site (no DISCORD_BOT_TOKEN): nothing can DM the member, so the officer
    # gets the code, once, with the reason.
    resolved = officer_client.data(await officer_client.post(f"{api}/{ids['Kaelynn']}/resolve", json={}))
    invite = resolved["invite"]
    assert (
        invite["delivery"] == "shown"
        and invite["dm_sent"] is False
        and "DISCORD_BOT_TOKEN" in invite["reason"]
    )
    assert resolved["message"].startswith("Resolved: no role change")
    assert "No DM was possible: The Discord bot is not configured" in resolved["message"]
    assert invite["code"] in resolved["message"] and invite["register_url"].endswith(
        f"?code={invite['code']}"
    )
    assert await state_of(db, ids["Kaelynn"]) == "manually_resolved"
    async with db.session() as session:
        player = await session.scalar(select(Player).where(Player.display_name == "Kaelynn"))
        user = await session.get(DiscordUser, player.discord_user_id)
        row = await session.scalar(select(InviteCode).where(InviteCode.code == invite["code"]))
        dms = (
            await session.scalars(select(NotificationOutbox).where(NotificationOutbox.player_id == player.id))
        ).all()
    assert user.discord_id == str(DEMO_FIRST)
    assert (row.player_id, row.delivered_via, row.onboarding_session_id) == (
        player.id,
        "shown",
        ids["Kaelynn"],
    )
    assert row.created_by_player_id == officer_client.member.player_id and dms == []
    # Shown once: the queue lists only a masked hint and how it was delivered, and the history why.
    data = officer_client.data(await officer_client.get(f"{api}"))
    kaelynn = next(s for s in data["closed"] if s["id"] == ids["Kaelynn"])
    assert kaelynn["invite"] == {"delivery": "shown", "hint": invite["masked"]}
    assert invite["masked"] == invite["code"][:2] + "•" * 6 and invite["code"] not in str(data)
    assert (
        "invite code shown to the officer; no DM: The Discord bot is not configured"
        in kaelynn["history"][-1]["cause"]
    )
    page = (await officer_client.get("/admin/onboarding")).text
    assert invite["code"] not in page and "given to the officer (no DM was possible)" in page


async def test_a_member_being_set_up_right_now_is_not_resolved_or_dismissed_again(officer_client, db):
    """Two officers resolve at once, or one while the bot's check provisions the member: the
    second found the session "verified" (not closed) and made a second invite, replacing the
    one the first answer showed (or DMed). A session verified moments ago is being set up:
    409 for a resolve or a dismiss, no invite; one left verified by a stopped process is the
    officers' to finish."""
    from patt_onboarding.services import sessions

    ids = await seed(db)
    async with db.session() as session:  # where a resolve or the bot's check is midway
        onboarding = await sessions.get_by_id(session, ids["Kaelynn"], lock=True)
        await sessions.move(session, onboarding, "verified", "main on the roster")
    api = f"/api/v1/onboarding/sessions/{ids['Kaelynn']}"
    for action in ("resolve", "dismiss"):
        busy = await officer_client.post(f"{api}/{action}", json={})
        assert busy.status_code == 409, busy.text
        assert busy.json()["error"]["code"] == "onboarding_in_progress"
    async with db.session() as session:
        assert (
            await session.scalar(select(InviteCode).where(InviteCode.onboarding_session_id == ids["Kaelynn"]))
            is None
        )
        onboarding = await sessions.get_by_id(session, ids["Kaelynn"], lock=True)
        onboarding.updated_at = datetime.now(UTC) - sessions.STALE_VERIFIED - timedelta(minutes=1)
    finished = officer_client.data(await officer_client.post(f"{api}/resolve", json={}))
    assert finished["state"] == "manually_resolved" and finished["invite"]["code"]
    assert await state_of(db, ids["Kaelynn"]) == "manually_resolved"


async def test_dismissed_is_its_own_state_and_badge(officer_client, db):
    ids = await seed(db)
    api = "/api/v1/onboarding/sessions"
    dismissed = officer_client.data(await officer_client.post(f"{api}/{ids['Quiet One']}/dismiss", json={}))
    assert dismissed["state"] == "dismissed" and await state_of(db, ids["Quiet One"]) == "dismissed"
    data = officer_client.data(await officer_client.get(api))
    assert (
        data["counts"]["by_state"]["dismissed"] == 1 and data["counts"]["by_state"]["manually_resolved"] == 0
    )
    assert data["counts"]["open"] == 3
    [quiet] = [s for s in data["closed"] if s["id"] == ids["Quiet One"]]
    assert quiet["history"][-1]["to"] == "dismissed" and quiet["history"][-1]["cause"].startswith(
        "dismissed by "
    )
    page = (await officer_client.get("/admin/onboarding")).text
    card = page.split(f'data-id="{ids["Quiet One"]}"')[1].split("</li>")[0]
    assert '<span class="badge onb-state onb-state-dismissed">dismissed</span>' in card
    assert "manually resolved" not in card
    # The member can come back: a closed session (dismissed too) starts over when they rejoin.
    from patt_onboarding.services import sessions

    async with db.session() as session:
        again = await sessions.start(session, str(DEMO_FIRST + 5), deadline=timedelta(hours=1))
        steps = await sessions.history(session, again.id)
    assert again.state == "awaiting_dm" and (steps[-1].from_state, steps[-1].to_state) == (
        "dismissed",
        "awaiting_dm",
    )


async def resolve_with_the_bot(db, make_host, make_client, start_discord_bot, fake_discord, *, dms_open=True):
    """The demo's sessions, their members on the fake Discord server, the real bot (which
    delivers the outbox) and an officer's web client on the same host."""
    ids = await seed(db)
    for n, (username, display) in enumerate(NEWCOMERS):
        fake_discord.add_member(GUILD_ID, DEMO_FIRST + n, username, global_name=display, dms_open=dms_open)
    host = discord_host(make_host)
    await start_discord_bot(host)
    client = await make_client(host=host)
    client.member = await create_member(db, "Officer")
    await log_in(client, client.member)
    return ids, host, client


async def delivered(host) -> None:
    await host.plugin("discord").obj.runtime(host).wait_idle()


async def test_resolve_dms_the_invite_to_the_member_and_not_to_the_officer(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    ids, host, client = await resolve_with_the_bot(
        db, make_host, make_client, start_discord_bot, fake_discord
    )
    async with db.session() as session:
        await update_discord_config(session, bot_dm_enabled=True, feature_onboarding_dm=True)
    response = await client.post(f"/api/v1/onboarding/sessions/{ids['Kaelynn']}/resolve", json={})
    resolved = client.data(response)
    assert resolved["invite"] == {"delivery": "dm", "dm_sent": True, "reason": None}
    assert (
        resolved["message"]
        == "Resolved: no role change (the role sync will catch up); their website invite was sent to them by DM."
    )
    async with db.session() as session:
        player = await session.scalar(select(Player).where(Player.display_name == "Kaelynn"))
        invite = await session.scalar(select(InviteCode).where(InviteCode.player_id == player.id))
    assert invite.delivered_via == "dm" and invite.code not in response.text

    await eventually(lambda: fake_discord.dms_to(DEMO_FIRST), timeout=5)
    [dm] = fake_discord.dms_to(DEMO_FIRST)
    assert f"/register?code={invite.code}" in dm["content"] and TEXTS["done_title"] in dm["content"]
    # Officers see the outbox row without the code.
    await delivered(host)
    listed = client.data(await client.get("/api/v1/notifications"))
    assert [r["summary"] for r in listed if r["kind"] == "dm"] == [
        "Onboarding: set up by an officer, with a website invite code (hidden)"
    ]
    assert (
        invite.code not in str(listed) and invite.code not in (await client.get("/admin/notifications")).text
    )
    page = (await client.get("/admin/onboarding")).text
    assert invite.code not in page and "sent to them by DM" in page


async def test_resolve_shows_the_code_when_no_dm_is_possible(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    """Switches off, or a member whose last DM Discord refused (DMs closed): the officer gets
    the code with the reason, and the member's outbox row keeps no secret."""
    ids, host, client = await resolve_with_the_bot(
        db, make_host, make_client, start_discord_bot, fake_discord, dms_open=False
    )
    api = "/api/v1/onboarding/sessions"
    off = client.data(await client.post(f"{api}/{ids['Kaelynn']}/resolve", json={}))
    assert off["invite"]["delivery"] == "shown" and "Bot DMs are switched off" in off["invite"]["reason"]
    assert off["invite"]["code"] in off["message"]

    async with db.session() as session:
        await update_discord_config(session, bot_dm_enabled=True, feature_onboarding_dm=False)
    feature_off = client.data(await client.post(f"{api}/{ids['Seraphel']}/resolve", json={}))
    assert "DMs for 'onboarding' are switched off" in feature_off["invite"]["reason"]

    # Borvik's DMs are closed: a DM to him is refused by Discord (50007) ...
    async with db.session() as session:
        await update_discord_config(session, feature_onboarding_dm=True)
        user = await session.scalar(select(DiscordUser).where(DiscordUser.discord_id == str(DEMO_FIRST + 1)))
        borvik = await create_player(session, display_name="Borvik", discord_user_id=user.id)
        await notify.dm_player(session, player_id=borvik.id, content="Hello", feature="onboarding")
    await delivered(host)
    async with db.session() as session:
        refused = await session.scalar(
            select(NotificationOutbox).where(NotificationOutbox.player_id == borvik.id)
        )
    assert refused.status == "failed" and "50007" in refused.last_error
    # ... so the resolve does not pretend to DM him.
    closed = client.data(await client.post(f"{api}/{ids['Borvik']}/resolve", json={}))
    assert closed["invite"]["delivery"] == "shown" and "does not accept DMs" in closed["invite"]["reason"]
    code = closed["invite"]["code"]
    await delivered(host)
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(NotificationOutbox)
                .where(NotificationOutbox.player_id == borvik.id)
                .order_by(NotificationOutbox.id)
            )
        ).all()
    assert [r.status for r in rows] == ["failed", "skipped"] and code not in str(rows[1].payload)
    assert fake_discord.dms_to(DEMO_FIRST + 1) == [] and fake_discord.dms_to(DEMO_FIRST) == []


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


async def test_the_demo_sessions_agree_with_themselves(officer_client, db):
    """An overdue newcomer joined long enough ago to be overdue (the page said "joined 1
    minute ago" and "overdue" together); every history happened after the join."""
    ids = await seed(db)
    data = officer_client.data(await officer_client.get("/api/v1/onboarding/sessions"))
    now = datetime.now(UTC)
    sessions_ = {s["name"]: s for s in data["open"] + data["closed"]}
    for s in sessions_.values():
        joined = datetime.fromisoformat(s["created_at"])
        assert joined < now - timedelta(minutes=30), s["name"]
        assert all(joined <= datetime.fromisoformat(h["at"]) <= now for h in s["history"]), s["name"]
        if s["overdue"]:
            # The deadline runs a day (the demo's) from the join or the last answer, not before the join.
            assert datetime.fromisoformat(s["deadline_at"]) - joined >= timedelta(hours=24), s["name"]
    borvik = sessions_["Borvik"]
    assert borvik["overdue"] and borvik["id"] == ids["Borvik"]
    assert datetime.fromisoformat(borvik["created_at"]) < now - timedelta(hours=24)
    assert [s["name"] for s in data["open"] if s["overdue"]] == ["Borvik"]


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
