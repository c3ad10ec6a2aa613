"""`patt db revision --plugin X` autogenerates a migration in the plugin's own lineage."""

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host import cli as cli_module
from patt_host import dbmigrate

ROOT = Path(__file__).resolve().parents[2]


def invoke(host, args):
    """``patt <args>`` on ``host`` (stdout and stderr together in ``.output``)."""
    from unittest import mock

    with mock.patch.object(cli_module.HostContext, "host", lambda self: host):
        return CliRunner().invoke(cli_module.cli, args, catch_exceptions=False)


async def test_revision_autogenerates_a_new_lineage(make_host, patt_postgres, tmp_path, monkeypatch):
    package = tmp_path / "patt_quests"
    package.mkdir()
    (package / "__init__.py").write_text("class QuestsPlugin:\n    name = 'quests'\n")
    (package / "models.py").write_text(
        textwrap.dedent(
            """
            from sqlalchemy import ForeignKey, Integer, String
            from sqlalchemy.orm import Mapped, mapped_column
            from sv_common.db import Base

            class Quest(Base):
                __tablename__ = "quests"
                __table_args__ = {"schema": "quests"}
                id: Mapped[int] = mapped_column(Integer, primary_key=True)
                title: Mapped[str] = mapped_column(String(80))
                player_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.players.id"))
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from patt_quests import QuestsPlugin

    name = f"patt_revision_{os.getpid()}"
    url = await patt_postgres.create_database(name)
    versions = package / "migrations" / "versions"
    try:
        host = make_host(plugins=["quests"], extra_plugins=[QuestsPlugin], database_url=url)
        # A database nobody upgraded yet and a plugin with models but no migrations folder.
        await asyncio.to_thread(dbmigrate.upgrade, host, url)
        models = await asyncio.to_thread(invoke, host, ["db", "check", "--models"])
        assert models.exit_code == 1, models.output
        assert models.output.strip() == (
            "quests: its models define quests.quests, but it has no migrations yet; "
            f"create the folder (mkdir -p {versions}), then `patt db revision --plugin quests -m ...`"
        )
        # The folder exists but is empty (the documented order: create it, then the revision).
        # `patt db upgrade` says what to run for it and upgrades everything else; `patt db check`
        # and the start-up check of `patt serve` agree: nothing is behind, and the same line.
        versions.mkdir(parents=True)
        hint = "quests: no migrations yet; create them with `patt db revision --plugin quests -m ...`"
        fresh = await patt_postgres.create_database(f"{name}_fresh")
        try:
            behind = make_host(plugins=["quests"], extra_plugins=[QuestsPlugin], database_url=fresh)
            upgraded = await asyncio.to_thread(invoke, behind, ["db", "upgrade"])
            assert upgraded.exit_code == 0, upgraded.output
            assert hint in upgraded.output.splitlines() and "Traceback" not in upgraded.output
            assert upgraded.output.rstrip().endswith("database is up to date")
            state = await asyncio.to_thread(dbmigrate.status, behind, fresh)
            assert state["ok"] and state["empty"] == ["quests"]
            check = await asyncio.to_thread(invoke, behind, ["db", "check"])
            assert check.exit_code == 0 and check.output.splitlines()[0] == hint, check.output
            assert check.output.splitlines()[1].startswith("ok: ")
            from patt_host.cli.db import ensure_migrated

            await asyncio.to_thread(ensure_migrated, behind)  # `patt serve` starts
        finally:
            await patt_postgres.drop_database(f"{name}_fresh")
        # With the models compared, an empty lineage whose models define tables is a problem.
        models = await asyncio.to_thread(invoke, host, ["db", "check", "--models"])
        assert models.exit_code == 1
        assert models.output.strip() == (
            "quests: its models define quests.quests, but it has no migrations yet; "
            "create them with `patt db revision --plugin quests -m ...`"
        )
        path = await asyncio.to_thread(dbmigrate.revision, host, url, "quests", "quest table")
        source = open(path).read()
        # Formatted (ruff), the lineage's first revision, depending on the fixed revision that
        # creates the table it references (players), not on sv_common's moving head.
        assert 'revision: str = "quests_0001"' in source
        assert 'branch_labels: str | Sequence[str] | None = ("quests",)' in source
        assert 'depends_on: str | Sequence[str] | None = "sv_common_0002"' in source
        # The plugin's own schema is created before its table and dropped after it.
        assert source.index('CREATE SCHEMA IF NOT EXISTS "quests"') < source.index("op.create_table(")
        assert 'DROP SCHEMA IF EXISTS "quests"' in source
        # It passes the repository's lint as written: imports sorted, formatted.
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"), path],
            capture_output=True,
            text=True,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr
        await asyncio.to_thread(dbmigrate.upgrade, host, url)
        assert "quests_0001" in await asyncio.to_thread(dbmigrate.recorded_revisions, url)
        diffs = await asyncio.to_thread(dbmigrate.compare, url, dbmigrate.enabled_lineages(host))
        assert diffs == []
        # `patt db check` (and `patt serve`) agree with `patt db upgrade`: up to date.
        assert (await asyncio.to_thread(dbmigrate.status, host, url))["ok"]
        models = await asyncio.to_thread(invoke, host, ["db", "check", "--models"])
        assert models.exit_code == 0, models.output
        assert "quests_0001" in models.output and "the models and the migrations agree" in models.output
        # Autogenerate-stable: a second autogenerated revision finds nothing to do and writes
        # nothing. That is an answer, not an error: exit 0, with the message.
        assert await asyncio.to_thread(dbmigrate.revision, host, url, "quests", "nothing") is None
        again = await asyncio.to_thread(
            invoke, host, ["db", "revision", "--plugin", "quests", "-m", "nothing"]
        )
        assert again.exit_code == 0, again.output
        assert again.output.startswith("nothing to do: quests's models and its migrations agree")
        assert sorted(p.name for p in versions.glob("*.py")) == [os.path.basename(path)]
        # A model the migrations do not follow: `patt db check` alone still says ok (it compares
        # revisions), `--models` names the difference and exits 1.
        from sqlalchemy import Column, String

        from sv_common.db import Base

        quests = Base.metadata.tables["quests.quests"]
        quests.append_column(Column("note", String(40)))
        try:
            assert (await asyncio.to_thread(invoke, host, ["db", "check"])).exit_code == 0
            models = await asyncio.to_thread(invoke, host, ["db", "check", "--models"])
        finally:
            quests._columns.remove(quests.c.note)
        assert models.exit_code == 1
        assert models.output.splitlines() == [
            "quests: the models and the migrations differ; write the migration with "
            "`patt db revision --plugin quests -m ...`:",
            "  - column quests.quests.note: in the models, not in the migrations",
        ]
        # Purge drops the table and the schema.
        await asyncio.to_thread(dbmigrate.purge, host, url, "quests")
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            names = {
                r[0] for r in await conn.execute(text("SELECT schema_name FROM information_schema.schemata"))
            }
        await engine.dispose()
        assert "quests" not in names
    finally:
        await patt_postgres.drop_database(name)
        from sv_common.db import Base

        Base.metadata.remove(Base.metadata.tables["quests.quests"])
        sys.modules.pop("patt_quests", None)
        sys.modules.pop("patt_quests.models", None)


async def test_revision_with_nothing_to_do_answers_without_alembic_notes(make_host, caplog):
    """The site's own plugins: their models and migrations agree, and the answer is one line,
    not after one "assuming SERIAL" note per table (unless --verbose)."""
    with caplog.at_level(logging.INFO):
        result = await asyncio.to_thread(
            invoke, make_host(), ["db", "revision", "--plugin", "mito", "-m", "x"]
        )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("nothing to do: mito's models and its migrations agree")
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("alembic.ddl")]


def test_status_follows_depends_on_like_alembic(tmp_path):
    """A revision that depends on another lineage's head makes Alembic drop that head from
    ``alembic_version``; the check must still count it as applied."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "late_0001_x.py").write_text(
        'revision = "late_0001"\ndown_revision = None\ndepends_on = ("sv_common_0008",)\n'
    )
    lineage = dbmigrate.Lineage("late", versions, "patt_late")
    graph = dbmigrate.script_graph([lineage])
    assert graph["late_0001"] == ("sv_common_0008",)


async def test_revision_errors_are_one_line_and_say_what_to_run(
    make_host, patt_postgres, tmp_path, monkeypatch
):
    package = tmp_path / "patt_fresh"
    package.mkdir()
    (package / "__init__.py").write_text("class FreshPlugin:\n    name = 'fresh'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from patt_fresh import FreshPlugin

    name = f"patt_revision_errors_{os.getpid()}"
    url = await patt_postgres.create_database(name)
    try:
        host = make_host(plugins=["fresh"], extra_plugins=[FreshPlugin], database_url=url)
        # A database nobody upgraded yet is behind: say to upgrade first.
        with pytest.raises(dbmigrate.MigrationError) as behind:
            await asyncio.to_thread(dbmigrate.revision, host, url, "fresh", "first")
        assert "run `patt db upgrade` first" in str(behind.value) and "\n" not in str(behind.value)
        await asyncio.to_thread(dbmigrate.upgrade, host, url)
        # A new lineage without its folder: the exact folder to create.
        with pytest.raises(dbmigrate.MigrationError) as fresh:
            await asyncio.to_thread(dbmigrate.revision, host, url, "fresh", "first")
        assert f"mkdir -p {package / 'migrations' / 'versions'}" in str(fresh.value)
        # A plugin this site does not enable: how to enable it for the command.
        with pytest.raises(dbmigrate.MigrationError) as disabled:
            await asyncio.to_thread(dbmigrate.revision, host, url, "stale", "first")
        assert "PATT_EXTRA_PLUGINS=stale patt db revision --plugin stale" in str(disabled.value)
    finally:
        await patt_postgres.drop_database(name)
        sys.modules.pop("patt_fresh", None)
