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


async def test_the_sent_page_shows_embeds_edits_and_named_mentions(make_host, make_client, db):
    """An embed with its description and fields (bounded), a message edited in place marked
    "edited", and mentions as @name / #channel / @role: escaped, never raw ids."""
    from patt_host.builtins.discord.demo import FIELD_LIMIT, ROLE_BASE
    from sv_common import notify
    from sv_common.identity.discord_users import upsert_discord_user
    from sv_common.identity.models import GuildRank

    member = 930000000000000001
    async with db.session() as session:
        await upsert_discord_user(
            session, discord_id=str(member), username="rosa", display_name="Rosa <Tank>", role_ids=[]
        )
        rank = await session.scalar(select(GuildRank).order_by(GuildRank.level).limit(1))
    host = make_host(plugins=PLUGINS)
    DemoDiscord.configure(host)
    client = await make_client(host=host, start_services=True)
    await eventually(lambda: host.status["bot"] == "ready")

    async def sent(row_id: int) -> bool:
        async with db.session() as session:
            return (await session.get(NotificationOutbox, row_id)).status == "sent"

    fields = [{"name": f"Night {n}", "value": f"<@{member}> leads"} for n in range(FIELD_LIMIT + 2)]
    async with db.session() as session:
        post = await notify.post_channel(
            session,
            channel_id=ANNOUNCE_ID,
            content=f"Signups for <@&{ROLE_BASE + rank.level}> in <#{ANNOUNCE_ID}>: <b>bold</b> <@123456789012345678>",
            embed={"title": "Raid night", "description": f"Led by <@{member}>.", "fields": fields},
            feature="demo",
        )
    await eventually(lambda: sent(post.id))
    before = (await client.get("/admin/discord/sent", headers=OFFICER)).text
    row = before.split("<td>#announcements</td>")[1].split("</tr>")[0]
    assert "Raid night" in row and "[embed:" not in row and "edited" not in row

    async with db.session() as session:
        edit = await notify.edit_message(
            session,
            notification_id=post.id,
            content="Signups are full.",
            embed={
                "title": "Raid night",
                "description": f"Led by <@{member}>, now with 20.",
                "fields": fields,
            },
            feature="demo",
        )
    await eventually(lambda: sent(edit.id))
    page = (await client.get("/admin/discord/sent", headers=OFFICER)).text
    rows = [r.split("</tr>")[0] for r in page.split("<tr data-message=")[1:]]
    [edited] = [r for r in rows if "Raid night" in r]
    assert 'class="sent-edited muted">edited <time' in edited  # the time it was edited
    assert "Signups are full." in edited and "Signups for" not in edited  # edited in place
    assert '<span class="sent-mention">@Rosa &lt;Tank&gt;</span>, now with 20.' in edited
    assert "<dt>Night 0</dt>" in edited and f"<dt>Night {FIELD_LIMIT - 1}</dt>" in edited
    assert f"Night {FIELD_LIMIT}<" not in edited and "… and 2 more field(s)" in edited
    assert f"&lt;@{member}&gt;" not in page and "Rosa <Tank>" not in page
    # Only channel, role and member mentions with a name are replaced; the rest stays as sent.
    async with db.session() as session:
        again = await notify.edit_message(
            session,
            notification_id=post.id,
            content=f"For <@&{ROLE_BASE + rank.level}> in <#{ANNOUNCE_ID}>: <b>bold</b> <@123456789012345678>",
            feature="demo",
        )
    await eventually(lambda: sent(again.id))
    page = (await client.get("/admin/discord/sent", headers=OFFICER)).text
    assert (
        f'For <span class="sent-mention">@{rank.name}</span> in <span class="sent-mention">#announcements</span>: '
        "&lt;b&gt;bold&lt;/b&gt; &lt;@123456789012345678&gt;"
    ) in page
