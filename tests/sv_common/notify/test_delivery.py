"""The delivery worker against the fake Discord, with the real discord.py HTTP client."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, FAKE_TOKEN, GUILD_ID
from sv_common import notify
from sv_common.discord.client import DiscordUnavailable, discord_rest_client
from sv_common.errors import Conflict
from sv_common.notify.delivery import MAX_ATTEMPTS
from sv_common.notify.models import NotificationOutbox
from sv_common.notify.sender import DiscordSender

ALICE, BOB = 820000000000000001, 820000000000000002
POST_ROUTE = rf"/channels/{ANNOUNCE_CHANNEL_ID}/messages"


@pytest.fixture
async def guild_members(fake_discord):
    fake_discord.add_member(GUILD_ID, ALICE, "alice")
    fake_discord.add_member(GUILD_ID, BOB, "bob", dms_open=False)
    return fake_discord


@pytest.fixture
async def sender(fake_discord):
    async with discord_rest_client(FAKE_TOKEN) as client:
        yield DiscordSender(client)


async def post(db, text="Raid tonight", **kw):
    async with db.session() as session:
        row = await notify.post_channel(
            session, channel_id=ANNOUNCE_CHANNEL_ID, content=text, feature="announce", **kw
        )
        return row.id


async def rows(db):
    async with db.session() as session:
        return {r.id: r for r in (await session.scalars(select(NotificationOutbox))).all()}


async def test_channel_post_is_sent_and_recorded(db, sender, fake_discord):
    row_id = await post(db, embed={"title": "Signups", "fields": [{"name": "When", "value": "Fri"}]})
    report = await notify.deliver_pending(db, sender)
    assert report.counts() == {"sent": 1, "failed": 0, "retrying": 0, "skipped": 0}
    [message] = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)
    assert message["content"] == "Raid tonight" and message["embeds"][0]["title"] == "Signups"
    row = (await rows(db))[row_id]
    assert (row.status, row.discord_message_id, row.attempts) == ("sent", message["id"], 1)
    assert row.sent_at is not None
    # Mentions of @everyone in content are never allowed to ping.
    [request] = fake_discord.requests_matching("POST", POST_ROUTE)
    assert request.json["allowed_mentions"]["parse"] == ["users", "roles"]
    assert request.json["nonce"] == f"patt-{row_id}" and request.json["enforce_nonce"] is True


async def test_dm_to_closed_dms_fails_once_and_is_not_retried(
    db, players, set_dm_switches, guild_members, sender
):
    await set_dm_switches(bot_dm_enabled=True, feature_invite_dm=True)
    async with db.session() as session:
        to_alice = (
            await notify.dm_player(session, player_id=players["alice"], content="hi", feature="invite")
        ).id
        to_bob = (
            await notify.dm_player(session, player_id=players["bob"], content="hi", feature="invite")
        ).id
    report = await notify.deliver_pending(db, sender)
    assert (report.sent, report.failed) == (1, 1)
    stored = await rows(db)
    assert stored[to_alice].status == "sent" and len(guild_members.dms_to(ALICE)) == 1
    bob = stored[to_bob]
    assert (bob.status, bob.attempts) == ("failed", 1)
    assert "50007" in bob.last_error and "does not accept DMs" in bob.last_error
    # Closed DMs count as "no DM possible" from then on: the next one is skipped at once (an
    # invite code or reset link is then shown to the officer instead of vanishing).
    async with db.session() as session:
        next_to_bob = await notify.dm_player(
            session, player_id=players["bob"], content="hi", feature="invite"
        )
        assert next_to_bob.status == "skipped" and "does not accept DMs" in next_to_bob.last_error
        await session.delete(next_to_bob)  # the rest of this test counts bob's sends
    sends_before = len(guild_members.requests_matching("POST", r"/channels/\d+/messages"))
    later = datetime.now(UTC) + timedelta(days=1)
    again = await notify.deliver_pending(db, sender, now=later)
    assert again.counts() == {"sent": 0, "failed": 0, "retrying": 0, "skipped": 0}
    assert len(guild_members.requests_matching("POST", r"/channels/\d+/messages")) == sends_before
    assert (await rows(db))[to_bob].attempts == 1


async def test_429s_within_discord_py_retries_still_deliver(db, sender, fake_discord):
    await post(db)
    fake_discord.fail_next("POST", POST_ROUTE, status=429, retry_after=0.01, times=3)
    report = await notify.deliver_pending(db, sender)
    assert report.sent == 1
    assert [r.status_returned for r in fake_discord.requests_matching("POST", POST_ROUTE)] == [
        429,
        429,
        429,
        200,
    ]


async def test_persistent_429_backs_off_and_delivers_later(db, sender, fake_discord):
    row_id = await post(db)
    fake_discord.fail_next("POST", POST_ROUTE, status=429, retry_after=0.01, times=5)  # discord.py gives up
    started = datetime.now(UTC)
    report = await notify.deliver_pending(db, sender, now=started)
    assert (report.sent, report.retrying) == (0, 1)
    row = (await rows(db))[row_id]
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == started + timedelta(seconds=30)
    assert "429" in row.last_error
    # Not due yet: nothing is sent before the backoff has passed.
    assert (await notify.deliver_pending(db, sender, now=started + timedelta(seconds=10))).sent == 0
    assert (await notify.deliver_pending(db, sender, now=started + timedelta(seconds=31))).sent == 1
    assert len(fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)) == 1


async def test_server_errors_retry_until_the_attempt_limit(db, sender, fake_discord):
    row_id = await post(db)
    fake_discord.fail_next("POST", POST_ROUTE, status=503, times=MAX_ATTEMPTS)
    when = datetime.now(UTC)
    for _ in range(MAX_ATTEMPTS):
        when += timedelta(hours=2)
        await notify.deliver_pending(db, sender, now=when)
    row = (await rows(db))[row_id]
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error.startswith(f"Gave up after {MAX_ATTEMPTS} attempts")


async def test_a_retry_within_minutes_is_deduplicated_by_its_nonce(db, sender, fake_discord):
    """A 503 after Discord created the post: the retry's nonce makes Discord return that post."""
    row_id = await post(db)
    fake_discord.fail_next("POST", POST_ROUTE, status=503, processed=True)
    first = await notify.deliver_pending(db, sender)
    assert first.retrying == 1 and (await rows(db))[row_id].unsure_since is not None
    again = await notify.deliver_pending(db, sender, now=datetime.now(UTC) + timedelta(seconds=31))
    [message] = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)
    row = (await rows(db))[row_id]
    assert again.sent == 1 and (row.status, row.discord_message_id) == ("sent", message["id"])
    assert row.unsure_since is None and len(fake_discord.requests_matching("POST", POST_ROUTE)) == 2


@pytest.mark.parametrize("posted", [True, False])
async def test_a_retry_after_the_nonce_expired_looks_for_the_post_first(db, sender, fake_discord, posted):
    """Discord forgets a nonce after a few minutes: an hour later the worker checks the
    channel for the post an unsure attempt may have made instead of trusting the nonce."""
    row_id = await post(db)
    fake_discord.fail_next("POST", POST_ROUTE, status=503, processed=posted)
    await notify.deliver_pending(db, sender)
    fake_discord.expire_nonces()  # an hour passes
    report = await notify.deliver_pending(db, sender, now=datetime.now(UTC) + timedelta(hours=1))
    [message] = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)  # exactly one post either way
    row = (await rows(db))[row_id]
    assert report.sent == 1 and (row.status, row.discord_message_id) == ("sent", message["id"])
    assert len(fake_discord.requests_matching("POST", POST_ROUTE)) == (1 if posted else 2)
    assert fake_discord.requests_matching("GET", rf"/channels/{ANNOUNCE_CHANNEL_ID}/messages")


async def test_unknown_channel_fails_without_retry(db, sender):
    async with db.session() as session:
        row_id = (
            await notify.post_channel(session, channel_id=830000000000000404, content="x", feature="announce")
        ).id
    report = await notify.deliver_pending(db, sender)
    row = (await rows(db))[row_id]
    assert report.failed == 1 and row.status == "failed" and "404" in row.last_error


async def test_posts_queued_while_discord_is_down_are_delivered_when_it_returns(db, sender, fake_discord):
    ids = [await post(db, f"post {i}") for i in range(3)]
    await fake_discord.go_down()
    report = await notify.deliver_pending(db, sender)
    assert report.sent == 0 and "unreachable" in report.stopped
    stored = await rows(db)
    # One attempt was made and recorded; the run stopped instead of burning the others' attempts.
    assert [stored[i].attempts for i in ids] == [1, 0, 0]
    assert all(stored[i].status == "pending" for i in ids)
    # A worker that has to log in first cannot even do that; it leaves the queue alone.
    with pytest.raises(DiscordUnavailable):
        async with discord_rest_client(FAKE_TOKEN):
            pass

    await fake_discord.come_back()
    report = await notify.deliver_pending(db, sender)
    assert report.sent == 0  # the first one waits for its backoff, the others wait behind it
    report = await notify.deliver_pending(db, sender, flush=True)  # e.g. the bot reconnected
    assert report.sent == 3
    assert [m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)] == [
        "post 0",
        "post 1",
        "post 2",
    ]


async def test_dms_switched_off_while_waiting_are_skipped_not_sent(db, players, set_dm_switches, sender):
    await set_dm_switches(bot_dm_enabled=True, feature_invite_dm=True)
    async with db.session() as session:
        row_id = (
            await notify.dm_player(session, player_id=players["alice"], content="hi", feature="invite")
        ).id
    await set_dm_switches(bot_dm_enabled=False)
    report = await notify.deliver_pending(db, sender)
    row = (await rows(db))[row_id]
    assert report.skipped == 1 and row.status == "skipped" and "switched off" in row.last_error


async def test_two_workers_never_send_a_row_twice(db, sender, fake_discord):
    for i in range(12):
        await post(db, f"post {i}")
    async with discord_rest_client(FAKE_TOKEN) as other_client:
        first, second = await asyncio.gather(
            notify.deliver_pending(db, sender), notify.deliver_pending(db, DiscordSender(other_client))
        )
    assert first.sent + second.sent == 12
    contents = [m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)]
    assert contents == [f"post {i}" for i in range(12)]  # one channel: in queue order, whoever sent them


async def test_failed_rows_can_be_retried_by_an_officer(db, sender, fake_discord):
    row_id = await post(db)
    fake_discord.fail_next("POST", POST_ROUTE, status=403, json={"message": "Missing Access", "code": 50001})
    await notify.deliver_pending(db, sender)
    assert (await rows(db))[row_id].status == "failed"
    async with db.session() as session:
        await notify.retry_notification(session, row_id)
    assert (await notify.deliver_pending(db, sender)).sent == 1
    async with db.session() as session:
        with pytest.raises(Conflict, match="Only failed or skipped"):
            await notify.retry_notification(session, row_id)  # already sent


async def test_long_rate_limit_reschedules_the_rest_instead_of_blocking(db, sender, fake_discord):
    """The jobs' client raises discord.RateLimited for a long retry_after (max_ratelimit_timeout)."""
    ids = [await post(db, f"news {i}") for i in range(3)]
    fake_discord.fail_next("POST", POST_ROUTE, status=429, retry_after=120)
    started = datetime.now(UTC)
    report = await asyncio.wait_for(notify.deliver_pending(db, sender, now=started), 10)
    assert report.sent == 0 and "rate limited" in report.stopped
    after = await rows(db)
    assert [after[i].status for i in ids] == ["pending"] * 3
    assert [after[i].attempts for i in ids] == [1, 0, 0]  # only the refused one counts an attempt
    assert all(after[i].next_attempt_at >= started + timedelta(seconds=120) for i in ids)
    assert len(fake_discord.requests_matching("POST", POST_ROUTE)) == 1


async def test_a_401_stops_the_run_and_keeps_the_queue(db, sender, fake_discord):
    ids = [await post(db, f"news {i}") for i in range(3)]
    await fake_discord.revoke_token()  # reset in the developer portal while the job runs
    report = await notify.deliver_pending(db, sender)
    assert report.token_rejected and report.counts() == {"sent": 0, "failed": 0, "retrying": 0, "skipped": 0}
    after = await rows(db)
    assert [(after[i].status, after[i].attempts) for i in ids] == [("pending", 0)] * 3


async def test_a_dm_with_a_secret_is_shown_redacted_and_scrubbed_once_sent(
    db, players, set_dm_switches, guild_members, sender
):
    """Officers read the outbox: a reset link or invite code in it would be theirs to use."""
    secret = "https://example.test/reset-password?token=s3cr3t-t0ken"
    await set_dm_switches(bot_dm_enabled=True, feature_invite_dm=True)
    async with db.session() as session:
        sent, skipped = [
            await notify.dm_player(
                session,
                player_id=players[name],
                content=f"Your link: {secret}",
                feature="invite",
                shown_as="Password-reset link (hidden)",
            )
            for name in ("alice", "nomad")  # nomad has no Discord: skipped at once
        ]
        listed = [notify.notification_dict(r) for r in await notify.list_notifications(session)]
    assert {item["summary"] for item in listed} == {"Password-reset link (hidden)"}
    assert skipped.status == "skipped" and secret not in str(skipped.payload)
    await notify.deliver_pending(db, sender)
    [dm] = guild_members.dms_to(ALICE)
    assert dm["content"] == f"Your link: {secret}"  # the member gets the real message
    stored = await rows(db)
    assert stored[sent.id].status == "sent" and secret not in str(stored[sent.id].payload)
