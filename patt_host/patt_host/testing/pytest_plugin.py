"""The PATT pytest plugin: migrated PostgreSQL per session, clean state per test, app clients.

Fixtures (all real components, no mocks):

- ``patt_database`` (session): a scratch database migrated **from the migrations** of
  every installed plugin plus ``patt_test_plugins``.
- ``db``: a :class:`sv_common.db.Database` on it; the data is reset after the test.
- ``make_host(site=..., plugins=[...], **settings)``: a Host for a chosen plugin set.
- ``make_client(host=None, **make_host_kwargs)``: an app (lifespan run) and a PattClient.
- ``client``: an anonymous client of the site ``patt_client_kwargs`` describes (default: PATT).
- ``redis_url`` / ``redis``: a real Redis (flushed per test).
- ``job_context``: a JobContext on an opened host, for calling job functions directly.
- ``fake_discord`` / ``discord_bot`` / ``start_discord_bot``: the fake Discord and a real
  PattBot connected to it (see :mod:`patt_host.testing.discord`).

Override ``patt_test_plugins`` in a conftest to add test-only plugins to the schema.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from patt_host.testing.client import TEST_SECRET, PattClient
from patt_host.testing.discord import (  # noqa: F401 - fixtures
    discord_bot,
    fake_discord,
    slash_command,
    start_discord_bot,
    synced_channels,
)
from patt_host.testing.members import (  # noqa: F401 - fixtures
    guild_member,
    member_client,
    officer_client,
    patt_client_kwargs,
)
from patt_host.testing.reset import DatabaseReset
from patt_host.testing.services import PostgresService, RedisService, ServiceUnavailableError, required


@dataclass
class TestDatabase:
    url: str
    engine: AsyncEngine
    reset: DatabaseReset
    dirty: bool = False


# pytest-asyncio settings every PATT test needs: plain ``async def`` tests, and one event loop
# for the whole session (the migrated database's engine and the fixtures live in it).
ASYNCIO_DEFAULTS = {
    "asyncio_mode": "auto",
    "asyncio_default_fixture_loop_scope": "session",
    "asyncio_default_test_loop_scope": "session",
}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Configure pytest-asyncio for a plugin's own repository, so it needs no ini section.

    Runs before pytest-asyncio reads its settings; a value the project sets itself (ini
    file or ``-o``) is kept. pytest offers no public way to give another plugin's ini option
    a new default, hence the two private attributes, probed defensively.
    """
    _lower_bcrypt_cost()
    configured = getattr(config, "_inicfg", None)
    cache = getattr(config, "_inicache", None)
    if configured is None or cache is None:  # pragma: no cover - a pytest without them
        if config.getoption("asyncio_mode", None) is None:
            config.option.asyncio_mode = "auto"
        return
    for name, value in ASYNCIO_DEFAULTS.items():
        if name not in configured:
            cache[name] = value


def _lower_bcrypt_cost() -> None:
    """Passwords hashed in tests use bcrypt's minimum cost (``PATT_TEST_BCRYPT_ROUNDS``, default
    4): about a millisecond per hash or login instead of a quarter of a second. Servers started as
    subprocesses keep the real cost, and the real cost is tested on its own."""
    from sv_common.auth.passwords import set_test_rounds

    set_test_rounds(int(os.environ.get("PATT_TEST_BCRYPT_ROUNDS", "4")))


def pytest_sessionstart(session: pytest.Session) -> None:
    if not required():
        return

    async def probe() -> None:
        pg = PostgresService()
        await pg._admin("SELECT 1")
        await RedisService().check()

    try:
        asyncio.run(probe())
    except ServiceUnavailableError as exc:
        pytest.exit(f"required test service missing: {exc}", returncode=3)


@pytest.fixture(scope="session")
def patt_test_plugins() -> list[Any]:
    """Test-only plugin classes included in the schema and available to ``make_host``."""
    return []


def site_defaults() -> dict[str, Any]:
    """The defaults of the host settings named ``PATT_*`` (``PATT_EXTRA_PLUGINS``,
    ``PATT_DISABLED_PLUGINS``, ``PATT_SAFE_MODE`` ...), passed explicitly so the developer's
    shell cannot change what a test's host enables or how it behaves. A test that wants one
    passes it (``make_host(patt_extra_plugins="mito")``). Other variables keep working as
    before: ``TEST_DATABASE_URL``/``TEST_REDIS_URL`` choose the servers, and plugin settings
    (``PATT_<PLUGIN>_...``, their own models) are read from the environment as in production."""
    from patt_host.config import HostSettings

    return {
        name: field.get_default(call_default_factory=True)
        for name, field in HostSettings.model_fields.items()
        if name.startswith("patt_") and name != "patt_data_dir"  # make_host gives each test its own
    }


def superset_host(url: str, extra_plugins: list[Any]):
    """A host enabling every installed plugin plus the test plugins (for migrating)."""
    from patt_host.config import HostSettings
    from patt_host.host import Host
    from patt_host.plugins import plugin_entry_points
    from patt_host.site import Site

    names = sorted(set(plugin_entry_points()) | {p.name for p in extra_plugins})
    site = Site(name="test-all", title="All plugins", plugins=names)
    settings = HostSettings(_env_file=None, database_url=url, jwt_secret_key=TEST_SECRET, **site_defaults())
    return Host(settings=settings, site=site, extra_plugins=extra_plugins, env_file=None)


@pytest.fixture(scope="session")
async def patt_postgres():
    service = PostgresService()
    yield service
    service.close()


@pytest.fixture(scope="session")
async def patt_database(patt_postgres: PostgresService, patt_test_plugins):
    from patt_host import dbmigrate

    name = f"patt_test_{os.getpid()}"
    url = await patt_postgres.create_database(name)
    host = superset_host(url, patt_test_plugins)
    await asyncio.to_thread(dbmigrate.upgrade, host, url)
    engine = create_async_engine(url)
    reset = DatabaseReset()
    await reset.snapshot(engine)
    database = TestDatabase(url=url, engine=engine, reset=reset)
    yield database
    await engine.dispose()
    await patt_postgres.drop_database(name)


@pytest.fixture
async def clean_database(patt_database: TestDatabase):
    """Marks the test as touching the database; resets it afterwards."""
    yield patt_database
    await patt_database.reset.reset(patt_database.engine)


_scratch_numbers = itertools.count()


@pytest.fixture
async def scratch_database(patt_postgres: PostgresService) -> AsyncIterator[str]:
    """The URL of an empty database of the test's own (no schema, no migrations), dropped
    afterwards: for migrations from nothing, adoption, a site's own lineages."""
    name = f"patt_scratch_{os.getpid()}_{next(_scratch_numbers)}"
    url = await patt_postgres.create_database(name)
    yield url
    await patt_postgres.drop_database(name)


@pytest.fixture
async def db(clean_database: TestDatabase):
    from sv_common.db import Database

    database = Database(clean_database.url, pool_size=5)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def redis_service():
    service = RedisService()
    yield service
    service.close()


@pytest.fixture
async def redis_url(redis_service: RedisService) -> str:
    await redis_service.check()
    await redis_service.flush()
    return redis_service.url


@pytest.fixture
async def redis(redis_url: str):
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def make_host(clean_database: TestDatabase, patt_test_plugins, tmp_path):
    """``make_host(site="patt", plugins=None, extra_plugins=(), env_file=None, **settings)`` -> Host."""
    from patt_host.config import HostSettings
    from patt_host.host import Host
    from patt_host.site import Site, load_site

    def factory(
        site: str | Site = "patt",
        plugins: list[str] | None = None,
        extra_plugins=(),
        env_file: str | os.PathLike | None = None,
        **settings,
    ):
        values = {
            **site_defaults(),
            "database_url": clean_database.url,
            "redis_url": None,
            "patt_data_dir": tmp_path / "var",
            "jwt_secret_key": TEST_SECRET,
            "discord_bot_token": None,
        }
        values.update(settings)
        site_obj = load_site(site) if isinstance(site, str) else site
        if plugins is not None:
            site_obj = dataclasses.replace(site_obj, plugins=list(plugins))
        return Host(
            settings=HostSettings(_env_file=None, **values),
            site=site_obj,
            extra_plugins=[*patt_test_plugins, *extra_plugins],
            env_file=env_file,  # plugin settings ignore the developer's .env unless a test asks
        )

    return factory


@pytest.fixture
async def make_client(make_host):
    """``await make_client(host=None, start_services=False, **make_host_kwargs)`` -> PattClient."""
    from patt_host.app import create_app

    stack = AsyncExitStack()

    async def factory(host=None, *, start_services: bool = False, **kwargs) -> PattClient:
        host = host or make_host(**kwargs)
        app = create_app(host, start_services=start_services)
        await stack.enter_async_context(app.router.lifespan_context(app))
        return await stack.enter_async_context(PattClient(app))

    yield factory
    await stack.aclose()


@pytest.fixture
async def client(make_client, patt_client_kwargs) -> PattClient:  # noqa: F811 - the fixture, by name
    """An anonymous client of what ``member_client`` / ``officer_client`` serve (``patt_client_kwargs``)."""
    return await make_client(**patt_client_kwargs)


@pytest.fixture
async def job_context(make_host, patt_client_kwargs):  # noqa: F811 - the fixture, by name
    """A JobContext on an open host built like ``member_client`` (``patt_client_kwargs``: your site)."""
    from patt_host.jobs.types import JobContext

    host = make_host(**patt_client_kwargs)
    async with host.running():
        yield JobContext(host=host, job_name="test.job", run_id=None, trigger="test")
