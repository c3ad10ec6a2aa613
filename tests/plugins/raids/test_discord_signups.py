"""Raid signups on Discord, end to end: the real discord.py bot against the fake Discord.

The bot posts an event with its buttons (through the outbox), a member's press goes through
the raids core like the site's page, the post is edited whenever the signups change on
either side, an unlinked member gets a clear private answer, and the buttons of a post made
before a bot restart still work.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from patt_host.testing import create_member, log_in
from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, GUILD_ID, discord_host
from patt_host.testing.waiting import eventually
from patt_raids.models import RaidAttendance
from patt_raids.services import events
from patt_raids.services import notify as raid_events
from sv_common.identity import players as player_service
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.notify.models import NotificationOutbox

from .conftest import HEALER, TANK

ALICE, BOB, STRANGER = 860000000000000001, 860000000000000002, 860000000000000003


async def _link(db, fake_discord, player_id: int, discord_id: int, name: str) -> None:
    fake_discord.add_member(GUILD_ID, discord_id, name.lower())
    async with db.session() as session:
        user, _ = await upsert_discord_user(
            session, discord_id=str(discord_id), username=name.lower(), display_name=name, role_ids=[]
        )
        await player_service.link_discord(session, player_id=player_id, discord_user_id=user.id)


async def _create(db, host, *, auto_booked: bool = False) -> int:
    """An officer creates an event (the core's service), then the core tells the plugins."""
    async with db.session() as session:
        event = await events.create_event(
            session,
            title="Heroic night",
            event_date=(datetime.now(UTC) + timedelta(days=2)).date(),
            start_time=time(20, 0),
            timezone="Europe/Berlin",
            channel_id=str(ANNOUNCE_CHANNEL_ID),
        )
        event_id = event.id
    await raid_events.event_created(host, event_id, auto_booked=auto_booked, channel_id=None)
    return event_id


def _post(fake_discord, event_id: int) -> dict | None:
    for message in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID):
        if any(
            c.get("custom_id", "").startswith(f"raids:signup:{event_id}:")
            for row in message.get("components") or []
            for c in row["components"]
        ):
            return fake_discord.messages.get(int(message["id"]), message)  # the current (edited) state
    return None


async def raider_officer(db):
    return await create_member(db, "Officer", "Officer One")


def _field(message: dict, prefix: str) -> str:
    return next(f["value"] for f in message["embeds"][0]["fields"] if f["name"].startswith(prefix))


async def _status(db, event_id: int, player_id: int) -> tuple[str, str]:
    async with db.session() as session:
        row = await session.scalar(
            select(RaidAttendance).where(
                RaidAttendance.event_id == event_id, RaidAttendance.player_id == player_id
            )
        )
        return row.status, row.source


async def _press(fake_discord, user_id: int, message: dict, custom_id: str):
    builder = fake_discord.interaction_builder(GUILD_ID, ANNOUNCE_CHANNEL_ID)
    return await fake_discord.interact(builder.button(user_id, message, custom_id))


@pytest.fixture
async def guild(db, raider, fake_discord):
    alice = await raider(name="Alice", spec=TANK, account=True)
    bob = await raider(name="Bob", spec=HEALER, account=True)
    await _link(db, fake_discord, alice.player_id, ALICE, "Alice")
    await _link(db, fake_discord, bob.player_id, BOB, "Bob")
    fake_discord.add_member(GUILD_ID, STRANGER, "stranger")  # on Discord, no player on the site
    return {"alice": alice, "bob": bob}


async def test_buttons_and_the_site_stay_in_step(
    db, guild, make_host, make_client, start_discord_bot, fake_discord
):
    # Two processes, as in production: the bot, and the web app that members use.
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    web = await make_client(host=discord_host(make_host, site="patt"))
    event_id = await _create(db, bot.host)
    post = await eventually(lambda: _post(fake_discord, event_id))
    embed = post["embeds"][0]
    assert embed["title"] == "Heroic night" and f"/raids/events/{event_id}" in embed["url"]
    assert [c.get("custom_id") for c in post["components"][0]["components"]] == [
        f"raids:signup:{event_id}:{status}" for status in ("accepted", "tentative", "bench", "absent")
    ]
    assert post["components"][1]["components"][0]["url"].endswith(f"/raids/events/{event_id}")
    assert "Alice" in _field(post, "❔ Tentative") and "Bob" in _field(post, "❔ Tentative")

    # Alice accepts on Discord: a private answer, the site shows it, the post follows.
    pressed = await _press(fake_discord, ALICE, post, f"raids:signup:{event_id}:accepted")
    assert pressed.ephemeral and pressed.content.startswith("You are now accepted for **Heroic night**")
    assert await _status(db, event_id, guild["alice"].player_id) == ("accepted", "discord")
    await log_in(web, guild["alice"])
    seen = (await web.get(f"/api/v1/raids/events/{event_id}")).json()["data"]
    assert seen["my_status"] == "accepted"
    page = await web.get(f"/raids/events/{event_id}")
    assert page.status_code == 200 and "Alice" in page.text
    await eventually(lambda: "Alice" in _field(_post(fake_discord, event_id), "🛡️ Tanks"))
    assert "Alice" not in _field(_post(fake_discord, event_id), "❔ Tentative")

    # Pressing it again changes nothing and says so.
    again = await _press(
        fake_discord, ALICE, _post(fake_discord, event_id), f"raids:signup:{event_id}:accepted"
    )
    assert again.content.startswith("You are already accepted")

    # Bob answers on the site's event page: the post follows.
    await log_in(web, guild["bob"])
    answered = await web.put(f"/api/v1/raids/events/{event_id}/signup", json={"status": "absent"})
    assert answered.status_code == 200, answered.text
    await eventually(lambda: "Bob" in _field(_post(fake_discord, event_id), "❌ Absent"))
    # Officers see the post delivered on the event's admin page.
    officer = await raider_officer(db)
    await log_in(web, officer)
    admin_page = await web.get(f"/admin/raids/events/{event_id}")
    assert admin_page.status_code == 200 and "Discord post" in admin_page.text
    assert (
        'class="raids-post-sent"' in admin_page.text or 'class="raids-post-edit-pending"' in admin_page.text
    )
    # Every change was an edit of the one post, never a new message.
    posts = [m for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID) if m.get("components")]
    assert len(posts) == 1
    async with db.session() as session:
        edits = (
            await session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == "edit"))
        ).all()
    assert edits and all(e.status in ("sent", "pending") for e in edits)


async def test_a_member_without_a_linked_player_is_told_how_to_link(
    db, guild, make_host, start_discord_bot, fake_discord
):
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    event_id = await _create(db, bot.host)
    post = await eventually(lambda: _post(fake_discord, event_id))
    answer = await _press(fake_discord, STRANGER, post, f"raids:signup:{event_id}:accepted")
    assert answer.ephemeral and "not linked to a player" in answer.content and "/profile" in answer.content
    async with db.session() as session:
        count = len(
            (await session.scalars(select(RaidAttendance).where(RaidAttendance.event_id == event_id))).all()
        )
    assert count == 2  # Alice and Bob only


async def test_a_cancelled_event_refuses_presses_and_loses_its_buttons(
    db, guild, make_host, start_discord_bot, fake_discord
):
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    event_id = await _create(db, bot.host)
    post = await eventually(lambda: _post(fake_discord, event_id))
    async with db.session() as session:
        await events.cancel_event(session, event_id)
    answer = await _press(fake_discord, ALICE, post, f"raids:signup:{event_id}:accepted")
    assert answer.ephemeral and answer.content == "This event was cancelled."
    await raid_events.event_changed(bot.host, event_id, "cancelled")
    edited = await eventually(
        lambda: (
            (m := fake_discord.messages.get(int(post["id"])))
            and "(cancelled)" in m["embeds"][0]["title"]
            and m
        )
    )
    assert [c.get("custom_id") for row in edited["components"] for c in row["components"]] == [
        None
    ]  # the link
    assert edited["content"] == "❌ This raid was cancelled."  # no longer "up for signups"


async def test_an_officers_edit_reaches_the_post(db, guild, make_host, start_discord_bot, fake_discord):
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    event_id = await _create(db, bot.host)
    post = await eventually(lambda: _post(fake_discord, event_id))
    async with db.session() as session:
        event, changed = await events.update_event(
            session, event_id, title="Mythic night", start_time=time(21, 30), description="New boss"
        )
        start = int(event.start_time_utc.timestamp())
        await session.commit()
    assert changed == ["title", "description", "start"]
    await raid_events.event_changed(bot.host, event_id, "edited", source="officer")
    edited = await eventually(
        lambda: (
            (m := fake_discord.messages.get(int(post["id"])))
            and m["embeds"][0]["title"] == "Mythic night"
            and m
        )
    )
    description = edited["embeds"][0]["description"]
    assert f"<t:{start}:F>" in description and "New boss" in description
    # The same message, edited: no second post, and its buttons still work.
    assert len([m for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID) if m.get("components")]) == 1
    answer = await _press(fake_discord, ALICE, edited, f"raids:signup:{event_id}:accepted")
    assert answer.ephemeral
    assert await _status(db, event_id, guild["alice"].player_id) == ("accepted", "discord")


async def test_buttons_of_a_post_made_before_a_restart_still_work(
    db, guild, make_host, start_discord_bot, fake_discord
):
    # Discord answers a second full member list within 30 s with RATE_LIMITED; a restarted
    # bot would wait that out. Not what this test is about.
    fake_discord.member_request_interval = 0
    first = await start_discord_bot(discord_host(make_host, site="patt"))
    event_id = await _create(db, first.host)
    post = await eventually(lambda: _post(fake_discord, event_id))
    await first.close()
    second = await start_discord_bot(discord_host(make_host, site="patt"))
    pressed = await _press(fake_discord, BOB, post, f"raids:signup:{event_id}:bench")
    assert pressed.ephemeral and pressed.content.startswith("You are now on the bench")
    assert await _status(db, event_id, guild["bob"].player_id) == ("bench", "discord")
    await eventually(lambda: "Bob" in _field(_post(fake_discord, event_id), "🪑 Bench"))
    assert second.is_ready()


async def test_an_auto_booked_event_is_announced_with_its_post(
    db, guild, make_host, start_discord_bot, fake_discord
):
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    event_id = await _create(db, bot.host, auto_booked=True)
    post = await eventually(lambda: _post(fake_discord, event_id))
    assert post["content"].startswith("📅 Next week's raid has been posted!")
    # The same event created again (a second worker's echo) never posts twice.
    await raid_events.event_created(bot.host, event_id, auto_booked=True, channel_id=None)
    async with db.session() as session:
        posts = (
            await session.scalars(
                select(NotificationOutbox).where(NotificationOutbox.dedupe_key == f"raids:post:{event_id}")
            )
        ).all()
    assert len(posts) == 1


async def test_events_made_while_no_bot_listened_are_posted_when_it_connects(
    db, guild, make_host, start_discord_bot, fake_discord
):
    # Made without the domain event (as `patt demo` seeds them, or while the plugin was off).
    async with db.session() as session:
        event = await events.create_event(
            session,
            title="Seeded night",
            event_date=(datetime.now(UTC) + timedelta(days=4)).date(),
            start_time=time(20, 0),
            timezone="UTC",
            channel_id=str(ANNOUNCE_CHANNEL_ID),
        )
        event_id = event.id
    await start_discord_bot(discord_host(make_host, site="patt"))  # its member sync on READY
    post = await eventually(lambda: _post(fake_discord, event_id))
    assert post["embeds"][0]["title"] == "Seeded night"
