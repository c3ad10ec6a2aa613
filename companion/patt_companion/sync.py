"""Reading exports into the queue and delivering the queue: shared by every CLI command.

The game's file is only ever read: never moved, renamed or deleted (the original moved it
to an archive folder, racing the game that writes it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from patt_companion.client import Outcome, SiteClient
from patt_companion.export import NoExportError, build_export
from patt_companion.luaparse import SavedVariablesError, read_saved_variables
from patt_companion.queue import Upload, UploadQueue

log = logging.getLogger("patt_companion")


@dataclass(frozen=True)
class Ingested:
    path: Path
    queued: Upload | None
    message: str
    error: bool = False


def file_fingerprint(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def source_key(path: Path) -> str:
    return str(path.resolve())


class Companion:
    """Ties the queue to one site; ``client_factory`` builds the HTTP client when needed."""

    def __init__(self, queue: UploadQueue, client_factory: Callable[[], SiteClient] | None):
        self.queue = queue
        self.client_factory = client_factory

    def ingest(self, path: Path, *, force: bool = False) -> Ingested:
        """Reads ``path`` if it changed since last time and queues a new export in it."""
        fingerprint = file_fingerprint(path)
        if fingerprint is None:
            return Ingested(path, None, "file not found (it appears after a /reload or logout in game)")
        key = source_key(path)
        if not force and self.queue.source_fingerprint(key) == fingerprint:
            return Ingested(path, None, "unchanged")
        try:
            export = build_export(read_saved_variables(path))
        except (SavedVariablesError, NoExportError) as exc:
            self.queue.record_source(key, fingerprint, str(exc))
            return Ingested(path, None, str(exc), error=True)
        upload, message = self.queue.enqueue(key, export)
        self.queue.record_source(key, fingerprint, None)
        if upload is not None:
            message = f"queued export of {export.member_count} members from {_when(export.export_time)}"
            if export.skipped:
                message += f" ({export.skipped} entries without a name left out)"
        return Ingested(path, upload, message)

    def due(self) -> bool:
        """Whether an upload waits whose backoff has ended."""
        next_due = self.queue.next_due()
        return next_due is not None and next_due <= self.queue.clock()

    def deliver(self) -> list[tuple[Upload, Outcome]]:
        """Sends every due upload once; stops at the first failure the server may recover from."""
        results: list[tuple[Upload, Outcome]] = []
        if self.client_factory is None:
            return results
        client: SiteClient | None = None
        try:
            while (upload := self.queue.claim_due()) is not None:
                client = client or self.client_factory()
                outcome = client.upload(upload.body)
                if outcome.ok:
                    self.queue.mark_sent(upload.id, outcome.result)
                else:
                    self.queue.mark_failed(
                        upload.id, outcome.message, retry=outcome.retry, not_before=outcome.retry_after
                    )
                results.append((upload, outcome))
                log.info("upload %s (%d members): %s", upload.id, upload.member_count, outcome.message)
                if not outcome.ok and outcome.retry:
                    break  # the server is down or refusing: the rest waits for the backoff
        finally:
            if client is not None:
                client.close()
        return results


def summarize_result(result: str | None) -> str:
    """A short human summary of the server's JSON answer, if it has counts."""
    if not result:
        return ""
    try:
        data = json.loads(result)
    except ValueError:
        return ""
    data = data.get("data", data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        return ""
    parts = [f"{k}={v}" for k, v in data.items() if isinstance(v, int) and not isinstance(v, bool)]
    return ", ".join(parts[:6])


def _when(timestamp: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
