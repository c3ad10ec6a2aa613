"""Adoption benchmark: `patt db adopt` of a large original PATT database (live variant).

Target (issue #24): 400 players, 1,000 characters, 40 campaigns and 20,000 votes adopted in < 30 s
(``--apply``: archive, the platform's migrations, every step). The dry run (the same work, rolled
back) is timed too. Results go to docs/performance.md ("Adopt").
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

import psutil
import pytest
from perf_report import record
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host import adopt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adopt"))
import adopt_original  # noqa: E402

pytestmark = pytest.mark.bench

PLAYERS, CHARACTERS, CAMPAIGNS = 400, 1000, 40
_counter = itertools.count()


async def count(url: str, table: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")))
    finally:
        await engine.dispose()


async def test_adopting_a_large_original_database(patt_postgres, make_host):
    name = f"patt_adopt_bench_{os.getpid()}_{next(_counter)}"
    url = await patt_postgres.create_database(name)
    try:
        await adopt_original.create(url, "live")
        picks = await adopt_original.fill_bulk(
            url, players=PLAYERS, characters=CHARACTERS, campaigns=CAMPAIGNS
        )
        assert picks >= 20_000
        host = make_host(database_url=url)

        started = time.perf_counter()
        dry = await adopt.adopt(host, url, apply=False)
        dry_s = time.perf_counter() - started
        assert not dry.failed

        load = psutil.getloadavg()[0]
        started = time.perf_counter()
        done = await adopt.adopt(host, url, apply=True)
        apply_s = time.perf_counter() - started
        assert not done.failed, [(n, e) for n, _, e in done.steps if e]
        ballots = await count(url, "patt.votes")
        assert ballots == PLAYERS * CAMPAIGNS
        assert await count(url, "guild_identity.players") == PLAYERS
        assert await count(url, "guild_identity.wow_characters") == CHARACTERS
        assert await count(url, "patt.campaign_results") == CAMPAIGNS - 2
        differs = [c for _, s, _ in done.steps if s for c in s.converted if "differs" in c]
        assert differs == []
        assert apply_s < 30
    finally:
        await patt_postgres.drop_database(name)

    record(
        "Adopt",
        f"""
`patt db adopt` (`tests/bench/test_adopt_bench.py`) of a generated original PATT database (the live variant):
{PLAYERS} players with accounts and Discord users, {CHARACTERS:,} characters (90 % linked), {CAMPAIGNS} campaigns
of 10 entries ({CAMPAIGNS - 2} closed with stored results, every player voting in each: {picks:,} vote rows,
one per pick, becoming {ballots:,} ballots). Target: `--apply` < 30 s. The time includes archiving the original,
the platform's migrations and the recount of every closed campaign by the platform's counter (checked against
the stored results: no differences). Load average at the start: {load:.1f} (shared machine, other agents running).

| measure | result |
|---|---|
| dry run (everything, rolled back) | {dry_s:.1f} s |
| `--apply` (one transaction per step) | {apply_s:.1f} s |
""",
    )
