"""Which unexpected exceptions are really an outage, bad input or a lost race.

The error handler asks ``classify(exc)``: "unavailable" (PostgreSQL or Redis unreachable,
stalled past a timeout, shutting down: 503 with ``Retry-After``), "invalid" (a value the
database refuses, e.g. out of range: 422), "conflict" (a unique or foreign key violation
from a concurrent change: 409), or None (a bug: 500 with an error id).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator

import asyncpg
from sqlalchemy import exc as sa_exc

RETRY_AFTER_SECONDS = 15

_UNAVAILABLE = (
    OSError,  # ConnectionRefusedError, ConnectionResetError, ...
    asyncio.TimeoutError,
    sa_exc.TimeoutError,  # pool exhausted past pool_timeout
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.QueryCanceledError,  # statement_timeout
    asyncpg.AdminShutdownError,
    asyncpg.TooManyConnectionsError,
)
_INVALID = (sa_exc.DataError, asyncpg.DataError)
_CONFLICT = (sa_exc.IntegrityError, asyncpg.IntegrityConstraintViolationError)

#: The exception types ``classify`` may recognise at the top of the chain: the error handlers
#: register each one by type, so a designed 503/422/409 is answered by Starlette's
#: ExceptionMiddleware. Left to the catch-all ``Exception`` handler, the answer went through
#: ServerErrorMiddleware, which re-raises after responding: a traceback in the log and the
#: connection closed (a 502 behind nginx keep-alive on a POST).
HANDLED_TYPES: tuple[type[BaseException], ...] = (*_UNAVAILABLE, *_INVALID, *_CONFLICT, sa_exc.DBAPIError)


def redis_unavailable() -> tuple[type[BaseException], ...]:
    """Redis' connection and timeout errors, once the redis package is loaded. A site without
    ``REDIS_URL`` never loads it (the start-up budget), and then no redis error can occur."""
    module = sys.modules.get("redis.exceptions")
    return () if module is None else (module.ConnectionError, module.TimeoutError)


def handled_types(*, redis: bool) -> tuple[type[BaseException], ...]:
    """:data:`HANDLED_TYPES`, plus Redis' errors when the site uses Redis (``redis``)."""
    if not redis:
        return HANDLED_TYPES
    import redis.exceptions  # noqa: F401 - loads the module redis_unavailable() reads

    return (*HANDLED_TYPES, *redis_unavailable())


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, then what caused it (SQLAlchemy's ``orig``, ``__cause__``, ``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)


def classify(exc: BaseException) -> str | None:
    for item in exception_chain(exc):
        if isinstance(item, _INVALID):
            return "invalid"
        if isinstance(item, _CONFLICT):
            return "conflict"
        if isinstance(item, sa_exc.DBAPIError) and item.connection_invalidated:
            return "unavailable"
        if isinstance(item, _UNAVAILABLE) or isinstance(item, redis_unavailable()):
            return "unavailable"
    return None


def redis_is_down(exc: BaseException) -> bool:
    """An "unavailable" failure that Redis caused (only queuing a job needs it: rate limits
    fall back to counting in-process), so the answer names the job queue, not the database."""
    redis_errors = redis_unavailable()
    return bool(redis_errors) and any(isinstance(item, redis_errors) for item in exception_chain(exc))


def describe(exc: BaseException) -> str:
    """One line for the log (never for a public response)."""
    return f"{type(exc).__name__}: {exc}"[:300]
