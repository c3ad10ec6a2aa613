"""Async engine and sessions: the platform's one way to reach PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def async_url(url: str) -> str:
    """Normalise any PostgreSQL URL to the asyncpg dialect (we never use another)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"PostgreSQL only: {parsed.get_backend_name()!r} URLs are not supported")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


# A stalled or unreachable PostgreSQL must fail a request in seconds, not hang it: the
# connect attempt, the wait for a pooled connection and every statement are bounded.
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 10.0
COMMAND_TIMEOUT = 30.0
POOL_RECYCLE_SECONDS = 1800


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Pool checkout hook: a connection closed underneath us (server restart, terminated
    backend) raises DisconnectionError, which makes the pool retry with a new connection."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("connection closed by the server")


class Database:
    """An engine plus a session factory. One per process (web, worker, bot, CLI).

    ``pool_size`` connections stay open; ``max_overflow`` more may be opened in a burst and are
    closed when returned. A request that finds the pool busy pays for a new connection (TCP,
    authentication, then asyncpg's statement preparation and type lookups all over again), so
    the pool should cover the usual concurrency. Timeouts (seconds): ``connect_timeout`` to open a connection, ``pool_timeout`` to get one
    from a busy pool, ``command_timeout`` for any one statement (client side, so it also
    fires when the server is stalled and cannot enforce its own ``statement_timeout``).
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        max_overflow: int = 10,
        echo: bool = False,
        connect_timeout: float = CONNECT_TIMEOUT,
        pool_timeout: float = POOL_TIMEOUT,
        command_timeout: float = COMMAND_TIMEOUT,
    ):
        self.url = async_url(url)
        # No pre-ping (a SELECT 1 round trip on every checkout): a connection the server has
        # closed is seen by asyncpg's reader at once, so the checkout hook below swaps it for a
        # fresh one without a round trip; pool_recycle retires connections before any idle
        # timeout on the way could cut them silently.
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_recycle=POOL_RECYCLE_SECONDS,
            echo=echo,
            connect_args={"timeout": connect_timeout, "command_timeout": command_timeout},
        )
        event.listen(self.engine.sync_engine, "checkout", _refuse_closed_connection)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self.sessionmaker() as session:
            async with session.begin():
                yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit mode for a single read-only statement: no BEGIN/COMMIT
        round trips. Use ``session()`` for anything that writes or needs a consistent view
        across several statements."""
        async with self.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
