"""The connection pool without pre-ping: a connection the server closed is replaced, not used."""

from __future__ import annotations

from sqlalchemy import text

from patt_host.testing import eventually
from sv_common.db import Database


async def test_a_terminated_backend_is_replaced_at_checkout(db):
    pooled = Database(db.url, pool_size=1)
    try:
        async with pooled.session() as s:
            first_pid = await s.scalar(text("SELECT pg_backend_pid()"))
            raw = (await (await s.connection()).get_raw_connection()).driver_connection
        async with db.session() as s:  # another connection ends the pooled one, as a server restart would
            assert await s.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
        await eventually(raw.is_closed)

        async with pooled.session() as s:
            second_pid = await s.scalar(text("SELECT pg_backend_pid()"))
        async with pooled.read() as conn:
            assert await conn.scalar(text("SELECT pg_backend_pid()")) == second_pid
    finally:
        await pooled.dispose()
    assert second_pid != first_pid
