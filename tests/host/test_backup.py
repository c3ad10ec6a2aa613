"""The backup and restore commands of docs/operators/backups.md, run as written against a
test database: dump it, restore into an empty database, find the same rows there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from sv_common.identity import players as player_service
from sv_common.identity.models import Player

DOC = Path(__file__).resolve().parents[2] / "docs" / "operators" / "backups.md"


def documented_commands() -> str:
    block = re.search(r"<!-- backup-commands -->\s*```sh\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/operators/backups.md lost its backup-commands block"
    return block.group(1)


def major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"\(PostgreSQL\)\s+(\d+)", out).group(1))


def client_tools(server_major: int) -> str:
    """A folder with pg_dump/pg_restore at least as new as the server: the system's, else pgserver's."""
    candidates = []
    if shutil.which("pg_dump"):
        candidates.append(Path(shutil.which("pg_dump")).parent)
    try:
        import pgserver

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    for folder in candidates:
        if (folder / "pg_dump").exists() and (folder / "pg_restore").exists():
            if major(str(folder / "pg_dump")) >= server_major:
                return str(folder)
    pytest.fail(
        f"no pg_dump/pg_restore >= {server_major} found (looked in {candidates}); "
        "install postgresql-client or the pgserver package"
    )


def libpq_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def test_documented_backup_restores_into_an_empty_database(db, clean_database, patt_postgres, tmp_path):
    async with db.session() as s:
        for name in ("Backed", "Up", "Safely"):
            await player_service.create_player(s, display_name=name)
    source = libpq_url(clean_database.url)
    probe = await asyncpg.connect(source)
    try:
        server_major = int((await probe.fetchval("SHOW server_version")).split(".")[0])
    finally:
        await probe.close()

    restored = f"patt_restore_{os.getpid()}"
    target = libpq_url(await patt_postgres.create_database(restored))
    try:
        env = {
            **os.environ,
            "PATH": client_tools(server_major) + os.pathsep + os.environ.get("PATH", ""),
            "DATABASE_URL": source,
            "RESTORE_URL": target,
            "BACKUP_FILE": str(tmp_path / "patt.dump"),
        }
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", documented_commands()], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "patt.dump").stat().st_size > 1000

        connection = await asyncpg.connect(target)
        try:
            names = {
                r["display_name"]
                for r in await connection.fetch("SELECT display_name FROM guild_identity.players")
            }
            version_rows = await connection.fetchval("SELECT count(*) FROM alembic_version")
        finally:
            await connection.close()
        assert names == {"Backed", "Up", "Safely"}
        assert version_rows > 0  # the migration state travels with the data
        async with db.session() as s:
            assert await s.scalar(select(func.count()).select_from(Player)) == 3
    finally:
        await patt_postgres.drop_database(restored)
