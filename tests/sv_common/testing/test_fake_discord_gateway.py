"""The fake gateway behaves like Discord's for what discord.py relies on: member lists
arrive by op 8 chunks (at most 1,000 each) unless the presences intent covers a small
guild, a RESUME replays the events sent while the client was away, and heartbeats are
acknowledged as over a network, so discord.py measures its latency against the right beat."""

from __future__ import annotations

import asyncio
import json

import discord
import pytest
import pytest_asyncio

from sv_common.testing.fake_discord import FakeDiscord, connected

GUILD = 930000000000000001
FIRST_MEMBER = 930000000000010000
LATE_MEMBER = 930000000000000999


@pytest_asyncio.fixture
async def fake():
    fake = FakeDiscord()
    fake.add_guild(GUILD, "PATT")
    for n in range(2500):
        fake.add_member(GUILD, FIRST_MEMBER + n, f"member{n}")
    async with fake.serving():
        yield fake


def running(client: discord.Client):
    return connected(client, timeout=10)


def client_with(**intents: bool) -> discord.Client:
    return discord.Client(
        intents=discord.Intents.default() | discord.Intents(**intents), guild_ready_timeout=0.05
    )


@pytest.mark.asyncio
async def test_members_arrive_in_chunks_of_at_most_1000(fake):
    async with running(client_with(members=True)) as client:
        guild = client.get_guild(GUILD)
        assert guild.chunked and len(guild.members) == 2501  # with the bot
    [created] = fake.dispatched("GUILD_CREATE")
    assert [m["user"]["id"] for m in created["members"]] == [str(fake.bot_user_id)]
    assert created["member_count"] == 2501 and created["large"]
    chunks = fake.dispatched("GUILD_MEMBERS_CHUNK")
    assert [len(c["members"]) for c in chunks] == [1000, 1000, 501]
    assert [(c["chunk_index"], c["chunk_count"]) for c in chunks] == [(0, 3), (1, 3), (2, 3)]


@pytest.mark.asyncio
async def test_small_guild_with_presences_needs_no_member_request(fake):
    for n in range(2490):  # leave ten members: under the large threshold
        del fake.guilds[GUILD].members[FIRST_MEMBER + n]
    async with running(client_with(members=True, presences=True)) as client:
        assert len(client.get_guild(GUILD).members) == 11
    assert fake.dispatched("GUILD_MEMBERS_CHUNK") == []
    assert not fake.dispatched("GUILD_CREATE")[0]["large"]


@pytest.mark.asyncio
async def test_small_guild_without_presences_still_needs_the_member_request(fake):
    for n in range(2490):
        del fake.guilds[GUILD].members[FIRST_MEMBER + n]
    async with running(client_with(members=True)) as client:
        assert len(client.get_guild(GUILD).members) == 11
    [created] = fake.dispatched("GUILD_CREATE")
    assert not created["large"] and len(created["members"]) == 1
    assert [len(c["members"]) for c in fake.dispatched("GUILD_MEMBERS_CHUNK")] == [11]


@pytest.mark.asyncio
async def test_resume_replays_events_missed_while_away(fake):
    client = client_with(members=True)
    resumed = asyncio.Event()
    joined: asyncio.Queue[int] = asyncio.Queue()

    @client.event
    async def on_resumed():
        resumed.set()

    @client.event
    async def on_member_join(member):
        joined.put_nowait(member.id)

    async with running(client):
        await fake.reconnect_clients()  # the client is away until it resumes
        await fake.member_join(GUILD, LATE_MEMBER, "late")
        await asyncio.wait_for(resumed.wait(), 5)
        assert await asyncio.wait_for(joined.get(), 2) == LATE_MEMBER
        assert client.get_guild(GUILD).get_member(LATE_MEMBER) is not None
    assert fake.identify_count == 1  # RESUME, not a second IDENTIFY


@pytest.mark.asyncio
async def test_heartbeat_latency_is_measured_against_the_beat_it_answers():
    """discord.py's keep-alive thread notes a heartbeat's send time only once it is scheduled
    again after the loop sent it; an ACK answered at once by the in-process fake could be
    handled first, and discord.py then measured it against the previous beat: a latency of a
    whole interval ("Can't keep up, shard ID None websocket is 41.3s behind" at Discord's 41.25 s
    interval, about one beat in eight). Over many short intervals every latency must be the
    fake's round trip, never an interval."""
    fake = FakeDiscord()
    fake.add_guild(GUILD, "PATT")
    fake.heartbeat_interval_ms = 100
    interval = fake.heartbeat_interval_ms / 1000
    beats = 60
    latencies: list[float] = []
    enough = asyncio.Event()
    client = discord.Client(
        intents=discord.Intents.default(), guild_ready_timeout=0.05, enable_debug_events=True
    )

    @client.event
    async def on_socket_raw_receive(msg):
        # Dispatched before the frame is handled, run after it: the ACK's latency is set by now.
        if json.loads(msg).get("op") == 11:
            latencies.append(client.latency)
            if len(latencies) >= beats:
                enough.set()

    async with fake.serving(), running(client):
        await asyncio.wait_for(enough.wait(), beats * interval * 3)
    assert fake.heartbeats >= beats
    assert all(0 < latency < interval for latency in latencies), latencies
