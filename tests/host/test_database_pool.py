"""The database pool follows DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW: a burst larger than the
pool queues for pooled connections instead of opening more than the operator allowed."""

from __future__ import annotations

import asyncio

from sqlalchemy import text


async def test_a_burst_larger_than_the_pool_queues_within_the_configured_connections(make_client):
    client = await make_client(database_pool_size=2, database_max_overflow=1)
    pool = client.host.db.engine.pool
    assert (pool.size(), pool._max_overflow) == (2, 1)

    peak = 0

    async def hold() -> None:
        nonlocal peak
        async with client.host.db.read() as conn:
            peak = max(peak, pool.checkedout())
            await conn.execute(text("SELECT pg_sleep(0.05)"))

    await asyncio.gather(*(hold() for _ in range(10)))
    assert peak == 3  # pool + overflow, never more; the other seven waited their turn
    assert pool.checkedin() == 2  # the overflow connection was closed when it came back


async def test_the_default_pool_covers_twenty_concurrent_requests(make_client):
    client = await make_client()
    pool = client.host.db.engine.pool
    assert pool.size() == 20 and pool._max_overflow == 10
