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


async def test_a_web_request_gets_the_short_statement_timeout_background_work_the_long_one(db):
    """Inside ``request_scope`` a slow statement fails at the request limit; a job's does not."""
    import pytest

    from sv_common.db import request_scope

    database = Database(db.url, pool_size=2, command_timeout=30, request_command_timeout=0.5)
    try:
        with request_scope():
            with pytest.raises(TimeoutError):
                async with database.session() as s:
                    await s.execute(text("SELECT pg_sleep(1.5)"))
        async with database.session() as s:  # background (a job, the bot, a CLI command)
            assert (await s.execute(text("SELECT pg_sleep(1.5), 1"))).one()[1] == 1
        assert database.engine is database.background_engine
    finally:
        await database.dispose()
