"""Rate limits of the fake Discord against the real discord.py HTTP client: per-route
buckets with real counters, the shared scope, and Cloudflare's 429."""

from __future__ import annotations

import time

import aiohttp
import discord
import pytest
import pytest_asyncio

from sv_common.testing.fake_discord import FakeDiscord

GUILD = 940000000000000001
TEXT, OTHER = 940000000000000021, 940000000000000022
POSTS = r"/channels/\d+/messages"


@pytest_asyncio.fixture
async def fake():
    fake = FakeDiscord()
    fake.add_guild(GUILD, "PATT")
    for channel_id in (TEXT, OTHER):
        fake.add_channel(GUILD, channel_id, f"channel-{channel_id}")
    async with fake.serving():
        yield fake


@pytest_asyncio.fixture
async def client(fake):
    client = discord.Client(intents=discord.Intents.none())
    await client.login("fake-token")
    yield client
    await client.close()


def statuses(fake: FakeDiscord, channel_id: int) -> list[int]:
    return [r.status_returned for r in fake.requests_matching("POST", rf"/channels/{channel_id}/messages")]


async def post_raw(fake: FakeDiscord, channel_id: int, times: int) -> list[aiohttp.ClientResponse]:
    headers = {"Authorization": "Bot fake-token"}
    out = []
    async with aiohttp.ClientSession(headers=headers) as http:
        for _ in range(times):
            async with http.post(
                f"{fake.base_url}/channels/{channel_id}/messages", json={"content": "x"}
            ) as r:
                await r.read()
                out.append(r)
    return out


@pytest.mark.asyncio
async def test_buckets_count_per_route_and_channel(fake, client):
    """Raw HTTP, to read the headers discord.py acts on."""
    fake.set_rate_limit("POST", POSTS, limit=2, window=0.5)
    first, second, third = await post_raw(fake, TEXT, 3)
    assert [r.status for r in (first, second, third)] == [200, 200, 429]
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == ["1", "0"]
    assert third.headers["X-RateLimit-Scope"] == "user" and third.headers["Via"]
    # Another channel has its own counter in the same bucket; another route its own bucket.
    [other] = await post_raw(fake, OTHER, 1)
    assert other.status == 200 and other.headers["X-RateLimit-Bucket"] == first.headers["X-RateLimit-Bucket"]
    await client.fetch_channel(TEXT)
    fetched = fake.requests_matching("GET", rf"/channels/{TEXT}")[0]
    assert fetched.status_returned == 200


@pytest.mark.asyncio
async def test_discord_py_waits_out_an_exhausted_bucket(fake, client):
    fake.set_rate_limit("POST", POSTS, limit=2, window=0.5)
    await post_raw(fake, TEXT, 2)  # another process used the bucket up
    channel = await client.fetch_channel(TEXT)
    started = time.monotonic()
    await channel.send("one")
    await channel.send("two")
    await channel.send("three")  # Remaining hit 0: discord.py waits for the reset first
    assert time.monotonic() - started >= 0.4
    assert statuses(fake, TEXT)[2:] == [429, 200, 200, 200]


@pytest.mark.asyncio
async def test_shared_scope_is_reported_and_retried(fake, client):
    fake.set_rate_limit("POST", POSTS, limit=1, window=0.3, scope="shared")
    [_, limited] = await post_raw(fake, TEXT, 2)
    assert limited.status == 429 and limited.headers["X-RateLimit-Scope"] == "shared"
    channel = await client.fetch_channel(TEXT)
    await channel.send("after the shared limit")
    assert statuses(fake, TEXT)[-1] == 200


@pytest.mark.asyncio
async def test_cloudflare_429_is_not_retried(fake, client):
    channel = await client.fetch_channel(TEXT)
    fake.fail_next("POST", POSTS, status=429, cloudflare=True)
    with pytest.raises(discord.HTTPException) as banned:
        await channel.send("x")
    assert banned.value.status == 429
    assert statuses(fake, TEXT) == [429]  # one request: discord.py gave up at once


@pytest.mark.asyncio
async def test_long_retry_after_raises_with_a_timeout(fake):
    client = discord.Client(intents=discord.Intents.none(), max_ratelimit_timeout=30)
    await client.login("fake-token")
    try:
        channel = await client.fetch_channel(TEXT)
        fake.fail_next("POST", POSTS, status=429, retry_after=45)
        started = time.monotonic()
        with pytest.raises(discord.RateLimited) as limited:
            await channel.send("x")
        assert time.monotonic() - started < 5 and limited.value.retry_after == 45
    finally:
        await client.close()
