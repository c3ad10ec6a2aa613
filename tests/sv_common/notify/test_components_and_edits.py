"""Buttons on queued posts and edits of posted messages, against the fake Discord with discord.py's HTTP client."""

import pytest
from sqlalchemy import select

from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, FAKE_TOKEN
from sv_common import notify
from sv_common.discord.client import discord_rest_client
from sv_common.errors import NotFound, ValidationFailed
from sv_common.notify.models import NotificationOutbox
from sv_common.notify.sender import DiscordSender

BUTTONS = [
    [
        {"label": "Accept", "custom_id": "t:accept", "style": "success"},
        {"label": "Site", "url": "https://example.org/e/1"},
    ]
]


@pytest.fixture
async def sender(fake_discord):
    async with discord_rest_client(FAKE_TOKEN) as client:
        yield DiscordSender(client)


async def _post(db, **kw):
    async with db.session() as session:
        row = await notify.post_channel(
            session, channel_id=ANNOUNCE_CHANNEL_ID, embed={"title": "v1"}, feature="raids", **kw
        )
        return row.id


async def _edit(db, post_id, title, **kw):
    async with db.session() as session:
        row = await notify.edit_message(
            session, notification_id=post_id, embed={"title": title}, feature="raids", **kw
        )
        return row.id


async def _rows(db):
    async with db.session() as session:
        return {r.id: r for r in (await session.scalars(select(NotificationOutbox))).all()}


def test_buttons_are_checked_when_queued():
    from sv_common.notify.components import normalise_buttons

    rows = normalise_buttons(BUTTONS)
    assert rows == [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 3, "custom_id": "t:accept", "label": "Accept"},
                {"type": 2, "style": 5, "url": "https://example.org/e/1", "label": "Site"},
            ],
        }
    ]
    refused = [
        [[{"label": "a", "custom_id": "x"}, {"label": "b", "custom_id": "x"}]],  # duplicate id
        [[{"label": "a" * 81, "custom_id": "x"}]],  # label too long
        [[{"label": "a", "custom_id": "x" * 101}]],  # id too long
        [[{"label": "a"}]],  # neither a custom id nor a url
        [[{"label": "a", "url": "https://x.org", "custom_id": "x"}]],  # a link with an id
        [[{"label": "a", "custom_id": "x", "style": "blurple"}]],
        [[{"label": str(i), "custom_id": str(i)} for i in range(6)]],  # 6 in a row
        [[{"label": "a", "custom_id": f"{r}"}] for r in range(6)],  # 6 rows
        [[]],
    ]
    for rows in refused:
        with pytest.raises(ValidationFailed):
            normalise_buttons(rows)


async def test_a_post_carries_its_buttons(db, sender, fake_discord):
    await _post(db, buttons=BUTTONS)
    report = await notify.deliver_pending(db, sender)
    assert report.sent == 1
    [message] = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)
    [row] = message["components"]
    assert [b.get("custom_id") for b in row["components"]] == ["t:accept", None]


async def test_an_edit_before_delivery_changes_the_post_itself(db, sender, fake_discord):
    post_id = await _post(db, buttons=BUTTONS)
    assert await _edit(db, post_id, "v2") == post_id  # no edit row: the post goes out as v2
    await notify.deliver_pending(db, sender)
    [message] = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)
    assert message["embeds"][0]["title"] == "v2" and message["components"]  # buttons kept
    assert fake_discord.requests_matching("PATCH", rf"/channels/{ANNOUNCE_CHANNEL_ID}/messages/\d+") == []


async def test_edits_of_a_posted_message_collapse_into_one(db, sender, fake_discord):
    post_id = await _post(db, buttons=BUTTONS)
    await notify.deliver_pending(db, sender)
    first = await _edit(db, post_id, "v2")
    second = await _edit(db, post_id, "v3", buttons=[])
    assert first == second != post_id  # one waiting edit carries the newest state
    report = await notify.deliver_pending(db, sender)
    assert report.sent == 1
    [message] = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)
    assert message["embeds"][0]["title"] == "v3" and message["components"] == []
    assert len(fake_discord.requests_matching("PATCH", rf"/channels/{ANNOUNCE_CHANNEL_ID}/messages/\d+")) == 1
    edit = (await _rows(db))[second]
    assert (edit.kind, edit.status, edit.discord_message_id) == ("edit", "sent", message["id"])
    # A later change is a new edit.
    assert await _edit(db, post_id, "v4") not in (post_id, second)


async def test_an_edit_of_a_deleted_message_fails_and_is_reported(db, sender, fake_discord):
    post_id = await _post(db)
    await notify.deliver_pending(db, sender)
    [message] = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)
    fake_discord.messages.pop(int(message["id"]))  # a moderator deleted it
    edit_id = await _edit(db, post_id, "v2")
    report = await notify.deliver_pending(db, sender)
    assert report.failed == 1
    edit = (await _rows(db))[edit_id]
    assert edit.status == "failed" and "404" in edit.last_error


async def test_a_failed_post_takes_the_newest_state_for_its_retry(db, sender, fake_discord):
    async with db.session() as session:
        row = await notify.post_channel(
            session, channel_id=999999999999999999, embed={"title": "v1"}, feature="raids"
        )
        post_id = row.id
    await notify.deliver_pending(db, sender)
    assert (await _rows(db))[post_id].status == "failed"  # unknown channel
    assert await _edit(db, post_id, "v2") == post_id
    stored = (await _rows(db))[post_id]
    assert stored.status == "failed" and stored.payload["embeds"][0]["title"] == "v2"


async def test_only_channel_posts_can_be_edited(db):
    with pytest.raises(NotFound):
        await _edit(db, 424242, "v2")
