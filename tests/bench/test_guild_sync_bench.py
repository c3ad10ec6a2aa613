"""Guild-sync benchmark: a generated 1,000-character guild against the fake Battle.net enforcing
100 requests/s (loopback, real httpx client, real PostgreSQL).

Targets (issue #9): a full sync within 1.25 × the rate-limit bound (requests ÷ the pacer's rate: 90/s
since the pacer keeps a 10 % margin under Blizzard's 100, issue #19), never
more than 100 requests in any second at the server, the unchanged re-sync time, and an addon
upload of 1,000 members in < 1 s. Results go to docs/performance.md ("Guild sync").
"""

from __future__ import annotations

import os
import time

import psutil
import pytest
from fake_blizzard import fake_battlenet_process, fake_stats, reset_stats
from perf_report import record
from sqlalchemy import select

from patt_guild_sync.models import SyncLog
from patt_guild_sync.services.apikeys import create_api_key
from patt_host.jobs import run_job

pytestmark = pytest.mark.bench

CHARACTERS = 1000
RATE = 100
REALM, GUILD = "bench-realm", "bench-guild"


async def synced_members(host):
    from sv_common.identity.models import WowCharacter

    async with host.db.session() as s:
        rows = (
            await s.execute(
                select(WowCharacter.character_name, WowCharacter.realm_slug, WowCharacter.wow_rank_index)
            )
        ).all()
    return [type("Member", (), {"name": n, "realm_slug": r, "rank": k}) for n, r, k in rows]


async def timed_sync(host, **kwargs):
    started = time.monotonic()
    run = await run_job(host, "guild_sync.sync_roster", kwargs=kwargs)
    elapsed = time.monotonic() - started
    assert run.status == "succeeded", run.error
    async with host.db.session() as s:
        log = await s.scalar(select(SyncLog).order_by(SyncLog.id.desc()).limit(1))
    return elapsed, log


async def test_guild_sync_benchmark(make_client, monkeypatch):
    load_before = os.getloadavg()[0]
    with fake_battlenet_process(monkeypatch, REALM, GUILD, CHARACTERS) as base:
        client = await make_client(plugins=["identity", "guild_sync"])
        host = client.host

        cpu = time.process_time()
        full_seconds, full = await timed_sync(host)
        full_cpu = time.process_time() - cpu
        stats = fake_stats(base)
        full_max, full_429 = stats["max_in_any_second"], stats["rate_limited"]
        pace = host.plugin_settings("guild_sync").requests_per_second
        bound = full.requests / pace
        assert full.characters_new == CHARACTERS and full.errors == 0

        reset_stats(base)
        resync_seconds, resync = await timed_sync(host)
        resync_share = resync.not_modified / resync.requests
        resync_max = fake_stats(base)["max_in_any_second"]

        async with host.db.session() as s:
            key = (await create_api_key(s, name="bench")).key
        body = {
            "characters": [
                {
                    "name": m.name,
                    "realm": m.realm_slug,
                    "class": "Mage",
                    "level": 80,
                    "rank": m.rank,
                    "rank_name": "Member",
                    "guild_note": f"note {i}",
                    "officer_note": f"officer {i}",
                    "is_online": False,
                    "last_online": "3d 4h",
                    "zone": "Dornogal",
                }
                for i, m in enumerate(await synced_members(host))
            ],
            "addon_version": "1.0.0",
            "uploaded_by": "bench",
        }
        upload_times = []
        for _ in range(3):  # first run writes every note, the later ones find them unchanged
            started = time.monotonic()
            response = await client.post(
                "/api/guild-sync/addon-upload", headers={"X-API-Key": key}, json=body
            )
            upload_times.append(time.monotonic() - started)
            assert response.status_code == 200
        assert client.data(response)["unchanged"] == CHARACTERS
    load_after = os.getloadavg()[0]

    record(
        "Guild sync",
        f"""
A generated guild of {CHARACTERS:,} characters on two connected realms, served by the fake Battle.net
(`sv_common.testing.fake_battlenet`, loopback, aiohttp) that enforces {RATE} requests in any one-second
window, in its own process; the sync is the real job (`guild_sync.sync_roster`: httpx client, pacer,
PostgreSQL writes). Upload through the ASGI app (`X-API-Key`, full validation, one transaction).

| measure | target | measured |
|---|---|---|
| full sync ({full.requests:,} requests, bound {bound:.1f} s at the pacer's {pace}/s) | ≤ 1.25 × bound = {1.25 * bound:.1f} s | {full_seconds:.1f} s ({full_seconds / bound:.2f} × bound) |
| most requests in any one second at the server (full sync) | ≤ {RATE} | {full_max} ({full_429} answered 429) |
| unchanged re-sync ({resync.requests:,} requests) | – | {resync_seconds:.1f} s, {resync_share:.0%} answered 304 |
| addon upload of {CHARACTERS:,} members, first (writes every note) / repeat (unchanged) | < 1 s | {upload_times[0] * 1000:.0f} ms / {min(upload_times[1:]) * 1000:.0f} ms |
| sync process CPU for the full sync (client, pacing, database writes) | – | {full_cpu:.1f} s ({full_cpu / full.requests * 1000:.1f} ms per request) |

Machine load average during the run: {load_before:.1f} → {load_after:.1f} on {psutil.cpu_count()} cores.
A slot is held for the request's latency plus one second, so the peak rate is 100 / (1 s + latency): on a loaded machine the latency is mostly this process waiting for CPU, and the sync takes longer than the bound
— by design it never exceeds the limit instead.

How: profiles are fetched concurrently (25 in flight) through one budget of {pace} slots, each held from the
moment a request may go until a second after its response (so however late a busy process sends, no second at
the server can see more than {RATE}); an unchanged character costs a 304 thanks to the stored `Last-Modified`. httpcore looks for `sniffio` on every request; without it installed each lookup was a
failed import scanning `sys.path` (≈ 9 ms of CPU per request here), so sv_common depends on it. The writes happen in one
transaction after the fetches, with every character loaded once and the sync state upserted in one statement.
""",
    )
    assert full_max <= RATE and resync_max <= RATE, (full_max, resync_max)
    assert resync_share >= 0.9, resync_share
    assert upload_times[0] < 1.0, upload_times
    assert full_seconds <= 1.25 * bound, (full_seconds, bound)
