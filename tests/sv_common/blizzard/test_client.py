"""The Blizzard client against the fake Battle.net on loopback (real httpx, real Redis)."""

from __future__ import annotations

import asyncio
import copy
import time

import pytest
from redis.asyncio import Redis

from sv_common.blizzard import BlizzardClient, BlizzardConfig, BlizzardError, Outcome, RequestPacer
from sv_common.blizzard.parsing import parse_profile, parse_roster
from sv_common.testing.fake_battlenet import FakeBattleNet, recorded


@pytest.fixture
async def fake():
    server = FakeBattleNet(rate_limit=20)
    server.generate_guild("realm-a", "guild-a", 60)
    await server.start()
    yield server
    await server.stop()


def config(fake, **overrides) -> BlizzardConfig:
    values = dict(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        region="eu",
        api_url=fake.base_url,
        oauth_url=fake.oauth_url,
        requests_per_second=20,
        max_retries=3,
        timeout_seconds=1.0,
        rate_limit_namespace=f"test-{time.monotonic_ns()}",
    )
    values.update(overrides)
    return BlizzardConfig(**values)


async def test_two_clients_sharing_redis_stay_under_the_limit_together(fake, redis_url):
    redis = Redis.from_url(redis_url)
    cfg = config(fake)
    members = fake.guild("realm-a", "guild-a").members
    try:
        async with BlizzardClient(cfg, redis=redis) as one, BlizzardClient(cfg, redis=redis) as two:
            assert one.pacer.shared
            started = time.monotonic()
            results = await asyncio.gather(
                *(one.character_profile(m.realm_slug, m.name) for m in members[:30]),
                *(two.character_profile(m.realm_slug, m.name) for m in members[30:]),
            )
            elapsed = time.monotonic() - started
    finally:
        await redis.aclose()
    assert all(r.outcome is Outcome.UPDATED for r in results)
    assert fake.rate_limited == 0 and fake.max_in_any_second() <= 20
    assert elapsed >= 2.0  # 60 requests at 20 per second: the limit, not latency, sets the pace


async def test_conditional_request_gets_304_and_changes_get_200(fake):
    member = fake.guild("realm-a", "guild-a").members[0]
    async with BlizzardClient(config(fake)) as client:
        first = await client.character_profile(member.realm_slug, member.name)
        second = await client.character_profile(
            member.realm_slug, member.name, if_modified_since=first.last_modified
        )
        fake.touch(member, item_level=700)
        third = await client.character_profile(
            member.realm_slug, member.name, if_modified_since=first.last_modified
        )
    assert (first.outcome, second.outcome, third.outcome) == (
        Outcome.UPDATED,
        Outcome.NOT_MODIFIED,
        Outcome.UPDATED,
    )
    assert third.data.item_level == 700 and client.stats.not_modified == 1


async def test_retries_give_up_as_an_error_outcome_not_an_exception(fake):
    member = fake.guild("realm-a", "guild-a").members[0]
    fake.fail_next(10, 500, kind="profile")
    async with BlizzardClient(config(fake, max_retries=2, backoff_base_seconds=0.01)) as client:
        result = await client.character_profile(member.realm_slug, member.name)
    assert (result.outcome, result.status, result.attempts) == (Outcome.ERROR, 500, 3)


async def test_404_is_unavailable_and_missing_guild_raises(fake):
    async with BlizzardClient(config(fake)) as client:
        result = await client.character_profile("realm-a", "nobody")
        assert result.outcome is Outcome.UNAVAILABLE
        with pytest.raises(BlizzardError):
            await client.guild_roster("realm-a", "no-such-guild")


async def test_bad_credentials_are_an_error_outcome(fake):
    async with BlizzardClient(config(fake, client_secret="wrong")) as client:
        result = await client.character_profile("realm-a", "x")
    assert result.outcome is Outcome.ERROR and "OAuth" in result.error


async def test_token_is_refreshed_before_expiry(fake):
    fake.token_lifetime = 2  # refreshed at half its life
    member = fake.guild("realm-a", "guild-a").members[0]
    async with BlizzardClient(config(fake)) as client:
        await client.character_profile(member.realm_slug, member.name)
        client._token_refresh_at = 0  # the clock moved past the refresh point
        await client.character_profile(member.realm_slug, member.name)
    assert client.stats.token_fetches == 2


async def test_pacer_slots_free_one_window_after_the_response():
    pacer = RequestPacer(key=f"pace-{time.monotonic_ns()}", per_second=3, per_hour=100, second_window=0.3)
    tokens = [await pacer.acquire() for _ in range(3)]
    waiter = asyncio.create_task(pacer.acquire())
    # A full window passes, but the three are still "in flight": no slot frees.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(waiter), 0.4)
    released = time.monotonic()
    await pacer.release(tokens[0])
    await waiter
    assert time.monotonic() - released >= 0.25 and pacer.waits > 0


def test_parsers_are_lenient_across_shapes():
    roster = parse_roster(recorded("wow_guild_roster")["exchanges"][0]["body"])
    assert len(roster.members) == 418 and roster.guild_name == "Avalerion"
    odd = parse_roster(
        {
            "members": [
                {"character": {"name": "A"}},
                {"character": {"name": "B", "realm": {"slug": "x"}}},
                "junk",
            ]
        }
    )
    assert [m.name for m in odd.members] == ["B"] and odd.skipped == 2
    profile = parse_profile(recorded("wow_character")["exchanges"][0]["body"])
    assert (profile.name, profile.class_id, profile.spec_id, profile.item_level) == ("Sheday", 2, 70, 444)
    localised = parse_profile({"name": {"en_US": "Zoë"}, "level": "70", "character_class": {"id": 13}})
    assert (localised.name, localised.level, localised.class_id, localised.spec_id) == ("Zoë", 70, 13, None)


def test_numbers_out_of_range_read_as_missing():
    # Written as they came, one of these failed the whole roster sync (32/64-bit columns) or
    # every page that turns a last login into a date.
    profile_body = copy.deepcopy(recorded("wow_character")["exchanges"][0]["body"])
    profile_body.update(
        id=2**64, level=2**40, equipped_item_level=10**12, average_item_level=-1, last_login_timestamp=0
    )
    profile_body["active_spec"]["id"] = 2**40
    profile = parse_profile(profile_body)
    assert (profile.blizzard_id, profile.level, profile.item_level, profile.last_login_ms) == (None,) * 4
    # The spec is still known by name; the rest of the answer is read as usual.
    assert (profile.spec_id, profile.spec_name, profile.class_id, profile.name) == (
        None,
        "Retribution",
        2,
        "Sheday",
    )
    profile_body["last_login_timestamp"] = 10**20
    assert parse_profile(profile_body).last_login_ms is None

    roster_body = copy.deepcopy(recorded("wow_guild_roster")["exchanges"][0]["body"])
    first, second = roster_body["members"][:2]
    first["character"].update(level=2**40, id="99999999999999999999")
    second["rank"] = -1
    roster = parse_roster(roster_body)
    assert len(roster.members) == 418 and roster.skipped == 0
    odd, ranked = roster.members[:2]
    assert (odd.name, odd.blizzard_id, odd.level, odd.rank) == ("Yoana", None, None, 6)
    assert (ranked.rank, ranked.level) == (None, second["character"]["level"])


async def test_status_and_professions_calls(fake):
    member = fake.guild("realm-a", "guild-a").members[0]
    async with BlizzardClient(config(fake)) as client:
        status = await client.character_status(member.realm_slug, member.name)
        professions = await client.character_professions(member.realm_slug, member.name)
        again = await client.character_professions(
            member.realm_slug, member.name, if_modified_since=professions.last_modified
        )
    assert status.data == {"id": member.blizzard_id, "is_valid": True}
    assert professions.outcome is Outcome.UPDATED and professions.data["primaries"]
    assert again.outcome is Outcome.NOT_MODIFIED


async def test_a_429_waits_at_least_its_retry_after(fake):
    # The retry must not come back before the server said it may (a lower bound: not flaky).
    member = fake.guild("realm-a", "guild-a").members[0]
    fake.fail_next(1, 429, retry_after=0.6, kind="profile")
    async with BlizzardClient(config(fake, backoff_base_seconds=0.001)) as client:
        result = await client.character_profile(member.realm_slug, member.name)
    assert (result.outcome, result.attempts) == (Outcome.UPDATED, 2)
    refused, retried = fake.api_requests("profile")
    assert (refused.status, retried.status) == (429, 200)
    assert retried.at - refused.at >= 0.6
