"""``patt-companion watch``: react to the game writing its file, poll as a fallback.

File events come from watchfiles (inotify, FSEvents, ReadDirectoryChangesW). Every poll
interval the files' size and modification time are checked too, so a missed event (network
drive, Wine quirks) is picked up; retries are sent as soon as their backoff ends.
Without watchfiles, or when the OS refuses a watch, the loop simply polls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from patt_companion.sync import Companion, Ingested

log = logging.getLogger("patt_companion")


def _report(result: Ingested, notify: Callable[[str], None]) -> None:
    if result.queued is not None or result.error:
        notify(f"{result.path}: {result.message}")


def watch(
    companion: Companion,
    paths: list[Path],
    *,
    stop: threading.Event,
    poll_interval: float,
    use_events: bool = True,
    notify: Callable[[str], None] = print,
) -> None:
    """Runs until ``stop`` is set."""

    def cycle(read_files: bool = True) -> bool:
        if read_files:
            for path in paths:
                _report(companion.ingest(path), notify)
        elif not companion.due():
            return False
        for upload, outcome in companion.deliver():
            state = "sent" if outcome.ok else ("will retry" if outcome.retry else "rejected")
            notify(f"upload #{upload.id} ({upload.member_count} members): {state} — {outcome.message}")
        return True

    cycle()
    if use_events and _watch_events(paths, stop, poll_interval, cycle):
        return
    while not stop.wait(poll_interval):
        cycle()


def _watch_events(
    paths: list[Path], stop: threading.Event, poll_interval: float, cycle: Callable[[], bool]
) -> bool:
    """Event loop; returns False if events are unavailable (the caller polls instead)."""
    try:
        import watchfiles
    except ImportError:
        return False
    folders = sorted({str(p.parent) for p in paths if p.parent.is_dir()})
    if not folders:
        return False
    names = {p.name for p in paths}
    last_cycle = time.monotonic()
    first = True
    try:
        # Wakes at least every second: to close the gap between the first check and the
        # watch starting, to poll when the interval is up, and to send retries when due.
        for changes in watchfiles.watch(
            *folders,
            watch_filter=lambda _change, changed: Path(changed).name in names,
            stop_event=stop,
            rust_timeout=int(min(poll_interval, 1.0) * 1000),
            yield_on_timeout=True,
            recursive=False,
            debounce=500,
            raise_interrupt=False,
        ):
            if changes or first or time.monotonic() - last_cycle >= poll_interval:
                cycle(True)
                last_cycle = time.monotonic()
                first = False
            else:
                cycle(False)
    except OSError as exc:  # e.g. the inotify watch limit
        log.warning("file events unavailable (%s); polling every %g s", exc, poll_interval)
        return False
    return True
