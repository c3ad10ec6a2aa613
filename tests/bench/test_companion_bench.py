"""Companion benchmark: parse + upload of a 1,000-member PATTSync export against `patt serve`.

Target (issue #10): < 1 s on this machine, from reading the game's SavedVariables file to the
server's answer (sandboxed Lua parse, body, SQLite queue, HTTP upload, server applying 1,000 note
changes in PostgreSQL). Results go to docs/performance.md ("Companion upload").
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pytest
from perf_report import record
from serve import serve_env, start_server, stop_server
from sqlalchemy import insert

from patt_companion.client import SiteClient
from patt_companion.luaparse import read_saved_variables
from patt_companion.queue import UploadQueue
from patt_companion.sync import Companion
from patt_guild_sync.services.apikeys import create_api_key
from patt_host.testing.live import free_port
from sv_common.identity.models import WowCharacter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "addon"))
from wow_sim import WowClient, expected_name, make_roster  # noqa: E402

pytestmark = pytest.mark.bench

MEMBERS = 1000
ROUNDS = 5
REALM = "Senjin"


def export_file(folder: Path, round_no: int, now: int) -> Path:
    """A game-written file whose notes all differ from the previous round's (1,000 updates each)."""
    client = WowClient(roster=make_roster(MEMBERS, realms=[REALM], tag=f" r{round_no}"), now=now + round_no)
    client.advance(1)
    path = folder / f"round{round_no}" / "PATTSync.lua"
    client.logout(path)
    return path


async def test_parse_and_upload_of_a_1000_member_export(db, tmp_path):
    roster = make_roster(MEMBERS, realms=[REALM])
    async with db.session() as s:
        await s.execute(
            insert(WowCharacter),
            [
                {"character_name": expected_name(m)[0], "realm_slug": "senjin", "realm_name": REALM}
                for m in roster
            ],
        )
        key = (await create_api_key(s, name="bench")).key
        await s.commit()
    now = int(time.time())
    files = [export_file(tmp_path, r, now) for r in range(ROUNDS + 1)]
    size_kib = files[0].stat().st_size / 1024

    port = free_port()
    env = serve_env(db.url)
    proc, _ = start_server(env, port)
    url = f"http://127.0.0.1:{port}"
    queue = UploadQueue(tmp_path / "queue.sqlite3")
    companion = Companion(queue, lambda: SiteClient(url, key))
    timings, parse_times, upload_times = [], [], []
    try:
        for index, path in enumerate(files):
            started = time.perf_counter()
            read_saved_variables(path)
            parse_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            ingested = companion.ingest(path)
            sending = time.perf_counter()
            [(upload, outcome)] = companion.deliver()
            elapsed = time.perf_counter() - started
            assert ingested.queued is not None and outcome.ok, outcome.message
            assert outcome.result["data"]["updated"] == MEMBERS
            if index:  # the first round warms up the server
                timings.append(elapsed)
                upload_times.append(time.perf_counter() - sending)
    finally:
        queue.close()
        stop_server(proc)

    median = statistics.median(timings)
    record(
        "Companion upload",
        f"""
A {MEMBERS:,}-member PATTSync export written the way the game writes it ({size_kib:.0f} KiB), read by
the companion and uploaded to `patt serve` (one uvicorn worker, PostgreSQL on 127.0.0.1) with every
note changed, so the server updates all {MEMBERS:,} characters. {ROUNDS} timed rounds after one warm-up.

| measure | target | measured |
|---|---|---|
| parse + queue + upload + server answer, median / worst | < 1 s | {median * 1000:.0f} ms / {max(timings) * 1000:.0f} ms |
| sandboxed Lua parse of the file alone, median | – | {statistics.median(parse_times) * 1000:.0f} ms |
| HTTP upload until the server's answer, median | – | {statistics.median(upload_times) * 1000:.0f} ms |
""",
    )
    assert median < 1.0, timings
