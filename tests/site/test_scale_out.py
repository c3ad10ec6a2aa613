"""The scale-out topology with real processes: two ``patt serve``, two ``patt worker``, one
PostgreSQL (the test database) and one Redis (a private redis-server we may stop).

Shows: login rate limits are shared by the web processes; a change made through one (a
player's name, the officers' role targets in the site settings) is on the other's roster
within the recheck interval; a job triggered on one runs once, on a worker; the cron schedule
fires once per tick (the web processes leave it to the workers); a stalled Redis makes "Run
now" answer 503 at once instead of hanging; stopping Redis degrades and recovers without
restarting anything; a logout through one process ends the session on the other.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from patt_host.jobs.models import JobRun
from patt_host.site import load_site
from patt_host.testing.live import free_port
from patt_host.testing.outages import PrivateRedis
from patt_host.testing.pytest_plugin import TEST_SECRET
from patt_host.testing.waiting import eventually

PATT = str(Path(sys.executable).parent / "patt")
RECHECK_SECONDS = 1.0  # PATT_IDENTITY_ROSTER_RECHECK_SECONDS (the documented default)
CRON_JOB = "discord.deliver_notifications"  # "* * * * *"


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        self.handle = log.open("wb")
        self.popen = subprocess.Popen([PATT, *args], env=env, stdout=self.handle, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self.handle.close()


@pytest.fixture
def topology(clean_database, tmp_path):
    redis = PrivateRedis().start()
    env = {
        **os.environ,
        "DATABASE_URL": clean_database.url,
        "REDIS_URL": redis.url,
        "JWT_SECRET_KEY": TEST_SECRET,
        "PATT_SITE": "patt",
        "PATT_DATA_DIR": str(tmp_path / "var"),
        # A token makes the Discord schedules exist (the every-minute delivery finds nothing due
        # and never contacts Discord); PATT_RUN_BOT=false keeps the web processes bot-free.
        "DISCORD_BOT_TOKEN": "scale-out-test-token",
        "PATT_RUN_BOT": "false",
        "PATT_IDENTITY_LOGIN_IP_LIMIT": "6",
    }
    env.pop("BASE_URL", None)
    ports = [free_port(), free_port()]
    processes = [
        Process(["serve", "--port", str(port)], env, tmp_path / f"web{i}.log") for i, port in enumerate(ports)
    ]
    # Two workers: a queued job and a cron tick still run once.
    processes += [Process(["worker"], env, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        yield [f"http://127.0.0.1:{port}" for port in ports], redis, processes
    finally:
        for process in processes:
            process.stop()
        redis.close()


async def _healthy(http: httpx.AsyncClient, base: str):
    try:
        response = await http.get(f"{base}/api/health")
    except httpx.TransportError:
        return None
    return response if response.status_code == 200 else None


async def _login(http: httpx.AsyncClient, base: str, username: str, password: str) -> httpx.Response:
    """An API login; this client then uses the bearer token only (no cookies, so no CSRF)."""
    response = await http.post(f"{base}/api/v1/auth/login", json={"username": username, "password": password})
    http.cookies.clear()
    return response


async def test_two_web_processes_and_a_worker_share_one_database_and_redis(topology, guild, db):
    (web_a, web_b), redis, processes = topology
    officer = await guild.member("Officer", name="Scale Officer")
    raider = await guild.player("Scale Raider", rank="Member")
    character = await guild.character("Scaleraider", class_name="Mage", spec="Frost", player_id=raider)
    await guild.set_main(raider, character)

    async with httpx.AsyncClient(timeout=10) as http:
        for base in (web_a, web_b):
            await eventually(lambda base=base: _healthy(http, base), timeout=40)
        assert all(p.popen.poll() is None for p in processes), "a process exited at startup"

        # 1. A change through A is on B's roster within the recheck interval.
        token = (await _login(http, web_a, officer.username, officer.password)).json()["data"]["token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert "Scale Raider" in (await http.get(f"{web_b}/api/v1/guild/roster")).text  # B's cache is warm
        renamed = await http.patch(
            f"{web_a}/api/v1/admin/players/{raider}", json={"display_name": "Scale Renamed"}, headers=auth
        )
        assert renamed.status_code == 200, renamed.text
        changed_at = time.monotonic()
        # The first request *sent* after the recheck interval must see the change (what the
        # request then takes on this busy machine is not the cache's doing).
        seen_by = await eventually(
            lambda: _sent_at_if(http, f"{web_b}/api/v1/guild/roster", "Scale Renamed"),
            timeout=RECHECK_SECONDS + 10,
        )
        assert seen_by - changed_at <= RECHECK_SECONDS + 0.3, seen_by - changed_at

        # 1b. So are settings saved through A: B's roster page shows the new tank target (its
        # cached page part holds the targets; the save's event reaches A only).
        assert "needed to reach 2" in (await http.get(f"{web_b}/roster")).text  # the default, cached
        form = {s.key: str(s.default) for s in load_site("patt").settings} | {"target_tank": "5"}
        saved = await http.post(f"{web_a}/admin/settings", data=form, headers=auth)
        assert saved.status_code == 303, saved.text
        changed_at = time.monotonic()
        seen_by = await eventually(
            lambda: _sent_at_if(http, f"{web_b}/roster", "needed to reach 5"), timeout=RECHECK_SECONDS + 10
        )
        assert seen_by - changed_at <= RECHECK_SECONDS + 0.3, seen_by - changed_at

        # 2. A job triggered on B runs on the worker (trigger "queue" is the worker's).
        queued = await http.post(f"{web_b}/api/v1/jobs/identity.run_matching/run", headers=auth)
        assert queued.status_code == 202 and queued.json()["data"]["runner"] == "arq", queued.text
        await eventually(lambda: _run_seen(http, web_a, auth, "identity.run_matching", "queue"), timeout=20)

        # 3. Login limits (6 per IP here) are shared: attempts on A count on B.
        for attempt in range(5):  # the officer's login above was the first
            assert (await _login(http, web_a, f"nobody{attempt}", "wrong password")).status_code == 401
        limited = await _login(http, web_b, officer.username, officer.password)
        assert limited.status_code == 429

        # 4. Redis stalls: "Run now" answers 503 naming the job queue within the socket timeout
        # (0.5 s), never hangs. Then it stops: logins still work (in-process limits), health says
        # so; Redis returns: all recovers.
        redis.pause()
        try:
            started = time.monotonic()
            stalled = await http.post(f"{web_a}/api/v1/jobs/identity.run_matching/run", headers=auth)
            waited = time.monotonic() - started
        finally:
            redis.resume()
        assert stalled.status_code == 503 and "job queue" in stalled.json()["error"]["message"], stalled.text
        assert waited < 2.0, waited
        redis.stop()
        await eventually(lambda: _health_status(http, web_a, 503), timeout=10)
        fallback = await _login(http, web_b, officer.username, officer.password)
        assert fallback.status_code in (200, 429), fallback.text  # served, not a 500
        redis.start()
        for base in (web_a, web_b):
            await eventually(lambda base=base: _healthy(http, base), timeout=20)
        queued = await http.post(f"{web_a}/api/v1/jobs/identity.run_matching/run", headers=auth)
        assert queued.status_code == 202, queued.text
        await eventually(lambda: _runs(db, "identity.run_matching", "queue", at_least=2), timeout=30)

        # 5. The every-minute schedule fires exactly once per tick, on the worker only.
        await eventually(lambda: _runs(db, CRON_JOB, "cron", at_least=1), timeout=75)
        async with db.session() as session:
            minute = func.date_trunc("minute", JobRun.started_at)
            per_tick = (
                await session.execute(
                    select(minute, func.count()).where(JobRun.job_name == CRON_JOB).group_by(minute)
                )
            ).all()
        assert per_tick and all(count == 1 for _tick, count in per_tick), per_tick
        assert await _runs(db, "identity.run_matching", "queue", exactly=2)  # each "Run now" once

        # 6. A session is one for every process: logged out through B, A refuses the token too.
        assert (await http.post(f"{web_b}/api/v1/auth/logout", headers=auth)).status_code == 200
        assert (await http.get(f"{web_a}/api/v1/auth/me", headers=auth)).status_code == 401
        assert all(p.popen.poll() is None for p in processes), "no process needed a restart"


async def _sent_at_if(http, url, text):
    sent_at = time.monotonic()
    return sent_at if text in (await http.get(url)).text else None


async def _health_status(http, base, status):
    return (await http.get(f"{base}/api/health")).status_code == status


async def _run_seen(http, base, auth, job, trigger):
    runs = (await http.get(f"{base}/api/v1/jobs/runs", params={"job": job}, headers=auth)).json()["data"]
    return any(r["trigger"] == trigger and r["status"] not in ("running",) for r in runs)


async def _runs(db, job, trigger, *, at_least=None, exactly=None):
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(JobRun).where(JobRun.job_name == job, JobRun.trigger == trigger)
        )
    return count == exactly if exactly is not None else count >= at_least
