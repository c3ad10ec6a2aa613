"""A short-lived in-process cache of the roster, with its JSON (plain and gzipped) and
its HTML body prepared once per change instead of once per request.

Freshness, cheapest first:
- identity domain events in this process drop the snapshot at once (``invalidate``);
- at most every ``recheck_seconds`` a one-row fingerprint query (``roster_version``)
  notices changes made by other processes (syncs, the bot, other web workers);
- a snapshot never outlives ``ttl_seconds``, whatever the fingerprint says.
One lock makes a burst of requests after a change cost a single roster query.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from patt_identity.roster.services.gzip_splice import Precompressed


@dataclass
class RosterSnapshot:
    data: dict[str, Any]
    version: tuple[Any, ...]
    json_bytes: bytes
    gzip_bytes: bytes
    etag: str
    loaded_at: float
    checked_at: float
    # The page's table + chart, rendered and compressed once on first use by the page route.
    html_part: Precompressed | None = None

    @classmethod
    def build(cls, data: dict[str, Any], version: tuple[Any, ...], now: float) -> RosterSnapshot:
        body = json.dumps({"ok": True, "data": data}, separators=(",", ":"), default=str).encode()
        digest = hashlib.sha256(body).hexdigest()[:20]
        return cls(
            data=data,
            version=version,
            json_bytes=body,
            gzip_bytes=gzip.compress(body, compresslevel=6, mtime=0),
            etag=f'"roster-{digest}"',
            loaded_at=now,
            checked_at=now,
        )


class RosterCache:
    def __init__(self, *, ttl_seconds: float = 60.0, recheck_seconds: float = 1.0, clock=time.monotonic):
        self.ttl = ttl_seconds
        self.recheck = min(recheck_seconds, ttl_seconds)
        self.clock = clock
        self._snapshot: RosterSnapshot | None = None
        self._lock = asyncio.Lock()
        self._generation = 0  # bumped by invalidate(); a load that raced one is not kept
        self.loads = 0  # how many times the roster query ran (observable in tests/benchmarks)

    def invalidate(self) -> None:
        self._generation += 1
        self._snapshot = None

    async def get(
        self,
        load: Callable[[], Awaitable[dict[str, Any]]],
        version: Callable[[], Awaitable[tuple[Any, ...]]],
    ) -> RosterSnapshot:
        snapshot = self._usable(self.clock())
        if snapshot is not None:
            return snapshot
        async with self._lock:
            now = self.clock()
            snapshot = self._usable(now)
            if snapshot is not None:
                return snapshot
            generation = self._generation
            current = self._snapshot
            if self.ttl > 0 and current is not None and now - current.loaded_at < self.ttl:
                # Due for a recheck only: keep it if nothing visible changed.
                fingerprint = await version()
                if fingerprint == current.version:
                    current.checked_at = self.clock()
                    return current
            else:
                fingerprint = await version()
            data = await load()
            self.loads += 1
            snapshot = RosterSnapshot.build(data, fingerprint, self.clock())
            if self.ttl > 0 and generation == self._generation:
                self._snapshot = snapshot
            return snapshot

    def _usable(self, now: float) -> RosterSnapshot | None:
        snapshot = self._snapshot
        if snapshot is None or self.ttl <= 0:
            return None
        if now - snapshot.loaded_at >= self.ttl or now - snapshot.checked_at >= self.recheck:
            return None
        return snapshot
