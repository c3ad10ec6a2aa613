"""`patt demo` shows the bot working against an in-process fake Discord."""

from __future__ import annotations

from sqlalchemy import select

from patt_host.builtins.discord.demo import ANNOUNCE_ID, DEMO_GUILD_ID, DemoDiscord
from patt_host.testing.waiting import eventually
from sv_common.notify.models import NotificationOutbox

OFFICER = {"X-Sample-User": "Olga:4"}
PLUGINS = ["identity", "sample"]


async def test_demo_bot_sends_to_the_fake_and_officers_see_it(make_host, make_client, db):
    seeder = make_host(plugins=PLUGINS)
    await seeder.open()
    async with seeder.db.session() as session:
        await seeder.hooks.seed_demo_data(session)
    await seeder.close()

    host = make_host(plugins=PLUGINS)
    DemoDiscord.configure(host)
    client = await make_client(host=host, start_services=True)

    async def all_sent():
        async with db.session() as session:
            rows = (await session.scalars(select(NotificationOutbox))).all()
        return rows if rows and all(r.status == "sent" for r in rows) else None

    rows = await eventually(all_sent)
    assert {r.kind for r in rows} == {"channel", "dm"}

    await eventually(lambda: host.status["bot"] == "ready")
    fake = host.demo_discord.fake
    assert [m["content"] for m in fake.messages_in(ANNOUNCE_ID)] == [
        "Welcome to the PATT demo! Raid signups open on Tuesday."
    ]

    page = await client.get("/admin/discord", headers=OFFICER)
    assert 'id="demo-discord"' in page.text and str(DEMO_GUILD_ID) in page.text
    assert "No. Not below the bot&#39;s highest role" in page.text  # the top rank's role, as in real guilds
    sent = await client.get("/admin/discord/sent", headers=OFFICER)
    assert sent.status_code == 200
    assert "#announcements" in sent.text and "DM to @" in sent.text and "DEMO-1234" in sent.text

    plan = client.data(await client.post("/api/v1/discord/role-sync/dry-run", headers=OFFICER))
    assert plan["planned"] > 0 and plan["sent"] == 0
    assert any("cannot be assigned" in note for note in plan["notes"])


async def test_sent_page_outside_the_demo_points_to_the_outbox(make_client):
    client = await make_client(plugins=PLUGINS)
    page = await client.get("/admin/discord/sent", headers=OFFICER)
    assert (
        page.status_code == 200 and 'id="sent-not-demo"' in page.text and "/admin/notifications" in page.text
    )
    assert 'id="sent-messages"' not in page.text
