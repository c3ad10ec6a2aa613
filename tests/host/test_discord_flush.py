""" "Send pending now" on /admin/notifications says what it sent: it reloaded the page after
1.5 s without a word, whatever had happened."""

from __future__ import annotations

from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, GUILD_ID, discord_host
from sv_common import notify
from sv_common.discord.config import update_discord_config
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.players import create_player

OFFICER = {"X-Sample-User": "Olga:4"}
ERIN = 870000000000000002


async def test_send_pending_now_answers_with_the_runs_counts(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    fake_discord.add_member(GUILD_ID, ERIN, "erin", dms_open=False)
    host = discord_host(make_host, plugins=["sample"])
    await start_discord_bot(host)
    client = await make_client(host=host)
    notify.set_delivery_trigger(None)  # queued, not sent at commit: the button sends them
    async with db.session() as session:
        await update_discord_config(session, bot_dm_enabled=True, feature_onboarding_dm=True)
        discord_user, _ = await upsert_discord_user(
            session, discord_id=str(ERIN), username="erin", display_name=None, role_ids=[]
        )
        player = await create_player(session, display_name="Erin", discord_user_id=discord_user.id)
        for text in ("raid tonight", "bring flasks"):
            await notify.post_channel(
                session, channel_id=ANNOUNCE_CHANNEL_ID, content=text, feature="announce"
            )
        await notify.dm_player(session, player_id=player.id, content="Welcome!", feature="onboarding")

    answer = await client.post("/api/v1/notifications/flush", headers=OFFICER, json={})
    assert answer.status_code == 200, answer.text
    data = client.data(answer)
    assert (data["status"], data["sent"], data["failed"], data["retrying"]) == ("succeeded", 2, 1, 0)
    assert data["job_run_id"] > 0
    assert sorted(m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)) == [
        "bring flasks",
        "raid tonight",
    ]
    # Nothing left: the next press says so (every count 0), and sends nothing twice.
    again = client.data(await client.post("/api/v1/notifications/flush", headers=OFFICER, json={}))
    assert (again["status"], again["sent"], again["failed"]) == ("succeeded", 0, 0)
    assert len(fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)) == 2
    page = (await client.get("/admin/notifications", headers=OFFICER)).text
    assert 'id="outbox-counts"' in page and 'id="flush-result"' in page
