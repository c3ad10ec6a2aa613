"""Crafting benchmark: a generated 1,000-character guild whose professions draw on a catalogue of
20,000 recipes, served by the fake Battle.net (own process, 100 requests/s enforced); the real
roster and profession sync jobs, real PostgreSQL, the search through the API.

Targets (issue #19): recipe search over 20,000 recipes and 1,000 characters p95 < 20 ms through
the API; the profession sync of 1,000 characters within 1.25 × the rate-limit bound (requests ÷
the pacer's rate); an unchanged re-sync answered ≥ 90 % by 304s. Results go to
docs/performance.md ("Crafting").
"""

from __future__ import annotations

import contextlib
import gc
import os
import statistics
import time

import psutil
import pytest
from fake_blizzard import fake_battlenet_process, fake_stats, reset_stats
from perf_report import record
from sqlalchemy import func, select

from patt_crafting.models import CharacterRecipe, CraftingSyncRun, Recipe
from patt_host.jobs import run_job

pytestmark = pytest.mark.bench

CHARACTERS = 1000
RECIPES = 20_000
RATE = 100
REALM, GUILD = "bench-realm", "bench-guild"
ROUNDS = 5
# Written under the table when a target is missed.
NOTE = """Not met on this run. Compare the machine's load above and the CPU of the three processes: the first
sync needs about 17 CPU seconds in all (this process ~9: HTTP client and parsing; PostgreSQL ~7: half a
million rows; the fake ~1.5) within a 13.9 s bound on 2 cores, so other work on the machine pushes it over.
The search's slowest queries are the three-word ones (about 20,000 trigram rows counted)."""
# What members type: words, prefixes, accents dropped, typos, a whole name, a miss.
QUERIES = [
    "potion",
    "flask",
    "algari",
    "healing potion",
    "algari helaing potion",
    "elegant",
    "élégant silk",
    "mighty iron gauntlets",
    "tempered bronze",
    "radiant mana elixir",
    "shadowed leather boots",
    "breastplate",
    "gauntlts",
    "silk",
    "ir",
    "mana",
    "boots of",
    "zzzz nothing here",
    "leather",
    "radiant",
]


def cpu_seconds() -> dict[str, float]:
    """CPU seconds so far of this process (the sync), its children (the fake Battle.net), every
    PostgreSQL process, and the whole machine."""
    me = psutil.Process()
    out = {"sync": sum(me.cpu_times()[:2]), "fake": 0.0, "postgres": 0.0}
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            out["fake"] += sum(child.cpu_times()[:2])
    for proc in psutil.process_iter(["name"]):
        with contextlib.suppress(psutil.Error):
            if (proc.info["name"] or "").startswith("postgres"):
                out["postgres"] += sum(proc.cpu_times()[:2])
    machine = psutil.cpu_times()
    out["machine"] = machine.user + machine.system + machine.nice + machine.irq + machine.softirq
    return out


async def timed_sync(host, **kwargs):
    started = time.monotonic()
    before = cpu_seconds()
    run = await run_job(host, "crafting.sync_professions", kwargs=kwargs)
    elapsed = time.monotonic() - started
    after = cpu_seconds()
    assert run.status == "succeeded", run.error
    async with host.db.session() as s:
        row = await s.scalar(select(CraftingSyncRun).order_by(CraftingSyncRun.id.desc()).limit(1))
    return elapsed, row, {key: after[key] - before[key] for key in before}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


async def test_crafting_benchmark(make_client, monkeypatch):
    load_before = os.getloadavg()[0]
    with fake_battlenet_process(monkeypatch, REALM, GUILD, CHARACTERS, recipes=RECIPES) as base:
        client = await make_client(plugins=["identity", "guild_sync", "crafting"])
        host = client.host
        roster = await run_job(host, "guild_sync.sync_roster")
        assert roster.status == "succeeded", roster.error
        reset_stats(base)

        # `patt serve` and `patt worker` freeze what start-up built (patt_host.console.startup_done),
        # so the collector's full passes skip it; this process is a test session, not a started
        # site, and would otherwise walk ~250,000 objects of pytest and the app in each of them.
        gc.collect()
        gc.freeze()
        try:
            full_seconds, full, cpu = await timed_sync(host)
        finally:
            gc.unfreeze()
        stats = fake_stats(base)
        full_max, full_429 = stats["max_in_any_second"], stats["rate_limited"]
        pace = host.plugin_settings("guild_sync").requests_per_second
        bound = full.requests / pace
        assert full.characters == CHARACTERS and full.failures == 0, (full.characters, full.failures)
        async with host.db.session() as s:
            recipes = await s.scalar(select(func.count()).select_from(Recipe))
            known = await s.scalar(select(func.count()).select_from(CharacterRecipe))
        assert recipes >= 0.99 * RECIPES, recipes

        reset_stats(base)
        resync_seconds, resync, _ = await timed_sync(host)
        resync_share = resync.not_modified / resync.requests
        resync_max = fake_stats(base)["max_in_any_second"]

        # Search through the API (ASGI, the JSON envelope), warm: every query once, then timed rounds.
        for q in QUERIES:
            assert (await client.get("/api/v1/crafting/recipes", params={"q": q})).status_code == 200
        timings: list[float] = []
        for _ in range(ROUNDS):
            for q in QUERIES:
                started = time.perf_counter()
                response = await client.get("/api/v1/crafting/recipes", params={"q": q})
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
        top = client.data(await client.get("/api/v1/crafting/recipes", params={"q": "algari helaing potion"}))
        search_p95, search_median = p95(timings), statistics.median(timings)
    load_after = os.getloadavg()[0]
    met = full_seconds <= 1.25 * bound and search_p95 < 20 and resync_share >= 0.9

    record(
        "Crafting",
        f"""
A generated guild of {CHARACTERS:,} characters (two connected realms); each knows about 8 % of the recipes of
its two crafting professions, drawn from a catalogue of {RECIPES:,} generated recipes across every expansion
(plus Cooking and the recipe-less Fishing). The fake Battle.net (`sv_common.testing.fake_battlenet`) runs in its
own process and enforces {RATE} requests in any one-second window; the syncs are the real jobs (httpx client,
guild_sync's shared pacer, PostgreSQL writes). Search goes through the ASGI app (`GET /api/v1/crafting/recipes?q=`).

| measure | target | measured |
|---|---|---|
| profession sync of {full.characters:,} characters ({full.requests:,} requests, bound {bound:.1f} s at the pacer's {pace}/s) | ≤ 1.25 × bound = {1.25 * bound:.1f} s | {full_seconds:.1f} s ({full_seconds / bound:.2f} × bound) |
| most requests in any one second at the server (first sync / re-sync) | ≤ {RATE} | {full_max} / {resync_max} ({full_429} answered 429) |
| recipes / known (character, recipe) pairs written by the first sync | – | {recipes:,} / {known:,} |
| unchanged re-sync ({resync.requests:,} requests) | ≥ 90 % 304s | {resync_share:.0%} answered 304 in {resync_seconds:.1f} s |
| recipe search, {len(QUERIES)} queries × {ROUNDS} rounds (words, prefixes, accents, typos, misses) | p95 < 20 ms | p95 {search_p95:.1f} ms, median {search_median:.1f} ms |
| CPU of the first profession sync: sync process / PostgreSQL / fake Battle.net / whole machine | – | {cpu["sync"]:.1f} s ({cpu["sync"] / full.requests * 1000:.1f} ms per request) / {cpu["postgres"]:.1f} s / {cpu["fake"]:.1f} s / {cpu["machine"]:.1f} s |

Machine load average during the run: {load_before:.1f} → {load_after:.1f} on {psutil.cpu_count()} cores
(the whole machine's CPU above, against the three processes', shows how much other work shared it).
"algari helaing potion" ranks "{top[0]["name"] if top else "-"}" first.

{NOTE if not met else ""}
""",
    )
    assert full_max <= RATE and resync_max <= RATE, (full_max, resync_max)
    assert resync_share >= 0.9, resync_share
    assert full_seconds <= 1.25 * bound, (full_seconds, bound)
    assert search_p95 < 20, (search_p95, sorted(timings)[-10:])
