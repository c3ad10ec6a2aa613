"""What the faithful fake Discord exposes in the running bot: missing privileged intents,
a token revoked mid-run, long rate limits, and slash commands that fail after deferring."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from sqlalchemy import func, select

from patt_host import hookimpl
from patt_host.bot import MAX_RATELIMIT_TIMEOUT, TOKEN_REJECTED
from patt_host.jobs.runner import run_job
from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, GENERAL_CHANNEL_ID, GUILD_ID, discord_host
from patt_host.testing.waiting import eventually
from sv_common import notify
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import DiscordUser
from sv_common.notify.models import NotificationOutbox

ALICE = 860000000000000001
OFFICER = {"X-Sample-User": "Olga:4"}


async def test_missing_members_intent_is_explained_and_member_sync_changes_nothing(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    async with db.session() as session:
        await upsert_discord_user(
            session, discord_id=str(ALICE), username="alice", display_name=None, role_ids=[]
        )
    fake_discord.disable_intents(members=True)  # "Server Members Intent" off in the portal
    host = discord_host(make_host, plugins=["sample"])
    with pytest.raises(RuntimeError):
        await start_discord_bot(host)
    assert "Privileged Gateway Intents, switch on: Server Members Intent" in host.status["bot"]
    assert fake_discord.gateway_closes == [4014]

    client = await make_client(host=host)
    page = await client.get("/admin/discord", headers=OFFICER)
    assert "switch on: Server Members Intent" in page.text

    run = await run_job(host, "discord.member_sync", trigger="manual")  # REST: 403 50001
    assert run.status == "failed" and "switch on the Server Members Intent" in (run.error or "")
    dry_run = await client.post("/api/v1/discord/role-sync/dry-run", headers=OFFICER)
    assert dry_run.status_code == 503 and "Server Members Intent" in dry_run.json()["error"]["message"]
    async with db.session() as session:
        present = await session.scalar(
            select(func.count()).select_from(DiscordUser).where(DiscordUser.is_present.is_(True))
        )
    assert present == 1  # Alice was not marked as gone


async def test_token_revoked_mid_run_keeps_the_queue_and_says_so(db, discord_bot, fake_discord):
    host = discord_bot.host
    assert discord_bot.http.max_ratelimit_timeout == MAX_RATELIMIT_TIMEOUT  # long 429s raise, not block
    runtime = host.plugin("discord").obj.runtime(host)
    fake_discord.fail_next("POST", rf"/channels/{ANNOUNCE_CHANNEL_ID}/messages", status=401, times=100)
    async with db.session() as session:
        await notify.post_channel(session, channel_id=GENERAL_CHANNEL_ID, content="first", feature="announce")
        for i in range(3):
            await notify.post_channel(
                session, channel_id=ANNOUNCE_CHANNEL_ID, content=f"n{i}", feature="announce"
            )
    runtime.kick_delivery()
    await runtime.wait_idle()
    async with db.session() as session:
        rows = (await session.scalars(select(NotificationOutbox).order_by(NotificationOutbox.id))).all()
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1)] + [("pending", 0)] * 3
    assert host.status["bot"] == TOKEN_REJECTED


class FlakyCog(commands.Cog):
    @app_commands.command(name="report", description="Defers, then fails")
    async def report(self, interaction: discord.Interaction, public: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=not public)
        raise RuntimeError("the report query failed")

    @app_commands.command(name="partial", description="Answers, then fails")
    async def partial(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="Results so far: 3 raids")
        raise RuntimeError("the rest of the report failed")


class FlakyPlugin:
    name = "flaky"

    @hookimpl
    def discord_cogs(self):
        return [FlakyCog()]


FAILED = "Something went wrong; the officers can see the details in the logs."


@pytest.mark.parametrize("public", [False, True])
async def test_a_command_failing_after_defer_replaces_the_thinking_message(
    make_host, start_discord_bot, fake_discord, public
):
    """Discord turns a follow-up right after a deferral into an edit of the "thinking..."
    message, keeping the deferral's visibility: the error takes that message's place."""
    await start_discord_bot(discord_host(make_host, plugins=["flaky"], extra_plugins=[FlakyPlugin]))
    fake_discord.add_member(GUILD_ID, ALICE, "alice")
    builder = fake_discord.interaction_builder(GUILD_ID, GENERAL_CHANNEL_ID)
    record = await fake_discord.interact(builder.slash_command(ALICE, "flaky report", public=public))
    assert record.response_type == 5  # deferred ("thinking...")
    assert record.original["content"] == FAILED and not record.followups
    assert record.ephemeral is not public and [c["status"] for c in record.callbacks] == [200]
    in_channel = [m["content"] for m in fake_discord.messages_in(GENERAL_CHANNEL_ID)]
    assert in_channel == ([FAILED] if public else [])
    # With the documented edit, not the deprecated follow-up-as-edit.
    assert fake_discord.requests_matching("PATCH", rf"/webhooks/\d+/{record.token}/messages/@original")
    assert not fake_discord.requests_matching("POST", rf"/webhooks/\d+/{record.token}")


async def test_a_command_failing_after_its_answer_adds_an_ephemeral_follow_up(
    make_host, start_discord_bot, fake_discord
):
    await start_discord_bot(discord_host(make_host, plugins=["flaky"], extra_plugins=[FlakyPlugin]))
    fake_discord.add_member(GUILD_ID, ALICE, "alice")
    builder = fake_discord.interaction_builder(GUILD_ID, GENERAL_CHANNEL_ID)
    record = await fake_discord.interact(builder.slash_command(ALICE, "flaky partial"), until="ack")
    await eventually(lambda: record.followups)
    assert record.original["content"] == "Results so far: 3 raids"  # kept, and public
    [notice] = record.followups
    assert notice["content"] == FAILED and int(notice["flags"]) & 64  # ephemeral


async def test_role_sync_cut_by_a_long_rate_limit_runs_again_at_the_next_tick(db, discord_bot, fake_discord):
    from patt_host.testing.discord import RANK_ROLE_IDS, map_rank_roles
    from sv_common.discord.config import load_discord_config, update_discord_config
    from sv_common.identity.models import GuildRank
    from sv_common.identity.players import create_player
    from sv_common.identity.ranks import set_rank_override

    host = discord_bot.host
    await map_rank_roles(db)
    fake_discord.add_member(GUILD_ID, ALICE, "alice")
    async with db.session() as session:
        user, _ = await upsert_discord_user(
            session, discord_id=str(ALICE), username="alice", display_name=None, role_ids=[]
        )
        player = await create_player(session, display_name="Alice", discord_user_id=user.id)
        rank = await session.scalar(select(GuildRank).where(GuildRank.level == 2))
        await set_rank_override(session, player.id, rank.id)
        await update_discord_config(session, role_sync_mode="to_discord")
    fake_discord.fail_next("PUT", r"/guilds/\d+/members/\d+/roles/\d+", status=429, retry_after=600)

    first = await run_job(host, "discord.role_sync", trigger="manual")
    assert first.counts["deferred"] == 1 and first.counts["sent"] == 0
    async with db.session() as session:
        assert (await load_discord_config(session)).last_role_sync_at is None  # the interval did not restart
    tick = await run_job(host, "discord.role_sync", trigger="cron")  # the next hourly tick is due
    assert tick.counts["sent"] == 1 and "deferred" not in tick.counts
    assert RANK_ROLE_IDS[2] in fake_discord.member_role_ids(GUILD_ID, ALICE)
