"""The author kit works for a plugin in its own repository: no ini section, bare ``async def`` tests."""

import os
import subprocess
import sys
import textwrap

PLUGIN = """
from fastapi import APIRouter

from patt_host import hookimpl
from patt_host.web import LoggedIn, ok


class OutsidePlugin:
    name = "outside"

    @hookimpl
    def register_routers(self, host):
        router = APIRouter()

        @router.get("/api/v1/outside/me", name="me")
        async def me(actor: LoggedIn):
            return ok({"name": actor.display_name, "rank": actor.rank_level})

        return router
"""

CONFTEST = """
import pytest


@pytest.fixture(scope="session")
def patt_test_plugins():
    from patt_outside import OutsidePlugin

    return [OutsidePlugin]


@pytest.fixture
def patt_client_kwargs():
    return {"plugins": ["identity", "outside"]}
"""

TESTS = """
async def test_bare_async_test_with_an_app_client(make_client):
    client = await make_client(plugins=["identity", "outside"])
    assert (await client.get("/api/v1/outside/me")).status_code == 401


async def test_the_anonymous_client_serves_what_patt_client_kwargs_says(client, member_client):
    # Both clients serve the plugin (401 and 200, not a 404), whatever the shell exports.
    assert (await client.get("/api/v1/outside/me")).status_code == 401
    assert (await member_client.get("/api/v1/outside/me")).status_code == 200


async def test_second_test_shares_the_session_loop(db):
    from sqlalchemy import text

    async with db.session() as session:
        assert await session.scalar(text("SELECT 1")) == 1
"""


def test_plugin_tests_run_outside_the_repository(tmp_path):
    project = tmp_path / "patt-outside"
    (project / "patt_outside").mkdir(parents=True)
    (project / "patt_outside" / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    (project / "tests").mkdir()
    (project / "tests" / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (project / "tests" / "test_outside.py").write_text(textwrap.dedent(TESTS))
    # A developer's shell exporting site settings must not change the results.
    env = {
        **os.environ,
        "PYTHONPATH": str(project),
        "PATT_EXTRA_PLUGINS": "no_such_plugin",
        "PATT_DISABLED_PLUGINS": "outside",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "3 passed" in result.stdout
    assert f"rootdir: {project}" in result.stdout  # not this repository's configuration
