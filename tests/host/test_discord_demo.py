"""`patt demo` shows the bot working against an in-process fake Discord."""

from __future__ import annotations

import re

from sqlalchemy import select

from patt_host.builtins.discord.demo import ANNOUNCE_ID, AUDIT_ID, CRAFTERS_ID, DEMO_GUILD_ID, DemoDiscord
from patt_host.testing.waiting import eventually
from sv_common.discord.config import load_discord_config
from sv_common.notify.models import NotificationOutbox

OFFICER = {"X-Sample-User": "Olga:4"}
PLUGINS = ["identity", "sample"]


async def test_demo_bot_sends_to_the_fake_and_officers_see_it(make_host, make_client, db):
    seeder = make_host(plugins=PLUGINS)
    await seeder.open()
    async with seeder.db.session() as session:
        summaries = await seeder.hooks.seed_demo_data(session)
    await seeder.close()
    # The member login `patt demo` prints: a real invite, on a line of its own.
    code = re.search(
        r"^member login: register at /register with invite code (\S+) \(as ", summaries["identity"], re.M
    )
    assert code, summaries["identity"]
    code = code[1]

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
    assert "#announcements" in sent.text and "DM to @" in sent.text
    # The DM names the real code (it named "DEMO-1234", which did not exist), in bold as
    # Discord shows it, and its expiry as a time in the viewer's zone, not Discord's markup.
    dm = sent.text.split("DM to @")[1].split("</tr>")[0]
    assert f"<strong>{code}</strong>" in dm and f"/register?code={code}" in dm
    assert '<time class="js-time" data-style="absolute"' in dm and "<t:" not in dm and "**" not in dm

    # Most members hold their rank's role; a few do not, on purpose: the dry run plans what
    # fixes them (it planned an add for every member).
    plan = client.data(await client.post("/api/v1/discord/role-sync/dry-run", headers=OFFICER))
    adds = [c for c in plan["plan"] if c["action"] == "add"]
    removes = [c for c in plan["plan"] if c["action"] == "remove"]
    assert (len(adds), len(removes), plan["sent"]) == (3, 1, 0), plan["plan"]
    assert any("cannot be assigned" in note for note in plan["notes"])
    guild = fake.guilds[DEMO_GUILD_ID]
    ranked = [m for uid, m in guild.members.items() if uid != fake.bot_user_id and m["roles"]]
    assert len(ranked) >= 20
    # The audit and crafters' channels exist, and drift's report goes to the audit one.
    channels = {c["name"]: cid for cid, c in guild.channels.items()}
    assert channels["audit-log"] == AUDIT_ID and channels["crafters"] == CRAFTERS_ID
    async with db.session() as session:
        assert (await load_discord_config(session)).audit_channel_id == str(AUDIT_ID)

    # The visitor registers with the printed code: the account is that member's.
    client.cookies.clear()
    registered = await client.post(
        "/api/v1/auth/register",
        json={"code": code, "username": "demomember", "password": "correct horse battery"},
    )
    assert registered.status_code in (200, 201), registered.text


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
    row = before.split(">#announcements</td>")[1].split("</tr>")[0]
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


async def test_the_sent_page_shows_bold_and_times_and_escapes_the_rest(make_host, make_client, db):
    """`**code**` and `<t:…:F>` were shown raw; what the preview renders must stay escaped."""
    from sv_common import notify
    from sv_common.identity.discord_users import upsert_discord_user

    member = 930000000000000002
    async with db.session() as session:
        await upsert_discord_user(
            session, discord_id=str(member), username="bo", display_name="Bo", role_ids=[]
        )
    host = make_host(plugins=PLUGINS)
    DemoDiscord.configure(host)
    client = await make_client(host=host, start_services=True)
    await eventually(lambda: host.status["bot"] == "ready")
    content = (
        f"**<img src=x onerror=alert(1)> for <@{member}>** starts <t:1767225600:F> "
        "(<t:1767225600:R>), not <t:99999999999999:F>; **unclosed <script>x</script>"
    )
    async with db.session() as session:
        post = await notify.post_channel(session, channel_id=ANNOUNCE_ID, content=content, feature="demo")

    async def sent() -> bool:
        async with db.session() as session:
            return (await session.get(NotificationOutbox, post.id)).status == "sent"

    await eventually(sent)
    page = (await client.get("/admin/discord/sent", headers=OFFICER)).text
    row = page.split(">#announcements</td>")[1].split("</tr>")[0]
    assert (
        '<strong>&lt;img src=x onerror=alert(1)&gt; for </strong><strong><span class="sent-mention">@Bo</span>'
        "</strong>" in row
    )
    when = 'datetime="2026-01-01T00:00:00+00:00">1 Jan 2026, 00:00 UTC</time>'
    assert f'<time class="js-time" data-style="absolute" {when}' in row
    assert f'<time class="js-time" data-style="relative" {when}' in row
    # A time past year 9999 and an unclosed ** stay as sent, escaped.
    assert "not &lt;t:99999999999999:F&gt;; **unclosed &lt;script&gt;x&lt;/script&gt;" in row
    assert "<script>x" not in page and "<img src=x" not in page
