"""notify.dm_player / notify.post_channel: one API, switches enforced in one place, nothing dropped."""

import pytest
from sqlalchemy import func, select

from sv_common import notify
from sv_common.errors import NotFound, ValidationFailed
from sv_common.notify.models import NotificationOutbox

CHANNEL = 830000000000000001


async def dm(db, player_id, feature="invite", **kw):
    async with db.session() as session:
        row = await notify.dm_player(
            session, player_id=player_id, content="Your code: ABC", feature=feature, **kw
        )
        return row.id, row.status, row.last_error, row.target


async def test_dms_are_skipped_while_the_master_switch_is_off(db, players, set_dm_switches):
    await set_dm_switches(feature_invite_dm=True)  # feature on, master off (the default)
    _, status, reason, _ = await dm(db, players["alice"])
    assert (status, reason) == ("skipped", "Bot DMs are switched off (Discord settings: bot DMs).")


async def test_dms_are_skipped_while_the_feature_switch_is_off(db, players, set_dm_switches):
    await set_dm_switches(bot_dm_enabled=True)
    _, status, reason, _ = await dm(db, players["alice"], feature="onboarding")
    assert status == "skipped" and "feature_onboarding_dm" in reason


async def test_dms_are_queued_when_both_switches_are_on(db, players, set_dm_switches):
    await set_dm_switches(bot_dm_enabled=True, feature_invite_dm=True)
    _, status, reason, target = await dm(db, players["alice"])
    assert (status, reason, target) == ("pending", None, "820000000000000001")


async def test_unknown_features_and_players_are_refused(db, players, set_dm_switches):
    await set_dm_switches(bot_dm_enabled=True, feature_invite_dm=True)
    with pytest.raises(ValidationFailed, match="Unknown DM feature 'raid'"):
        await dm(db, players["alice"], feature="raid")
    with pytest.raises(NotFound):
        await dm(db, 999999)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(NotificationOutbox)) == 0


async def test_a_player_without_discord_is_recorded_not_dropped(db, players, set_dm_switches):
    await set_dm_switches(bot_dm_enabled=True, feature_invite_dm=True)
    _, status, reason, target = await dm(db, players["nomad"])
    assert (status, reason, target) == ("skipped", "The player has no linked Discord account.", "")


async def test_dedupe_key_never_queues_twice_but_reuses_a_skipped_row(db, players, set_dm_switches):
    first_id, first_status, _, _ = await dm(db, players["alice"], dedupe_key="invite:alice")
    assert first_status == "skipped"  # DMs off
    again_id, again_status, _, _ = await dm(db, players["alice"], dedupe_key="invite:alice")
    assert (again_id, again_status) == (first_id, "skipped")
    await set_dm_switches(bot_dm_enabled=True, feature_invite_dm=True)
    allowed_id, allowed_status, reason, _ = await dm(db, players["alice"], dedupe_key="invite:alice")
    assert (allowed_id, allowed_status, reason) == (first_id, "pending", None)
    repeat_id, repeat_status, _, _ = await dm(db, players["alice"], dedupe_key="invite:alice")
    assert (repeat_id, repeat_status) == (first_id, "pending")
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(NotificationOutbox)) == 1


async def test_channel_posts_validate_their_input(db):
    async with db.session() as session:
        row = await notify.post_channel(
            session, channel_id=CHANNEL, embed={"title": "Results", "colour": 0xFFD700}, feature="contest"
        )
        assert (row.kind, row.target, row.status) == ("channel", str(CHANNEL), "pending")
        assert row.payload == {
            "content": None,
            "embeds": [{"type": "rich", "title": "Results", "color": 0xFFD700}],
        }
        with pytest.raises(ValidationFailed, match="channel_id"):
            await notify.post_channel(session, channel_id="general", content="x", feature="contest")
        with pytest.raises(ValidationFailed, match="feature"):
            await notify.post_channel(session, channel_id=CHANNEL, content="x", feature="Bad Feature!")


async def test_a_rolled_back_enqueue_leaves_nothing(db):
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await notify.post_channel(session, channel_id=CHANNEL, content="x", feature="contest")
            raise RuntimeError("the caller's change failed")
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(NotificationOutbox)) == 0


async def test_delivery_is_woken_only_by_a_commit(db):
    calls = []
    notify.set_delivery_trigger(lambda: calls.append("wake"))
    try:
        async with db.session() as session:
            await notify.post_channel(session, channel_id=CHANNEL, content="one", feature="contest")
            await notify.post_channel(session, channel_id=CHANNEL, content="two", feature="contest")
            assert calls == []  # not before the commit
        assert calls == ["wake"]  # once per transaction
        with pytest.raises(RuntimeError):
            async with db.session() as session:
                await notify.post_channel(session, channel_id=CHANNEL, content="three", feature="contest")
                raise RuntimeError("rolled back")
        assert calls == ["wake"]
    finally:
        notify.set_delivery_trigger(None)
