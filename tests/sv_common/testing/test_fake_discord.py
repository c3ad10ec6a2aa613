"""The real discord.py client against FakeDiscord: if these pass, code under
test that talks to the fake exercises discord.py's true HTTP/gateway paths."""

from __future__ import annotations

import asyncio
import io
import time

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord.ext import commands

from patt_host.testing import eventually
from sv_common.testing.fake_discord import FakeDiscord, connected

GUILD = 900000000000000001
ROLE_MEMBER = 900000000000000010
ROLE_OFFICER = 900000000000000011
ROLE_BOT = 900000000000000012
CATEGORY = 900000000000000020
TEXT = 900000000000000021
VOICE = 900000000000000022
ALICE = 900000000000000100
BOB = 900000000000000101
CAROL = 900000000000000102
ROLE_ROUTE = r"/guilds/\d+/members/\d+/roles/\d+"
INTENTS = discord.Intents.default() | discord.Intents(members=True)


@pytest_asyncio.fixture
async def fake():
    fake = FakeDiscord()
    fake.add_guild(GUILD, "PATT")
    fake.add_role(GUILD, ROLE_MEMBER, "Member", position=1)
    fake.add_role(GUILD, ROLE_OFFICER, "Officer", position=2)
    fake.add_role(GUILD, ROLE_BOT, "Bot", position=3, permissions=0x10000000)  # Manage Roles
    fake.add_channel(GUILD, CATEGORY, "guild", type=4)
    fake.add_channel(
        GUILD,
        TEXT,
        "general",
        parent_id=CATEGORY,
        position=1,
        permission_overwrites=[
            {"id": GUILD, "type": 0, "allow": 0, "deny": 0x800},  # members read, only the bot posts
            {"id": ROLE_BOT, "type": 0, "allow": 0x800, "deny": 0},
        ],
    )
    fake.add_channel(GUILD, VOICE, "raid", type=2, parent_id=CATEGORY, position=2)
    fake.add_member(GUILD, ALICE, "alice", global_name="Alice", nick="Ally", roles=[ROLE_MEMBER])
    fake.add_member(GUILD, BOB, "bob", dms_open=False)
    fake.add_member(GUILD, fake.bot_user_id, "PATT Bot", roles=[ROLE_BOT])  # bot outranks Officer
    async with fake.serving():
        yield fake


def running(client: discord.Client):
    return connected(client, timeout=10)


def new_client() -> discord.Client:
    # guild_ready_timeout is how long discord.py waits for more GUILD_CREATEs
    # before on_ready; its 2 s default would dominate the test run time.
    return discord.Client(intents=INTENTS, guild_ready_timeout=0.05)


@pytest.mark.asyncio
async def test_ready_with_guild_cache(fake):
    async with running(new_client()) as client:
        await fake.wait_for_identify()
        guild = client.get_guild(GUILD)
        assert guild is not None and guild.name == "PATT"
        assert {r.name for r in guild.roles} == {"@everyone", "Member", "Officer", "Bot"}
        assert {c.name: type(c) for c in guild.channels} == {
            "guild": discord.CategoryChannel,
            "general": discord.TextChannel,
            "raid": discord.VoiceChannel,
        }
        assert guild.get_channel(TEXT).category_id == CATEGORY
        assert guild.member_count == len(guild.members) == 3  # alice, bob and the bot itself
        alice = guild.get_member(ALICE)
        assert (alice.nick, alice.global_name, [r.id for r in alice.roles[1:]]) == (
            "Ally",
            "Alice",
            [ROLE_MEMBER],
        )
        assert guild.me.id == fake.bot_user_id and guild.me.top_role.id == ROLE_BOT
        assert client.user.id == fake.bot_user_id and client.application_id == fake.application_id
        assert not fake.requests_matching("GET", "/gateway/bot")  # plain Client dials DEFAULT_GATEWAY


@pytest.mark.asyncio
async def test_add_and_remove_role(fake):
    async with running(new_client()) as client:
        member = client.get_guild(GUILD).get_member(ALICE)
        officer = client.get_guild(GUILD).get_role(ROLE_OFFICER)
        await member.add_roles(officer)
        assert fake.member_role_ids(GUILD, ALICE) == {ROLE_MEMBER, ROLE_OFFICER}
        assert officer in client.get_guild(GUILD).get_member(ALICE).roles  # GUILD_MEMBER_UPDATE echoed
        await member.remove_roles(officer)
        assert fake.member_role_ids(GUILD, ALICE) == {ROLE_MEMBER}
        assert [r.path for r in fake.requests_matching("PUT", ROLE_ROUTE)] == [
            f"/guilds/{GUILD}/members/{ALICE}/roles/{ROLE_OFFICER}"
        ]
        assert len(fake.requests_matching("DELETE", ROLE_ROUTE)) == 1


@pytest.mark.asyncio
async def test_429_is_retried_by_discord_py(fake):
    fake.fail_next("PUT", ROLE_ROUTE, status=429, retry_after=0.05)
    async with running(new_client()) as client:
        guild = client.get_guild(GUILD)
        started = time.monotonic()
        await guild.get_member(ALICE).add_roles(guild.get_role(ROLE_OFFICER))
        assert time.monotonic() - started >= 0.05  # it honoured retry_after
    assert ROLE_OFFICER in fake.member_role_ids(GUILD, ALICE)
    assert [r.status_returned for r in fake.requests_matching("PUT", ROLE_ROUTE)] == [429, 204]


@pytest.mark.asyncio
async def test_global_429_and_404_codes(fake):
    fake.fail_next("GET", r"/guilds/\d+/members/\d+", status=429, retry_after=0.02, is_global=True)
    async with running(new_client()) as client:
        guild = client.get_guild(GUILD)
        assert (await guild.fetch_member(ALICE)).nick == "Ally"
        with pytest.raises(discord.NotFound) as unknown_member:
            await guild.fetch_member(CAROL)
        with pytest.raises(discord.NotFound) as unknown_channel:
            await client.fetch_channel(CAROL)
        with pytest.raises(discord.NotFound) as unknown_role:
            await guild.get_member(ALICE).add_roles(discord.Object(CAROL))
    assert (unknown_member.value.code, unknown_channel.value.code, unknown_role.value.code) == (
        10007,
        10003,
        10011,
    )
    first = fake.requests_matching("GET", rf"/guilds/{GUILD}/members/{ALICE}")
    assert [r.status_returned for r in first] == [429, 200]


@pytest.mark.asyncio
async def test_dms_and_channel_messages(fake):
    async with running(new_client()) as client:
        guild = client.get_guild(GUILD)
        with pytest.raises(discord.Forbidden) as closed:
            await guild.get_member(BOB).send("hello bob")
        assert closed.value.code == 50007
        sent = await guild.get_member(ALICE).send("hello alice", embed=discord.Embed(title="Raid"))
        assert isinstance(sent.channel, discord.DMChannel) and sent.author.id == fake.bot_user_id
        posted = await guild.get_channel(TEXT).send(
            "attached", file=discord.File(io.BytesIO(b"x" * 5), "a.txt")
        )
        await posted.edit(content="edited")
        await posted.delete()
    assert [(m["content"], m["embeds"][0]["title"]) for m in fake.dms_to(ALICE)] == [("hello alice", "Raid")]
    assert fake.dms_to(BOB) == []
    [in_channel] = fake.messages_in(TEXT)
    assert in_channel["content"] == "edited" and in_channel["attachments"][0]["size"] == 5
    assert int(in_channel["id"]) not in fake.messages
    assert len(fake.sent_messages) == 2


@pytest.mark.asyncio
async def test_gateway_member_events(fake):
    client = new_client()
    joined: asyncio.Future = asyncio.get_running_loop().create_future()
    updated: asyncio.Future = asyncio.get_running_loop().create_future()

    @client.event
    async def on_member_join(member):
        joined.set_result(member)

    @client.event
    async def on_member_update(before, after):
        updated.set_result((before, after))

    async with running(client):
        await fake.member_join(GUILD, CAROL, "carol", roles=[ROLE_MEMBER])
        member = await asyncio.wait_for(joined, 2)
        assert (member.id, member.name, member.guild.id) == (CAROL, "carol", GUILD)
        assert client.get_guild(GUILD).member_count == 4
        await fake.member_update(GUILD, CAROL, roles=[ROLE_MEMBER, ROLE_OFFICER])
        before, after = await asyncio.wait_for(updated, 2)
        assert [r.id for r in before.roles[1:]] == [ROLE_MEMBER]
        assert {r.id for r in after.roles[1:]} == {ROLE_MEMBER, ROLE_OFFICER}
        await fake.member_remove(GUILD, CAROL)
        await eventually(lambda: client.get_guild(GUILD).get_member(CAROL) is None, timeout=2)
        # Op 8 round trip: discord.py matches the chunk to its request by nonce.
        found = await asyncio.wait_for(client.get_guild(GUILD).query_members(user_ids=[ALICE]), 2)
        assert [m.id for m in found] == [ALICE]


@pytest.mark.asyncio
async def test_outage_fails_fast_then_recovers(fake):
    async with running(new_client()) as client:
        port = fake.port
        await fake.go_down()
        started = time.monotonic()
        with pytest.raises((aiohttp.ClientError, OSError)):
            await asyncio.wait_for(client.fetch_guild(GUILD), 2)
        assert time.monotonic() - started < 1  # refused, not hanging until a timeout
        await fake.come_back()
        assert fake.port == port
        assert (await asyncio.wait_for(client.fetch_guild(GUILD), 2)).name == "PATT"


@pytest.mark.asyncio
async def test_reconnect_resumes_session(fake):
    client = new_client()
    resumed: asyncio.Future = asyncio.get_running_loop().create_future()
    joined: asyncio.Future = asyncio.get_running_loop().create_future()

    @client.event
    async def on_resumed():
        resumed.set_result(True)

    @client.event
    async def on_member_join(member):
        joined.set_result(member.id)

    async with running(client):
        await fake.reconnect_clients()
        await asyncio.wait_for(resumed, 3)
        await fake.member_join(GUILD, CAROL, "carol")
        assert await asyncio.wait_for(joined, 2) == CAROL
    assert fake.identify_count == 1  # RESUME, not a second IDENTIFY


@pytest.mark.asyncio
async def test_tree_sync_guild_commands(fake):
    bot = commands.Bot(command_prefix="!", intents=INTENTS)

    @bot.tree.command(name="roster", description="Show the roster", guild=discord.Object(GUILD))
    async def roster(interaction: discord.Interaction) -> None:  # pragma: no cover - never invoked
        pass

    await bot.login("fake-token")
    try:
        synced = await bot.tree.sync(guild=discord.Object(GUILD))
        fetched = await bot.tree.fetch_commands(guild=discord.Object(GUILD))
    finally:
        await bot.close()
    [put] = fake.requests_matching("PUT", rf"/applications/{fake.application_id}/guilds/{GUILD}/commands")
    assert [c["name"] for c in put.json] == ["roster"]
    assert [c.name for c in synced] == ["roster"] and synced[0].id == fetched[0].id
    assert synced[0].guild_id == GUILD
