"""Async engine and sessions: the platform's one way to reach PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
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


class DatabaseUrlError(ValueError):
    """The URL is not a PostgreSQL URL (the command line names the setting it came from)."""


def async_url(url: str) -> str:
    """Normalise any PostgreSQL URL to the asyncpg dialect (we never use another)."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise DatabaseUrlError(
            "not a database URL; expected postgresql://user:password@host:port/database"
        ) from None
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseUrlError(f"PostgreSQL only: {parsed.get_backend_name()!r} URLs are not supported")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


# A stalled or unreachable PostgreSQL must fail a request in seconds, not hang it: the
# connect attempt, the wait for a pooled connection and every statement are bounded.
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 10.0
COMMAND_TIMEOUT = 30.0
POOL_RECYCLE_SECONDS = 1800

# True while serving a web request (set by the web host's middleware): the database then uses
# the request timeouts. Background work started from a request copies the context, so a job
# runner marks its work as outside any request again (``request_scope(False)``).
_IN_REQUEST: ContextVar[bool] = ContextVar("sv_common_db_in_request", default=False)


@contextmanager
def request_scope(active: bool = True) -> Iterator[None]:
    """Mark the code inside as serving a web request (``active``) or as background work."""
    token = _IN_REQUEST.set(active)
    try:
        yield
    finally:
        _IN_REQUEST.reset(token)


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

    ``request_pool_timeout`` / ``request_command_timeout`` (when given) apply instead inside a
    web request (``request_scope``): a visitor gets a 503 in seconds from a stalled database
    while jobs and CLI commands keep their longer limits. Requests then use an engine of their
    own (same pool size, connections opened on demand, so a process that serves no request
    never opens any there).
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
        request_pool_timeout: float | None = None,
        request_command_timeout: float | None = None,
    ):
        self.url = async_url(url)
        self._engine_args = {"pool_size": pool_size, "max_overflow": max_overflow, "echo": echo}
        self._connect_timeout = connect_timeout
        self.background_engine = self._create_engine(pool_timeout, command_timeout)
        self._background_sessions = async_sessionmaker(self.background_engine, expire_on_commit=False)
        self._request_timeouts: tuple[float, float] | None = None
        if request_pool_timeout is not None or request_command_timeout is not None:
            # A request never waits longer than background work would.
            self._request_timeouts = (
                min(request_pool_timeout or pool_timeout, pool_timeout),
                min(request_command_timeout or command_timeout, command_timeout),
            )
        self._request_engine: AsyncEngine | None = None
        self._request_sessions: async_sessionmaker[AsyncSession] | None = None

    def _create_engine(self, pool_timeout: float, command_timeout: float) -> AsyncEngine:
        # No pre-ping (a SELECT 1 round trip on every checkout): a connection the server has
        # closed is seen by asyncpg's reader at once, so the checkout hook below swaps it for a
        # fresh one without a round trip; pool_recycle retires connections before any idle
        # timeout on the way could cut them silently.
        engine = create_async_engine(
            self.url,
            **self._engine_args,
            pool_timeout=pool_timeout,
            pool_recycle=POOL_RECYCLE_SECONDS,
            connect_args={"timeout": self._connect_timeout, "command_timeout": command_timeout},
        )
        event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
        return engine

    def _in_request(self) -> bool:
        return self._request_timeouts is not None and _IN_REQUEST.get()

    @property
    def engine(self) -> AsyncEngine:
        """The engine for the current context: the request engine inside a web request."""
        if not self._in_request():
            return self.background_engine
        if self._request_engine is None:
            self._request_engine = self._create_engine(*self._request_timeouts)
            self._request_sessions = async_sessionmaker(self._request_engine, expire_on_commit=False)
        return self._request_engine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        engine = self.engine
        return self._request_sessions if engine is self._request_engine else self._background_sessions

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
        await self.background_engine.dispose()
        if self._request_engine is not None:
            await self._request_engine.dispose()
