"""The durable upload queue: one SQLite file in the user's data folder.

Every export is written here before any network call, so an upload survives a crash, a
restart of the PC and an unreachable server. An upload is marked ``sent`` in the same
transaction that records the server's answer and is never claimed again; a claim is a
short lease, so two companions sharing the folder do not send the same export at once.
A newer export from the same file supersedes older ones still waiting (they would only
overwrite newer notes with older ones).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patt_companion.export import Export

BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0
CLAIM_LEASE_SECONDS = 120.0
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    export_time INTEGER NOT NULL,
    guild_name TEXT NOT NULL DEFAULT '',
    member_count INTEGER NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'rejected', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    claimed_until REAL,
    last_error TEXT,
    result TEXT,
    queued_at REAL NOT NULL,
    sent_at REAL,
    UNIQUE (source, export_time)
);
CREATE INDEX IF NOT EXISTS uploads_due ON uploads (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    checked_at REAL NOT NULL,
    error TEXT
);
"""


@dataclass(frozen=True)
class Upload:
    id: int
    source: str
    export_time: int
    guild_name: str
    member_count: int
    body: str
    state: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    result: str | None
    queued_at: float
    sent_at: float | None


def backoff_seconds(
    attempts: int, *, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_MAX_SECONDS
) -> float:
    """Delay before retry number ``attempts`` (1, 2, ...): doubling, capped, with ±20% jitter."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


class UploadQueue:
    """The queue in the SQLite file at ``path`` (created on first use)."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        backoff_base: float = BACKOFF_BASE_SECONDS,
        backoff_max: float = BACKOFF_MAX_SECONDS,
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.clock = clock
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        # Autocommit; writes take BEGIN IMMEDIATE so check-and-set steps are atomic.
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.executescript(_SCHEMA)
        self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def _write(self):
        return _Transaction(self.conn)

    # --- exports in ------------------------------------------------------------------------

    def enqueue(self, source: str, export: Export) -> tuple[Upload | None, str]:
        """Queues ``export`` read from ``source``; returns (upload or None, what happened)."""
        now = self.clock()
        with self._write():
            same = self.conn.execute(
                "SELECT * FROM uploads WHERE source = ? AND export_time = ?", (source, export.export_time)
            ).fetchone()
            if same is not None:
                return None, f"export already {same['state']}"
            newest = self.conn.execute(
                "SELECT MAX(export_time) FROM uploads WHERE source = ? AND state != 'rejected'", (source,)
            ).fetchone()[0]
            if newest is not None and newest > export.export_time:
                return None, "older than an export already queued or sent"
            self.conn.execute(
                "UPDATE uploads SET state = 'superseded' WHERE source = ? AND state = 'pending'", (source,)
            )
            cursor = self.conn.execute(
                "INSERT INTO uploads (source, export_time, guild_name, member_count, body, state,"
                " next_attempt_at, queued_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                (
                    source,
                    export.export_time,
                    export.guild_name,
                    export.member_count,
                    json.dumps(export.body, ensure_ascii=False, separators=(",", ":")),
                    now,
                    now,
                ),
            )
            upload_id = cursor.lastrowid
        return self.get(upload_id), "queued"

    # --- uploads out -----------------------------------------------------------------------

    def claim_due(self) -> Upload | None:
        """The oldest pending upload that is due, leased to this caller; None if none is."""
        now = self.clock()
        with self._write():
            row = self.conn.execute(
                "SELECT id FROM uploads WHERE state = 'pending' AND next_attempt_at <= ?"
                " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY id LIMIT 1",
                (now, now),
            ).fetchone()
            if row is None:
                return None
            self.conn.execute(
                "UPDATE uploads SET claimed_until = ? WHERE id = ?", (now + CLAIM_LEASE_SECONDS, row["id"])
            )
        return self.get(row["id"])

    def mark_sent(self, upload_id: int, result: Any) -> None:
        with self._write():
            self.conn.execute(
                "UPDATE uploads SET state = 'sent', sent_at = ?, result = ?, claimed_until = NULL,"
                " attempts = attempts + 1, last_error = NULL WHERE id = ? AND state = 'pending'",
                (self.clock(), json.dumps(result), upload_id),
            )

    def mark_failed(self, upload_id: int, error: str, *, retry: bool, not_before: float = 0.0) -> None:
        """Records a failed attempt: retried after a backoff (at least ``not_before`` s), or rejected."""
        now = self.clock()
        with self._write():
            row = self.conn.execute("SELECT attempts FROM uploads WHERE id = ?", (upload_id,)).fetchone()
            attempts = row["attempts"] + 1
            delay = max(not_before, backoff_seconds(attempts, base=self.backoff_base, cap=self.backoff_max))
            self.conn.execute(
                "UPDATE uploads SET attempts = ?, last_error = ?, claimed_until = NULL,"
                " next_attempt_at = ?, state = ? WHERE id = ? AND state = 'pending'",
                (attempts, error, now + delay, "pending" if retry else "rejected", upload_id),
            )

    def retry_now(self) -> int:
        """Makes every pending upload due now (after the user fixed the URL or key)."""
        with self._write():
            cursor = self.conn.execute(
                "UPDATE uploads SET next_attempt_at = ? WHERE state = 'pending'", (self.clock(),)
            )
        return cursor.rowcount

    # --- reading ---------------------------------------------------------------------------

    def get(self, upload_id: int) -> Upload:
        row = self.conn.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        return _upload(row)

    def recent(self, limit: int = 10) -> list[Upload]:
        rows = self.conn.execute("SELECT * FROM uploads ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [_upload(r) for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT state, COUNT(*) FROM uploads GROUP BY state").fetchall()
        return {state: count for state, count in rows}

    def next_due(self) -> float | None:
        row = self.conn.execute("SELECT MIN(next_attempt_at) FROM uploads WHERE state = 'pending'").fetchone()
        return row[0]

    # --- which file versions were already read -------------------------------------------

    def source_fingerprint(self, path: str) -> str | None:
        row = self.conn.execute("SELECT fingerprint FROM sources WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def record_source(self, path: str, fingerprint: str, error: str | None) -> None:
        with self._write():
            self.conn.execute(
                "INSERT INTO sources (path, fingerprint, checked_at, error) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (path) DO UPDATE SET fingerprint = excluded.fingerprint,"
                " checked_at = excluded.checked_at, error = excluded.error",
                (path, fingerprint, self.clock(), error),
            )

    def sources(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM sources ORDER BY path").fetchall()


def _upload(row: sqlite3.Row) -> Upload:
    return Upload(**{field: row[field] for field in Upload.__dataclass_fields__})


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
