"""Role sync to Discord: only the needed role calls, paced, never losing a change."""

import asyncio
from dataclasses import dataclass

from sqlalchemy import select

from patt_host.testing.discord import FAKE_TOKEN, GUILD_ID, RANK_ROLE_IDS, UNMANAGED_ROLE_ID, map_rank_roles
from sv_common.discord.client import discord_rest_client
from sv_common.discord.operations import run_role_sync
from sv_common.discord.pacing import Pacer
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import GuildRank
from sv_common.identity.players import create_player
from sv_common.identity.ranks import set_rank_override

ROLE_ROUTE = r"/guilds/\d+/members/\d+/roles/\d+"
BASE_ID = 840000000000000000


@dataclass
class Arranged:
    adds: set[tuple[int, int]]
    removes: set[tuple[int, int]]
    unlinked: dict[int, set[int]]
    wanted: dict[int, int]
    had_unmanaged: set[int]


async def arrange(db, fake, count: int) -> Arranged:
    """``count`` linked members in four situations, plus unlinked members holding rank roles.

    0: already right; 1: missing their rank role; 2: holding another rank's role (and an
    unmanaged role); 3: right role plus another rank's role.
    """
    await map_rank_roles(db)
    async with db.session() as session:
        rank_by_level = {r.level: r.id for r in (await session.scalars(select(GuildRank))).all()}
        result = Arranged(set(), set(), {}, {}, set())
        for i in range(count):
            uid, level = BASE_ID + i, 1 + i % 5
            want, wrong = RANK_ROLE_IDS[level], RANK_ROLE_IDS[level % 5 + 1]
            roles = {0: [want], 1: [], 2: [wrong, UNMANAGED_ROLE_ID], 3: [want, wrong]}[i % 4]
            fake.add_member(GUILD_ID, uid, f"member{i}", roles=roles)
            if i % 4 in (1, 2):
                result.adds.add((uid, want))
            if i % 4 in (2, 3):
                result.removes.add((uid, wrong))
            if UNMANAGED_ROLE_ID in roles:
                result.had_unmanaged.add(uid)
            result.wanted[uid] = want
            discord_user, _ = await upsert_discord_user(
                session,
                discord_id=str(uid),
                username=f"member{i}",
                display_name=None,
                role_ids=map(str, roles),
            )
            player = await create_player(session, display_name=f"Member {i}", discord_user_id=discord_user.id)
            await set_rank_override(session, player.id, rank_by_level[level])
        for j in range(20):  # on the server with rank roles, but no player: never touched
            uid = BASE_ID + 100_000 + j
            roles = [RANK_ROLE_IDS[1 + j % 5], UNMANAGED_ROLE_ID]
            fake.add_member(GUILD_ID, uid, f"guest{j}", roles=roles)
            result.unlinked[uid] = set(roles)
    return result


def role_calls(fake, method: str) -> list[tuple[int, int]]:
    calls = []
    for request in fake.requests_matching(method, ROLE_ROUTE):
        if request.status_returned == 204:
            parts = request.path.split("/")
            calls.append((int(parts[4]), int(parts[6])))
    return calls


async def sync(db, mode="to_discord", dry_run=False):
    async with discord_rest_client(FAKE_TOKEN) as client:
        return await run_role_sync(
            db, client, GUILD_ID, mode=mode, dry_run=dry_run, pacer=Pacer(concurrency=2), triggered_by="test"
        )


async def test_300_members_get_exactly_the_needed_role_calls(db, fake_discord):
    arranged = await arrange(db, fake_discord, 300)
    run = await sync(db)

    puts, deletes = role_calls(fake_discord, "PUT"), role_calls(fake_discord, "DELETE")
    assert len(puts) == len(set(puts)) == len(arranged.adds) == 150
    assert len(deletes) == len(set(deletes)) == len(arranged.removes) == 150
    assert set(puts) == arranged.adds and set(deletes) == arranged.removes
    assert (run.status, run.planned, run.sent, run.failed) == ("done", 300, 300, 0)
    planned = {(int(c["discord_id"]), int(c["role_id"]), c["action"]) for c in run.plan}
    assert planned == {(u, r, "add") for u, r in arranged.adds} | {
        (u, r, "remove") for u, r in arranged.removes
    }

    managed = set(RANK_ROLE_IDS.values())
    for uid, want in arranged.wanted.items():
        roles = fake_discord.member_role_ids(GUILD_ID, uid)
        assert roles & managed == {want}
        assert (UNMANAGED_ROLE_ID in roles) == (uid in arranged.had_unmanaged)  # unmanaged roles untouched
    for uid, roles in arranged.unlinked.items():
        assert fake_discord.member_role_ids(GUILD_ID, uid) == roles

    # Nothing left to do: a second run sends nothing.
    again = await sync(db)
    assert again.planned == 0
    assert len(role_calls(fake_discord, "PUT")) == 150 and len(role_calls(fake_discord, "DELETE")) == 150


async def test_rate_limits_are_waited_out_without_losing_a_change(db, fake_discord):
    arranged = await arrange(db, fake_discord, 40)
    # Unpaced, 80 changes pass Discord's global 50/s; this test counts the injected 429s only.
    fake_discord.set_global_rate_limit(limit=1000)
    fake_discord.fail_next("PUT", ROLE_ROUTE, status=429, retry_after=0.02, times=4)
    fake_discord.fail_next("DELETE", ROLE_ROUTE, status=429, retry_after=0.02, is_global=True, times=2)
    run = await sync(db)
    statuses = [r.status_returned for r in fake_discord.requests_matching("PUT", ROLE_ROUTE)]
    assert statuses.count(429) == 4
    assert [r.status_returned for r in fake_discord.requests_matching("DELETE", ROLE_ROUTE)].count(429) == 2
    assert (run.failed, run.sent) == (0, len(arranged.adds) + len(arranged.removes))
    assert set(role_calls(fake_discord, "PUT")) == arranged.adds
    assert set(role_calls(fake_discord, "DELETE")) == arranged.removes


async def test_a_change_that_keeps_failing_is_recorded_and_sent_by_the_next_run(db, fake_discord):
    arranged = await arrange(db, fake_discord, 8)
    stubborn_uid, stubborn_role = sorted(arranged.adds)[0]
    route = rf"/guilds/{GUILD_ID}/members/{stubborn_uid}/roles/{stubborn_role}"
    fake_discord.fail_next(
        "PUT", route, status=429, retry_after=0.01, times=5
    )  # outlasts discord.py's retries

    first = await sync(db)
    assert (first.status, first.failed, first.sent) == ("partial", 1, first.planned - 1)
    [failed] = [c for c in first.plan if c["status"] == "failed"]
    assert (int(failed["discord_id"]), int(failed["role_id"])) == (stubborn_uid, stubborn_role)
    assert "429" in failed["error"]
    assert stubborn_role not in fake_discord.member_role_ids(GUILD_ID, stubborn_uid)

    second = await sync(db)
    assert [(int(c["discord_id"]), int(c["role_id"]), c["status"]) for c in second.plan] == [
        (stubborn_uid, stubborn_role, "sent")
    ]
    assert stubborn_role in fake_discord.member_role_ids(GUILD_ID, stubborn_uid)


async def test_dry_run_shows_the_plan_and_sends_nothing(db, fake_discord):
    arranged = await arrange(db, fake_discord, 20)
    before = {uid: fake_discord.member_role_ids(GUILD_ID, uid) for uid in arranged.wanted}
    run = await sync(db, mode="dry_run")
    assert run.dry_run and run.planned == len(arranged.adds) + len(arranged.removes) > 0
    assert {c["status"] for c in run.plan} == {"planned"} and run.sent == 0
    assert not fake_discord.requests_matching("PUT", ROLE_ROUTE)
    assert not fake_discord.requests_matching("DELETE", ROLE_ROUTE)
    assert {uid: fake_discord.member_role_ids(GUILD_ID, uid) for uid in arranged.wanted} == before


async def test_unmapped_rank_is_reported_and_left_alone(db, fake_discord):
    arranged = await arrange(db, fake_discord, 10)
    async with db.session() as session:
        rank = await session.scalar(select(GuildRank).where(GuildRank.level == 2))
        rank.discord_role_id = None
    run = await sync(db)
    assert any("has no Discord role mapped" in note and rank.name in note for note in run.notes)
    level_two = {uid for uid, want in arranged.wanted.items() if want == RANK_ROLE_IDS[2]}
    touched = {uid for uid, _ in role_calls(fake_discord, "PUT") + role_calls(fake_discord, "DELETE")}
    assert level_two and not (level_two & touched)


async def test_to_site_sends_nothing_and_ranks_follow_discord_roles(db, fake_discord):
    await map_rank_roles(db)
    uid = BASE_ID + 7
    fake_discord.add_member(GUILD_ID, uid, "veteran", roles=[RANK_ROLE_IDS[3]])
    async with db.session() as session:
        discord_user, _ = await upsert_discord_user(
            session, discord_id=str(uid), username="veteran", display_name=None, role_ids=[]
        )
        player = await create_player(session, display_name="Veteran", discord_user_id=discord_user.id)
        assert player.guild_rank_id is None
    run = await sync(db, mode="to_site")
    assert run.planned == 0 and not fake_discord.requests_matching("PUT", ROLE_ROUTE)
    async with db.session() as session:
        rank = await session.scalar(select(GuildRank).where(GuildRank.level == 3))
        refreshed = await session.get(type(player), player.id)
        assert (refreshed.guild_rank_id, refreshed.guild_rank_source) == (rank.id, "discord")


async def test_roles_the_bot_cannot_assign_are_reported_once_and_never_sent(db, fake_discord):
    """Pre-flight: a rank role above the bot's and a managed one are blocked, not 403ed per member."""
    arranged = await arrange(db, fake_discord, 20)
    roles = fake_discord.guilds[GUILD_ID].roles
    roles[RANK_ROLE_IDS[5]]["position"] = 11  # dragged above the bot's role (10)
    roles[RANK_ROLE_IDS[4]]["managed"] = True  # e.g. an integration's role
    blocked_roles = {RANK_ROLE_IDS[5], RANK_ROLE_IDS[4]}

    dry = await sync(db, mode="dry_run")
    assert {c["status"] for c in dry.plan if int(c["role_id"]) in blocked_roles} == {"blocked"}
    assert sum("can assign it" in n for n in dry.notes) == 3  # the other mapped roles are fine

    run = await sync(db)
    sent_to = {role for _, role in role_calls(fake_discord, "PUT") + role_calls(fake_discord, "DELETE")}
    assert not sent_to & blocked_roles
    assert not [r for r in fake_discord.requests if r.status_returned == 403]
    assert run.status == "blocked" and run.failed == 0
    problems = [n for n in run.notes if "cannot be assigned" in n]
    assert len(problems) == 2
    assert any("Rank 5" in n and "drag the bot's role above it" in n for n in problems)
    assert any("Rank 4" in n and "Managed by an integration" in n for n in problems)
    wanted_ok = {(u, r) for u, r in arranged.adds if r not in blocked_roles}
    assert set(role_calls(fake_discord, "PUT")) == wanted_ok


async def test_a_long_rate_limit_defers_the_rest_to_the_next_run(db, fake_discord):
    """The jobs' client raises for a long retry_after; the run stops instead of blocking."""
    arranged = await arrange(db, fake_discord, 20)
    fake_discord.fail_next("PUT", ROLE_ROUTE, status=429, retry_after=300)
    run = await asyncio.wait_for(sync(db), 20)
    deferred = [c for c in run.plan if c["status"] == "deferred"]
    assert run.status == "partial" and len(deferred) >= run.planned - 2
    assert any("deferred to the next run" in note for note in run.notes)
    sent_calls = role_calls(fake_discord, "PUT") + role_calls(fake_discord, "DELETE")
    assert len(sent_calls) == run.sent <= 2  # nothing else was sent during the limit

    second = await sync(db)  # the limit has passed: the remainder goes out
    assert second.status == "done" and second.sent == len(deferred)
    assert set(role_calls(fake_discord, "PUT")) == arranged.adds
