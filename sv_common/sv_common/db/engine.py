"""Async engine and sessions: the platform's one way to reach PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


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


class Database:
    """An engine plus a session factory. One per process (web, worker, bot, CLI).

    Timeouts (seconds): ``connect_timeout`` to open a connection, ``pool_timeout`` to get one
    from a busy pool, ``command_timeout`` for any one statement (client side, so it also
    fires when the server is stalled and cannot enforce its own ``statement_timeout``).
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        connect_timeout: float = CONNECT_TIMEOUT,
        pool_timeout: float = POOL_TIMEOUT,
        command_timeout: float = COMMAND_TIMEOUT,
    ):
        self.url = async_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_timeout=pool_timeout,
            echo=echo,
            connect_args={"timeout": connect_timeout, "command_timeout": command_timeout},
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self.sessionmaker() as session:
            async with session.begin():
                yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
