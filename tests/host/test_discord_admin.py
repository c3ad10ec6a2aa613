"""Officer pages and API of the discord plugin, with and without a bot token."""

from __future__ import annotations

import re

from sqlalchemy import select

from patt_host.jobs.runner import run_job
from patt_host.testing import eventually
from patt_host.testing.discord import (
    ANNOUNCE_CHANNEL_ID,
    GUILD_ID,
    RANK_ROLE_IDS,
    discord_host,
    map_rank_roles,
)
from sv_common import notify
from sv_common.auth import AUTH_COOKIE
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import DiscordConfig, GuildRank
from sv_common.identity.players import create_player
from sv_common.identity.ranks import set_rank_override
from sv_common.notify.models import NotificationOutbox

OFFICER = {"X-Sample-User": "Olga:4"}
MEMBER = {"X-Sample-User": "Mem:2"}
ROLE_ROUTE = r"/guilds/\d+/members/\d+/roles/\d+"
FRODO, SAM = 880000000000000001, 880000000000000002


async def queue_post(db, text="hello") -> int:
    async with db.session() as session:
        return (
            await notify.post_channel(
                session, channel_id=ANNOUNCE_CHANNEL_ID, content=text, feature="announce"
            )
        ).id


async def test_without_a_token_the_site_runs_and_the_pages_say_the_bot_is_off(db, make_client):
    client = await make_client(plugins=["sample"])
    await queue_post(db)
    health = client.data(await client.get("/api/health"))["checks"]
    assert health["bot"]["status"] == "off"
    assert health["notifications"] == {
        "status": "off",
        "detail": "DISCORD_BOT_TOKEN not set; 1 pending, 0 failed",
    }

    page = await client.get("/admin/discord", headers=OFFICER)
    assert page.status_code == 200
    assert (
        'id="bot-off"' in page.text and "The Discord bot is off (DISCORD_BOT_TOKEN is not set)" in page.text
    )
    outbox = await client.get("/admin/notifications", headers=OFFICER)
    assert outbox.status_code == 200 and "1 notification(s) are waiting" in outbox.text

    dry_run = await client.post("/api/v1/discord/role-sync/dry-run", headers=OFFICER)
    assert dry_run.status_code == 409 and dry_run.json()["error"]["code"] == "bot_off"
    flush = await client.post("/api/v1/notifications/flush", headers=OFFICER)
    assert flush.status_code == 409 and flush.json()["error"]["code"] == "bot_off"
    run = await run_job(client.host, "discord.deliver_notifications", trigger="manual")
    assert (run.status, run.error) == ("skipped", "the Discord bot is off (DISCORD_BOT_TOKEN is not set)")
    assert not run.counts
    # /admin/jobs says why next to the run, not as an error to unfold.
    jobs_page = (await client.get("/admin/jobs", headers=OFFICER)).text
    row = jobs_page.split(f'data-run="{run.id}"', 1)[1].split("</tr>", 1)[0]
    assert (
        "status-skipped" in row
        and '<span class="muted">the Discord bot is off' in row
        and "<details>" not in row
    )
    assert not [
        j for j in client.host.jobs.schedules if j.job_name.startswith("discord.")
    ]  # no empty cron runs
    async with db.session() as session:
        assert (await session.scalar(select(NotificationOutbox.status))) == "pending"  # kept, not lost


async def test_pages_and_api_are_for_officers_only(make_client):
    client = await make_client(plugins=["identity", "sample"])
    for url in ("/admin/discord", "/admin/notifications"):
        assert (await client.get(url, headers=MEMBER)).status_code == 403
        assert (await client.get(url)).status_code == 303  # to the login page
    for method, url in (
        ("GET", "/api/v1/discord/status"),
        ("GET", "/api/v1/discord/channels"),
        ("PATCH", "/api/v1/discord/config"),
        ("GET", "/api/v1/notifications"),
        ("POST", "/api/v1/notifications/1/retry"),
        ("POST", "/api/v1/discord/role-sync/dry-run"),
    ):
        response = await client.request(method, url, headers=MEMBER, json={})
        assert response.status_code == 403, (method, url)
        assert (await client.request(method, url, json={})).status_code == 401, (method, url)


async def test_settings_are_validated_and_need_csrf(db, make_client):
    client = await make_client(plugins=["sample"])
    changed = await client.patch(
        "/api/v1/discord/config",
        headers=OFFICER,
        json={"role_sync_mode": "to_discord", "bot_dm_enabled": True, "dm_features": {"invite": True}},
    )
    config = client.data(changed)
    assert (config["role_sync_mode"], config["bot_dm_enabled"], config["dm_features"]) == (
        "to_discord",
        True,
        {"crafting": False, "invite": True, "onboarding": False, "password_reset": False, "raids": False},
    )
    bad_mode = await client.patch("/api/v1/discord/config", headers=OFFICER, json={"role_sync_mode": "both"})
    assert (
        bad_mode.status_code == 422 and "role_sync_mode must be one of" in bad_mode.json()["error"]["message"]
    )
    bad_feature = await client.patch(
        "/api/v1/discord/config", headers=OFFICER, json={"dm_features": {"raid": True}}
    )
    assert bad_feature.status_code == 422
    bad_id = await client.patch(
        "/api/v1/discord/config", headers=OFFICER, json={"audit_channel_id": "general"}
    )
    assert bad_id.status_code == 422
    client.cookies.set(AUTH_COOKIE, "session")  # a browser session: CSRF applies
    client.send_csrf = False
    refused = await client.patch("/api/v1/discord/config", headers=OFFICER, json={"role_sync_mode": "off"})
    assert refused.status_code == 403
    async with db.session() as session:
        assert (await session.scalar(select(DiscordConfig.role_sync_mode))) == "to_discord"


async def test_dry_run_button_shows_the_plan_and_sends_nothing(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    await map_rank_roles(db)
    fake_discord.add_member(GUILD_ID, FRODO, "frodo", roles=[])
    fake_discord.add_member(GUILD_ID, SAM, "sam", roles=[RANK_ROLE_IDS[1], RANK_ROLE_IDS[3]])
    async with db.session() as session:
        levels = {r.level: r.id for r in (await session.scalars(select(GuildRank))).all()}
        for uid, name, level in ((FRODO, "Frodo", 2), (SAM, "Sam", 3)):
            du, _ = await upsert_discord_user(
                session, discord_id=str(uid), username=name, display_name=None, role_ids=[]
            )
            player = await create_player(session, display_name=name, discord_user_id=du.id)
            await set_rank_override(session, player.id, levels[level])
    fake_discord.guilds[GUILD_ID].roles[RANK_ROLE_IDS[5]]["position"] = 11  # above the bot's role
    host = discord_host(make_host, plugins=["sample"])
    await start_discord_bot(host)
    client = await make_client(host=host)

    plan = client.data(await client.post("/api/v1/discord/role-sync/dry-run", headers=OFFICER))
    assert (plan["dry_run"], plan["planned"], plan["sent"]) == (True, 2, 0)
    assert sum("the bot can assign it" in n for n in plan["notes"]) == 4
    [problem] = [n for n in plan["notes"] if "cannot be assigned" in n]
    assert "Rank 5" in problem and "drag the bot's role above it" in problem
    assert {(c["display_name"], c["action"], c["role_id"]) for c in plan["plan"]} == {
        ("Frodo", "add", str(RANK_ROLE_IDS[2])),
        ("Sam", "remove", str(RANK_ROLE_IDS[1])),
    }
    assert not fake_discord.requests_matching("PUT", ROLE_ROUTE) and not fake_discord.requests_matching(
        "DELETE", ROLE_ROUTE
    )
    page = await client.get("/admin/discord", headers=OFFICER)
    assert "(dry run)" in page.text and "Frodo" in page.text and 'id="bot-off"' not in page.text
    assert "discord:DiscordSync" in page.text  # what each plugin attached to the bot
    assert "No. Not below the bot&#39;s highest role (Bot)" in page.text
    status = client.data(await client.get("/api/v1/discord/status", headers=OFFICER))
    assert status["bot"]["status"] == "ready" and status["role_sync"]["planned"] == 2
    access = {r["level"]: r["access"] for r in status["ranks"] if r["access"]}
    assert [level for level, a in sorted(access.items()) if a["problem"] is None] == [1, 2, 3, 4]
    assert "highest role" in access[5]["problem"]
    assert {c["name"] for c in status["channels"]} == {"guild", "general", "announcements", "officers"}

    # With the direction off, the page says so instead of offering a run that would do nothing.
    client.data(await client.patch("/api/v1/discord/config", headers=OFFICER, json={"role_sync_mode": "off"}))
    page = (await client.get("/admin/discord", headers=OFFICER)).text
    assert re.search(r'id="run-role-sync"[^>]* disabled>', page)
    assert '<p class="small muted" id="role-sync-off">Role sync is off' in page
    # Run from /admin/jobs anyway, it ends as skipped and says why (it read "succeeded").
    off = await run_job(host, "discord.role_sync", trigger="manual")
    assert off.status == "skipped" and off.error.startswith("role sync is off: choose a direction")

    # Officers switch the direction on; the job then sends exactly the plan.
    client.data(
        await client.patch("/api/v1/discord/config", headers=OFFICER, json={"role_sync_mode": "to_discord"})
    )
    page = (await client.get("/admin/discord", headers=OFFICER)).text
    assert not re.search(r'id="run-role-sync"[^>]* disabled>', page) and 'id="role-sync-off" hidden' in page
    run = await run_job(host, "discord.role_sync", trigger="manual")
    assert run.counts["sent"] == 2 and run.counts["failed"] == 0
    assert fake_discord.member_role_ids(GUILD_ID, FRODO) == {RANK_ROLE_IDS[2]}
    assert fake_discord.member_role_ids(GUILD_ID, SAM) == {RANK_ROLE_IDS[3]}
    # A cron tick right after is not due (role_sync_interval_hours), so it sends nothing.
    tick = await run_job(host, "discord.role_sync", trigger="cron")
    assert tick.counts == {"not_due": 1}


async def test_failed_notifications_are_listed_and_can_be_retried(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    host = discord_host(make_host, plugins=["sample"])
    await start_discord_bot(host)
    client = await make_client(host=host)
    fake_discord.fail_next(
        "POST",
        rf"/channels/{ANNOUNCE_CHANNEL_ID}/messages",
        status=403,
        json={"message": "Missing Access", "code": 50001},
    )
    row_id = await queue_post(db, "results are in")
    await host.plugin("discord").obj.runtime(host).wait_idle()

    failed = client.data(await client.get("/api/v1/notifications?status=failed", headers=OFFICER))
    assert [(r["id"], r["status"], r["summary"]) for r in failed] == [(row_id, "failed", "results are in")]
    page = await client.get("/admin/notifications?status=failed", headers=OFFICER)
    assert f'data-id="{row_id}"' in page.text and "Retry" in page.text and "50001" in page.text

    retried = client.data(await client.post(f"/api/v1/notifications/{row_id}/retry", headers=OFFICER))
    assert retried["status"] == "pending"

    async def sent() -> bool:
        await host.plugin("discord").obj.runtime(host).wait_idle()
        async with db.session() as session:
            return (await session.get(NotificationOutbox, row_id, populate_existing=True)).status == "sent"

    await eventually(sent, timeout=5)
    assert [m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)] == ["results are in"]
    missing = await client.post("/api/v1/notifications/999999/retry", headers=OFFICER)
    assert missing.status_code == 404


async def test_the_outbox_names_an_edit_by_the_channel_of_the_post_it_changes(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    """An edit row's target is the post's channel, not a member: "#announcements", never
    "<id> (unknown Discord user)"."""
    host = discord_host(make_host, plugins=["sample"])
    await start_discord_bot(host)  # its channel sync names the channels
    client = await make_client(host=host)
    runtime = host.plugin("discord").obj.runtime(host)
    post_id = await queue_post(db, "signups: 3")
    await runtime.wait_idle()
    async with db.session() as session:
        edit = await notify.edit_message(
            session, notification_id=post_id, content="signups: 4", feature="announce"
        )
        edit_id = edit.id
        # And an edit whose channel the bot does not know (deleted since, or not synced yet).
        stray = await notify.post_channel(
            session, channel_id="812345678901234567", content="x", feature="announce"
        )
        stray.status = "sent"
        stray_edit = await notify.edit_message(
            session, notification_id=stray.id, content="y", feature="announce"
        )
        stray_edit_id = stray_edit.id
    assert edit.kind == "edit" and edit_id != post_id
    await runtime.wait_idle()
    assert [m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)] == ["signups: 4"]

    page = (await client.get("/admin/notifications", headers=OFFICER)).text
    rows = {int(part.split('"')[0]): part.split("</tr>")[0] for part in page.split('<tr data-id="')[1:]}
    for row_id in (post_id, edit_id):
        assert f'title="Discord id {ANNOUNCE_CHANNEL_ID}">#announcements</span>' in rows[row_id]
        assert "unknown Discord user" not in rows[row_id]
    assert f"of row {post_id}" in rows[edit_id]
    assert '#812345678901234567</span> <span class="muted">(channel not synced yet)' in rows[stray_edit_id]
    assert "unknown Discord user" not in page
