"""Embedded PostgreSQL 16 (via pgserver) for when DATABASE_URL is unset.

A new user gets a real PostgreSQL in the data directory without installing a server.
The server is shared by every process started from the same directory and stops when
the last of them exits.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

log = logging.getLogger(__name__)

_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, keep_running: bool = False):
        self.data_dir = Path(data_dir).resolve()
        self.keep_running = keep_running
        self._server = None

    def start(self):
        if self._server is None:
            with warnings.catch_warnings():
                # platformdirs warns about XDG_RUNTIME_DIR on servers; it changes nothing here.
                warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
                import pgserver  # imported lazily: only the embedded mode needs it

            self.data_dir.mkdir(parents=True, exist_ok=True)
            log.info("starting embedded PostgreSQL in %s", self.data_dir)
            self._server = pgserver.get_server(
                str(self.data_dir), cleanup_mode=None if self.keep_running else "stop"
            )
        return self._server

    def url(self, database: str = "patt") -> str:
        """An asyncpg URL for ``database``, creating it on first use."""
        if not _DB_NAME.match(database):
            raise ValueError(f"invalid database name {database!r}")
        server = self.start()
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
        # pgserver may pick a shorter socket directory than the data dir (socket paths
        # are limited to ~100 bytes), so take the host from the URI it reports.
        host = parse_qs(urlparse(server.get_uri()).query).get("host", [str(self.data_dir)])[0]
        return f"postgresql+asyncpg://postgres@/{database}?host={quote(host, safe='')}"

    def stop(self) -> None:
        if self._server is not None and not self.keep_running:
            self._server.cleanup()
        self._server = None
