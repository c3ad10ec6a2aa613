"""Counting an uploaded BLT file off the event loop: each count runs in a child process, bounded
by size and by time.

Why a process: the count is pure-Python CPU work (a 3,000-candidate, 20,000-ballot file took
43 s). On the event loop it froze every request, the bot and the scheduler for that long; in a
thread it would still hold the GIL for most of it and slow them all, and a thread cannot be
stopped when it runs too long. A child process runs on the other core, and ``kill()`` ends it
at the time limit. A fresh ``spawn``ed child per count (not ``fork``: the parent has threads and
open sockets) costs ~0.2 s of start-up, nothing next to an officer's occasional recount.

The parent only counts newlines (C speed) and waits on the result pipe in a worker thread; the
child parses, counts and sends back ``Tally.to_dict()``. At most ``MAX_CONCURRENT`` counts run
per web process; one more is refused at once (503 ``recount_busy``) rather than queued.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from typing import Any

from sv_common.errors import ServiceUnavailable, ValidationFailed

MAX_BYTES = 8 * 1024 * 1024
MAX_BALLOT_LINES = 250_000
MAX_CANDIDATES = 1_000
MAX_CONCURRENT = 2
# The child's address space (bytes): a hostile file fails with MemoryError, not the machine.
CHILD_MEMORY = 2 * 1024 * 1024 * 1024

_slots = threading.BoundedSemaphore(MAX_CONCURRENT)


def _child(conn, data: bytes, method: str, equal_rankings: str, limits: tuple[int, int]) -> None:
    """Runs in the child process: parse, check, count, send ``(status, payload)``."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    except (ImportError, ValueError, OSError):
        pass  # no limit available here; the time limit still applies
    from patt_voting.services.blt import BLTError, parse_blt
    from patt_voting.services.counting import tally

    max_candidates, max_condorcet = limits
    try:
        election = parse_blt(data.decode("utf-8-sig"))
        candidates = len(election.candidates)
        if method == "condorcet" and candidates > max_condorcet:
            # Cubic in the candidates: larger files are for the command line.
            limit = f"Condorcet counts at most {max_condorcet} candidates here"
        elif candidates > max_candidates:
            limit = f"The web count takes at most {max_candidates} candidates"
        else:
            limit = ""
        if limit:
            conn.send(("too_many_candidates", f"{limit}; use 'patt voting tally' for larger files."))
            return
        conn.send(("ok", tally(election, method, equal_rankings=equal_rankings).to_dict()))
    except (BLTError, UnicodeDecodeError) as exc:
        conn.send(("invalid_blt", str(exc)))
    except MemoryError:
        conn.send(("too_large", "The file needs more memory to count than a web count may use."))
    finally:
        conn.close()


def _run(data: bytes, method: str, equal_rankings: str, max_condorcet: int, time_limit: float):
    """In a worker thread: start the child, wait for its answer at most ``time_limit`` seconds."""
    try:
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_child,
            args=(sender, data, method, equal_rankings, (MAX_CANDIDATES, max_condorcet)),
            daemon=True,
        )
        process.start()
        sender.close()
        try:
            if not receiver.poll(time_limit):
                return ("timeout", None)
            return receiver.recv()
        except EOFError:  # the child died without an answer (killed, out of memory)
            return ("crashed", None)
        finally:
            if process.is_alive():
                process.kill()
            process.join(5)
            receiver.close()
    finally:
        _slots.release()


async def count_blt(
    data: bytes, method: str, equal_rankings: str, *, time_limit: float, max_condorcet: int
) -> dict[str, Any]:
    """``Tally.to_dict()`` of BLT ``data``, counted in a child process (see the module docstring)."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MiB; use 'patt voting tally' for it.",
            code="file_too_large",
        )
    if data.count(b"\n") > MAX_BALLOT_LINES + MAX_CANDIDATES + 10:
        raise ValidationFailed(
            f"The web count takes at most {MAX_BALLOT_LINES} ballot lines; use 'patt voting tally' "
            "for larger files.",
            code="too_many_ballots",
        )
    if not _slots.acquire(blocking=False):
        raise ServiceUnavailable("Other recounts are running; try again in a minute.", code="recount_busy")
    status, payload = await asyncio.to_thread(_run, data, method, equal_rankings, max_condorcet, time_limit)
    if status == "ok":
        return payload
    if status in ("invalid_blt", "too_many_candidates"):
        raise ValidationFailed(payload, code=status)
    if status == "too_large":
        raise ValidationFailed(payload, code="file_too_large")
    if status == "timeout":
        raise ServiceUnavailable(
            f"The count took longer than {time_limit:g} seconds and was stopped; "
            "count this file with 'patt voting tally' on the command line.",
            code="count_timeout",
        )
    raise ServiceUnavailable("The count stopped unexpectedly; try 'patt voting tally'.", code="count_failed")
