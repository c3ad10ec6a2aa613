"""Voting benchmarks (issue #11), results in docs/performance.md ("Voting"):

- instant-runoff tally of the same 100,000 random ballots over 12 entries, ours and
  pyrankvote's side by side: ours in at most half pyrankvote's time;
- closing a campaign with 100,000 ballots (load from PostgreSQL, tally, store): < 2 s;
- ballot submission through the API (`patt serve`, bearer tokens, 20 clients): ≥ 200/s.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import socket
import time
from datetime import UTC, datetime

import httpx
import psutil
import pyrankvote
import pytest
from perf_report import record
from serve import serve_env, start_server, stop_server
from sqlalchemy import select, text

from patt_voting.models import Campaign, CampaignResult
from patt_voting.services import campaigns, lifecycle
from patt_voting.services.counting import Election, count_instant_runoff
from sv_common.auth.passwords import hash_password
from sv_common.auth.tokens import issue_token
from sv_common.identity.models import GuildRank

pytestmark = pytest.mark.bench

BALLOTS = 100_000
ENTRIES = 12
SECRET = serve_env("")["JWT_SECRET_KEY"]
API_VOTERS = 1_000
CONCURRENCY = 20
RESULTS: dict[str, str] = {}
REPEATS = 3


def random_rankings(n: int, seed: int) -> list[tuple[int, ...]]:
    """Ranked ballots of 1..12 entries; entries differ in popularity (Plackett-Luce draws)."""
    rng = random.Random(seed)
    strength = [rng.uniform(0.3, 3.0) for _ in range(ENTRIES)]
    ballots = []
    for _ in range(n):
        # Exponential keys give a Plackett-Luce order; a random length truncates it.
        order = sorted(range(ENTRIES), key=lambda c: rng.expovariate(strength[c]))
        ballots.append(tuple(order[: rng.randint(1, ENTRIES)]))
    return ballots


class RollBack(Exception):
    """Leaves a session's transaction without committing."""


def best_of(run):
    """(result, best CPU seconds, best wall seconds) over REPEATS runs, each after a GC."""
    cpu = wall = float("inf")
    for _ in range(REPEATS):
        gc.collect()
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        result = run()
        cpu = min(cpu, time.process_time() - started_cpu)
        wall = min(wall, time.perf_counter() - started_wall)
    return result, cpu, wall


def write_report() -> None:
    if len(RESULTS) == 3:
        record("Voting", "\n".join(RESULTS[k] for k in ("irv", "close", "api")))


def test_instant_runoff_is_at_least_twice_as_fast_as_pyrankvote():
    rankings = random_rankings(BALLOTS, seed=1)
    names = [f"Entry {i}" for i in range(ENTRIES)]
    candidates = [pyrankvote.Candidate(n) for n in names]
    their_ballots = [pyrankvote.Ballot(ranked_candidates=[candidates[c] for c in r]) for r in rankings]
    election = Election(names, [(r, 1) for r in rankings])

    ours, our_cpu, our_wall = best_of(lambda: count_instant_runoff(election))
    theirs, their_cpu, their_wall = best_of(
        lambda: pyrankvote.instant_runoff_voting(candidates, their_ballots)
    )

    assert names[ours.winner] == theirs.get_winners()[0].name
    RESULTS["irv"] = f"""
Same {BALLOTS:,} random ranked ballots (1–{ENTRIES} of {ENTRIES} entries each, uneven popularity), one process:

| instant-runoff tally | target | measured |
|---|---|---|
| `patt_voting.services.counting`, CPU / wall | ≤ ½ of pyrankvote | {our_cpu:.3f} s / {our_wall:.3f} s ({len(ours.rounds)} rounds) |
| pyrankvote 2.0.6, CPU / wall | – | {their_cpu:.3f} s / {their_wall:.3f} s |
| ratio (CPU) | ≤ 0.5 | {our_cpu / their_cpu:.2f} |

Each is the best of {REPEATS} runs after a garbage collection; the assertion uses CPU time, since
the machine's two cores are shared with other work and wall time swings with their load.

Both name the same winner. How: identical ballots are grouped, and each ballot sits in the pile of
its current entry, so an elimination re-reads only the eliminated entry's pile.
"""
    write_report()
    assert our_cpu <= their_cpu / 2, (our_cpu, their_cpu)


async def _players_with_votes(db, campaign_id: int, entry_ids: list[int], rankings) -> None:
    async with db.session() as s:
        rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.level == 2))
        player_ids = list(
            await s.scalars(
                text(
                    "INSERT INTO guild_identity.players (display_name, guild_rank_id) "
                    "SELECT 'Bench voter ' || g, :rank FROM generate_series(1, :n) AS g RETURNING id"
                ),
                {"rank": rank_id, "n": len(rankings)},
            )
        )
        await s.execute(
            text(
                "INSERT INTO patt.votes (campaign_id, player_id, rankings) "
                "SELECT :c, p, r::jsonb FROM unnest(CAST(:players AS int[]), CAST(:rankings AS text[])) AS t(p, r)"
            ),
            {
                "c": campaign_id,
                "players": player_ids,
                "rankings": [json.dumps([entry_ids[c] for c in r]) for r in rankings],
            },
        )


async def _live_campaign(db, title: str, **fields) -> tuple[int, list[int]]:
    async with db.session() as s:
        values = {
            "title": title,
            "start_at": datetime.now(UTC),
            "duration_hours": 24,
            "picks_per_voter": ENTRIES,
            "min_rank_to_vote": 1,
            "counting_method": "instant_runoff",
            "agent_enabled": False,
        } | fields
        campaign = await campaigns.create_campaign(s, values, None)
        for i in range(ENTRIES):
            await campaigns.add_entry(s, campaign.id, {"name": f"Entry {i}", "sort_order": i})
        await lifecycle.activate(s, campaign.id)
        entry_ids = [e.id for e in await campaigns.list_entries(s, campaign.id)]
        return campaign.id, entry_ids


async def test_closing_a_campaign_with_100000_ballots(db):
    campaign_id, entry_ids = await _live_campaign(db, "Bench close")
    rankings = random_rankings(BALLOTS, seed=2)
    await _players_with_votes(db, campaign_id, entry_ids, rankings)

    # Best of REPEATS: the first runs roll back, the last one commits.
    seconds = float("inf")
    for attempt in range(REPEATS):
        started = time.perf_counter()
        try:
            async with db.session() as s:
                await lifecycle.close(s, campaign_id)
                if attempt < REPEATS - 1:
                    raise RollBack
        except RollBack:
            pass
        seconds = min(seconds, time.perf_counter() - started)

    async with db.session() as s:
        stored = await s.scalar(select(CampaignResult).where(CampaignResult.campaign_id == campaign_id))
        status = await s.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    assert status == "closed" and stored.total_votes == BALLOTS
    expected = count_instant_runoff(
        Election([f"Entry {i}" for i in range(ENTRIES)], [(r, 1) for r in rankings])
    )
    assert stored.results["winner"] == f"Entry {expected.winner}"
    RESULTS["close"] = f"""
| closing a campaign with {BALLOTS:,} ballots (instant runoff, {ENTRIES} entries) | target | measured |
|---|---|---|
| load from PostgreSQL (grouped in SQL), tally, store the rounds; one transaction (best of {REPEATS}) | < 2 s | {seconds:.2f} s |
"""
    write_report()
    assert seconds < 2, seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _api_voters(db, n: int) -> list[str]:
    """Members with accounts and session tokens (one bcrypt hash shared: it is not what is measured)."""
    password_hash = hash_password("bench password 123")
    async with db.session() as s:
        rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.level == 2))
        users = (
            await s.execute(
                text(
                    "INSERT INTO common.users (email, password_hash) "
                    "SELECT 'bench' || g, :h FROM generate_series(1, :n) AS g RETURNING id, token_version"
                ),
                {"h": password_hash, "n": n},
            )
        ).all()
        await s.execute(
            text(
                "INSERT INTO guild_identity.players (display_name, guild_rank_id, website_user_id) "
                "SELECT 'API voter ' || u, :rank, u FROM unnest(CAST(:ids AS int[])) AS u"
            ),
            {"rank": rank_id, "ids": [u for u, _ in users]},
        )
    return [issue_token(user_id=u, token_version=v, secret=SECRET, expires_minutes=60) for u, v in users]


async def test_ballot_submission_through_the_api(db):
    tokens = await _api_voters(db, API_VOTERS)  # before the launch: they are the eligible voters
    # Not closed early: the in-process scheduler would close it once everyone voted the first time.
    campaign_id, entry_ids = await _live_campaign(
        db, "Bench API", picks_per_voter=3, early_close_if_all_voted=False
    )
    port = free_port()
    env = serve_env(db.url)
    proc, _ = start_server(env, port)
    rng = random.Random(3)
    # Every voter votes, then every voter changes their ballot: 2 submissions each.
    work = [(t, rng.sample(entry_ids, rng.randint(1, 3))) for t in tokens] * 2
    queue = iter(work)
    statuses: dict[int, int] = {}

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for token, ranking in queue:
                response = await client.post(
                    f"/api/v1/campaigns/{campaign_id}/vote",
                    json={"entry_ids": ranking},
                    headers={"Authorization": f"Bearer {token}"},
                )
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    server = psutil.Process(proc.pid)
    try:
        cpu_before = sum(server.cpu_times()[:2])
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
        cpu_ms = (sum(server.cpu_times()[:2]) - cpu_before) / len(work) * 1000
    finally:
        stop_server(proc)
    rate = len(work) / elapsed
    capacity = 1000 / cpu_ms  # ballots per second one server core sustains
    assert statuses == {201: API_VOTERS, 200: API_VOTERS}, statuses
    async with db.session() as s:
        stored = await s.scalar(
            text("SELECT count(*) FROM patt.votes WHERE campaign_id = :c"), {"c": campaign_id}
        )
    assert stored == API_VOTERS
    RESULTS["api"] = f"""
| ballot submission through the API | target | measured |
|---|---|---|
| `POST /api/v1/campaigns/{{id}}/vote`: server CPU per ballot → ballots/s per server core | ≥ 200/s | {cpu_ms:.2f} ms → {capacity:,.0f}/s |
| the same, wall clock: {len(work):,} ballots ({API_VOTERS:,} voters, each votes then changes), {CONCURRENCY} clients, `patt serve` with one worker | ≥ 200/s | {rate:,.0f}/s |

Each ballot is validated (login, rank, picks, entries) and written with two SQL round trips of the
voting plugin (campaign + entry ids; ballot + voter list in one statement) inside one transaction
(BEGIN, COMMIT). Authentication is one autocommit query (user, token version, revocation and rank
joined), and pooled connections are not pre-pinged: five loopback round trips per ballot, down from
about a dozen. The largest single gain was the pool size: with 10 pooled connections for 20 clients,
the overflow connections were closed after each request and reopened for the next, and each new
connection paid for TCP, authentication, and asyncpg's statement preparation and type lookups again
(≈ 3.7 ms of server CPU per ballot). `DATABASE_POOL_SIZE` now defaults to 20 (+10 overflow).
The load generator and PostgreSQL share the two cores with the server (load average
{os.getloadavg()[0]:.1f} at the end of this run), so the wall-clock rate is a lower bound. Both
are asserted.
"""
    print(f"\nballots: {cpu_ms:.2f} ms CPU per ballot -> {capacity:.0f}/s per core; wall {rate:.0f}/s")
    write_report()
    assert capacity >= 200 and rate >= 200, (cpu_ms, rate)
