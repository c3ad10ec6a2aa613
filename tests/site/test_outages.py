"""Defect 5: outages fail fast and honestly. Only PRIVATE services are stalled or stopped here:
our own redis-server, and a TCP proxy of our own in front of the test PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import pytest

from patt_host.testing.outages import PausableProxy, PrivateRedis
from patt_host.testing.waiting import eventually


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.close()


@pytest.fixture
async def pg_proxy(clean_database):
    proxy = await PausableProxy.for_database(clean_database.url).open()
    yield proxy
    proxy.resume()
    await proxy.close()


FAST_DB = {"database_connect_timeout": 1.0, "database_pool_timeout": 1.0, "database_command_timeout": 1.0}


async def test_a_stalled_redis_does_not_hang_login(make_client, guild, private_redis):
    member = await guild.member()
    client = await make_client(redis_url=private_redis.url)
    body = {"username": member.username, "password": member.password}
    started = time.monotonic()
    assert (await client.post("/api/v1/auth/login", json=body)).status_code == 200
    baseline = time.monotonic() - started  # bcrypt's share, on this (busy) machine
    private_redis.pause()  # SIGSTOP: connected sockets, no answers
    try:
        started = time.monotonic()
        response = await client.post("/api/v1/auth/login", json=body)
        first = time.monotonic() - started
        started = time.monotonic()
        again = await client.post("/api/v1/auth/login", json=body)
        second = time.monotonic() - started
    finally:
        private_redis.resume()
    assert response.status_code == 200 and again.status_code == 200
    # One socket timeout (0.5 s), then the in-process fallback; the next login waits for nothing.
    assert first < baseline + 1.0, (first, baseline)
    assert second < baseline + 0.3, (second, baseline)


async def test_a_stalled_postgres_answers_503_in_seconds_and_recovers(make_client, guild, log_in, pg_proxy):
    member = await guild.member()
    client = await make_client(database_url=pg_proxy.url, **FAST_DB)
    await log_in(client, member)
    pg_proxy.pause()
    started = time.monotonic()
    response = await client.get("/api/v1/auth/me")
    elapsed = time.monotonic() - started
    pg_proxy.resume()
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "service_unavailable"
    assert int(response.headers["retry-after"]) >= 1
    assert elapsed < 6, elapsed
    recovered = await eventually(lambda: _ok(client, "/api/v1/auth/me"), timeout=15)
    assert recovered.json()["data"]["username"] == member.username


async def test_a_stalled_postgres_holds_a_web_request_seconds_not_the_background_limit(
    make_client, guild, log_in, pg_proxy
):
    """Web requests use their own short limits (DATABASE_REQUEST_*); the background limit
    (DATABASE_COMMAND_TIMEOUT, 30 s for jobs and CLI commands) no longer holds a visitor."""
    member = await guild.member()
    client = await make_client(
        database_url=pg_proxy.url, database_request_command_timeout=1.0, database_request_pool_timeout=1.0
    )
    await log_in(client, member)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    pg_proxy.pause()
    try:
        for path, accept in (("/api/v1/auth/me", "application/json"), ("/", "text/html")):
            started = time.monotonic()
            response = await client.get(path, headers={"Accept": accept})
            elapsed = time.monotonic() - started
            assert response.status_code == 503, (path, response.status_code)
            # A few 1 s statement limits (a page asks several plugins), far from the 30 s
            # background limit that held a visitor before; generous for a loaded machine.
            assert elapsed < 15, (path, elapsed)
    finally:
        pg_proxy.resume()
    await eventually(lambda: _ok(client, "/api/v1/auth/me"), timeout=15)


async def test_a_background_job_that_cannot_reach_the_database_is_logged_not_left_unretrieved(
    make_host, pg_proxy, caplog
):
    """The in-process scheduler's task fails before the run is even recorded: logged, retrieved."""
    import asyncio
    import gc

    from patt_host.jobs.scheduler import InProcessScheduler

    host = make_host(plugins=["sample"], database_url=pg_proxy.url, **FAST_DB)
    await host.open()
    loop = asyncio.get_running_loop()
    unhandled: list[dict] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))
    try:
        await pg_proxy.close()  # refused: recording the run's start fails
        task = InProcessScheduler(host).submit("sample.count_items", trigger="manual")
        await asyncio.wait([task], timeout=15)
        assert task.done() and not task.cancelled()
        del task  # nobody looks at its exception: only the runner's own callback does
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(previous)
        await pg_proxy.open()
        await host.close()
    assert not unhandled, unhandled
    assert any("patt-job-sample.count_items" in r.getMessage() for r in caplog.records)


async def _ok(client, path):
    response = await client.get(path)
    return response if response.status_code == 200 else None


async def test_with_postgres_down_pages_and_apis_answer_503_and_health_hides_the_error(
    make_client, guild, log_in, pg_proxy
):
    member = await guild.member()
    client = await make_client(database_url=pg_proxy.url, **FAST_DB)
    await log_in(client, member)
    await pg_proxy.close()  # refused: the database looks down

    api = await client.get("/api/v1/auth/me")
    assert api.status_code == 503 and api.json()["error"]["code"] == "service_unavailable"
    assert "Retry-After" in api.headers
    page = await client.get("/roster", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "Temporarily unavailable" in page.text
    assert "Traceback" not in page.text and str(pg_proxy.port) not in page.text

    health = await eventually(lambda: _status(client, "/api/health", 503), timeout=10)
    checks = health.json()["error"]["details"]["checks"]
    assert checks["database"] == {"status": "down", "detail": "unavailable"}
    assert str(pg_proxy.port) not in health.text and "Error" not in health.text

    await pg_proxy.open()
    await eventually(lambda: _status(client, "/api/health", 200), timeout=15)
    assert (await client.get("/api/v1/auth/me")).status_code == 200


async def _status(client, path, status):
    response = await client.get(path)
    return response if response.status_code == status else None


async def test_officers_see_the_failure_detail_the_public_does_not(make_client, guild, log_in, private_redis):
    officer = await guild.member("Officer")
    client = await make_client(redis_url=private_redis.url)
    private_redis.stop()
    anonymous = await eventually(lambda: _status(client, "/api/health", 503), timeout=10)
    assert anonymous.json()["error"]["details"]["checks"]["redis"]["detail"] == "unavailable"
    await log_in(client, officer)
    seen = await client.get("/api/health")
    assert seen.status_code == 503
    assert "Error" in seen.json()["error"]["details"]["checks"]["redis"]["detail"]


async def test_run_now_on_a_stalled_or_stopped_redis_answers_503_within_the_redis_timeout(
    make_client, guild, log_in, private_redis
):
    """Queuing a job goes through the host's Redis client (0.5 s socket timeout, no retries):
    "Run now" says the job queue is unreachable instead of hanging on a stalled Redis."""
    officer = await guild.member("Officer")
    client = await make_client(redis_url=private_redis.url)
    await log_in(client, officer)
    run_now = "/api/v1/jobs/identity.run_matching/run"
    assert (await client.post(run_now)).status_code == 202  # queued while Redis answers

    for stalled in (True, False):  # SIGSTOP: connected, nothing answers; then stopped: refused
        if stalled:
            private_redis.pause()
        else:
            private_redis.stop()
        started = time.monotonic()
        response = await asyncio.wait_for(client.post(run_now), 10)  # a hang fails, not blocks
        elapsed = time.monotonic() - started
        if stalled:
            private_redis.resume()
        assert response.status_code == 503 and "Retry-After" in response.headers, response.text
        assert "job queue" in response.json()["error"]["message"], response.text
        assert elapsed < 2.0, elapsed  # one 0.5 s socket timeout, not arq's 5 s of retries or for ever
    private_redis.start()
    assert (await client.post(run_now)).status_code == 202  # no restart needed
