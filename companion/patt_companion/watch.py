"""``patt-companion watch``: react to the game writing its file, poll as a fallback.

File events come from watchfiles (inotify, FSEvents, ReadDirectoryChangesW). Every loop
also checks the files' size and modification time and sends due retries, so a missed event
(network drive, Wine quirks) or a failed upload is picked up within one poll interval.
Without watchfiles, or when the OS refuses a watch, the loop simply polls.
"""

from __future__ import annotations

import logging
import threading
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

    def cycle() -> None:
        for path in paths:
            _report(companion.ingest(path), notify)
        for upload, outcome in companion.deliver():
            state = "sent" if outcome.ok else ("will retry" if outcome.retry else "rejected")
            notify(f"upload #{upload.id} ({upload.member_count} members): {state} — {outcome.message}")

    cycle()
    if use_events and _watch_events(paths, stop, poll_interval, cycle):
        return
    while not stop.wait(poll_interval):
        cycle()


def _watch_events(
    paths: list[Path], stop: threading.Event, poll_interval: float, cycle: Callable[[], None]
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
    try:
        for _changes in watchfiles.watch(
            *folders,
            watch_filter=lambda _change, changed: Path(changed).name in names,
            stop_event=stop,
            rust_timeout=int(poll_interval * 1000),
            yield_on_timeout=True,
            recursive=False,
            debounce=500,
            raise_interrupt=False,
        ):
            cycle()  # on an event and on every timeout (the poll)
    except OSError as exc:  # e.g. the inotify watch limit
        log.warning("file events unavailable (%s); polling every %g s", exc, poll_interval)
        return False
    return True
