"""The delivery worker: sends due outbox rows through a :class:`Sender`.

Outcomes per row:

- sent: ``status=sent``, Discord's message id and ``sent_at`` recorded;
- transient (429 that outlasted discord.py's own retries, 5xx, connection errors):
  stays ``pending`` with ``attempts+1`` and an exponential ``next_attempt_at``; after
  :data:`MAX_ATTEMPTS` it is ``failed``. When Discord is unreachable the run stops at
  once (the other rows keep their place; nothing is lost);
- permanent (403 such as DMs closed 50007, 404 unknown channel, 400 bad payload):
  ``failed`` at once, never retried by itself (an officer may retry it);
- a DM whose switches were turned off while it waited: ``skipped``.

A send whose outcome is unknown (a 5xx, or the connection dropped after the request
left) may have been posted. The retry carries the same nonce with ``enforce_nonce``, so
Discord answers with the message it already made, but Discord remembers a nonce only
for a few minutes: past :data:`NONCE_TRUSTED` the worker looks for the message in the
channel first (:meth:`Sender.find_sent`) instead of trusting the stale nonce.

Each row is claimed with ``FOR UPDATE SKIP LOCKED`` in its own transaction, so two
workers never send the same row and a crash loses at most the row in flight. Rows to
one target (channel or member) are sent oldest first, one at a time: a row waiting for
a retry holds back the rows to that target queued after it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import aliased

from sv_common.discord.client import DiscordUnavailable
from sv_common.discord.config import load_discord_config
from sv_common.errors import ValidationFailed
from sv_common.notify.embeds import scrubbed
from sv_common.notify.gate import dm_block_reason
from sv_common.notify.models import EDIT_OF, NotificationOutbox

if TYPE_CHECKING:
    pass

log = logging.getLogger("patt.notify")

MAX_ATTEMPTS = 20
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
DM_CLOSED_CODE = 50007
# How long a retry may rely on the nonce of an attempt whose outcome is unknown: Discord
# checks enforce_nonce "in the past few minutes", so stay well inside that.
NONCE_TRUSTED = timedelta(minutes=2)


class Sender(Protocol):
    """Sends one message; returns Discord's message id. Raises discord/aiohttp errors."""

    async def send(self, kind: str, target: str, payload: dict[str, Any], *, nonce: str) -> str: ...

    async def edit(self, channel_id: str, message_id: str, payload: dict[str, Any]) -> None:
        """Replace a posted message's content and embeds (and components, when the payload has them)."""
        ...

    async def find_sent(
        self, kind: str, target: str, payload: dict[str, Any], *, since: datetime
    ) -> str | None:
        """The id of a message with this payload the bot posted to ``target`` since ``since``."""
        ...


__all__ = [
    "DeliveryReport",
    "DiscordUnavailable",
    "Sender",
    "backoff",
    "classify",
    "deliver_pending",
    "has_due",
]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    stopped: str | None = None  # why the run ended early
    token_rejected: bool = False  # Discord answered 401: the bot needs a new token
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "retrying": self.retrying, "skipped": self.skipped}


def backoff(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: 30 s, 1 min, 2 min ... capped at one hour."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | retry | failed | unreachable
    error: str | None = None
    retry_after: float | None = None
    message_id: str | None = None
    unsure: bool = False  # Discord may have posted the message all the same


def classify(exc: BaseException) -> Outcome:
    """Map a send error to what the worker does with the row."""
    import aiohttp
    import discord

    if isinstance(exc, discord.RateLimited):  # the wait exceeded max_ratelimit_timeout
        return Outcome(
            "rate_limited", f"rate limited for {exc.retry_after:.0f}s", retry_after=exc.retry_after
        )
    if isinstance(exc, discord.HTTPException) and exc.status == 401:
        return Outcome("token_rejected", "Discord rejected the bot token (401): it was reset or revoked.")
    if isinstance(exc, discord.Forbidden):
        if exc.code == DM_CLOSED_CODE:
            return Outcome(
                "failed",
                "The member does not accept DMs from the bot or shares no server with it (Discord 403, code 50007).",
            )
        return Outcome("failed", f"Discord refused (403, code {exc.code}): {exc.text}"[:500])
    if isinstance(exc, discord.NotFound):
        return Outcome("failed", f"Unknown channel or user (404, code {exc.code}): {exc.text}"[:500])
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            return Outcome("retry", f"Discord answered {exc.status}: {exc.text}"[:500])
        if exc.status >= 500:  # the message may have been created before the error
            return Outcome("retry", f"Discord answered {exc.status}: {exc.text}"[:500], unsure=True)
        return Outcome(
            "failed", f"Discord rejected the message ({exc.status}, code {exc.code}): {exc.text}"[:500]
        )
    if isinstance(exc, aiohttp.ClientError | OSError | asyncio.TimeoutError):
        # A refused connection sent nothing; a timeout or a dropped reply may have.
        unsure = not isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError)
        return Outcome(
            "unreachable", f"Discord unreachable: {type(exc).__name__}: {exc}"[:500], unsure=unsure
        )
    return Outcome("failed", f"{type(exc).__name__}: {exc}"[:500])


def _behind_an_older_row(*, backing_off_at: datetime | None = None):
    """An older pending row for the same recipient exists (optionally: one not due at ``backing_off_at``).

    Messages to one channel or member go out in the order they were queued: a post that
    is being retried holds back the ones queued after it, and two workers never send two
    posts to one target at once (the older row stays pending while its sender has it).
    """
    older = aliased(NotificationOutbox)
    condition = exists().where(
        older.status == "pending",
        older.kind == NotificationOutbox.kind,
        older.target == NotificationOutbox.target,
        older.id < NotificationOutbox.id,
    )
    if backing_off_at is not None:
        condition = condition.where(older.next_attempt_at > backing_off_at)
    return condition


async def _due_ids(db: Any, *, now: datetime, flush: bool, limit: int) -> list[int]:
    query = select(NotificationOutbox.id).where(NotificationOutbox.status == "pending")
    if not flush:
        query = query.where(
            NotificationOutbox.next_attempt_at <= now, ~_behind_an_older_row(backing_off_at=now)
        )
    # Oldest first: a row that waited for a retry goes before the rows queued after it.
    query = query.order_by(NotificationOutbox.id).limit(limit)
    async with db.session() as session:
        return list((await session.scalars(query)).all())


async def has_due(db: Any, *, now: datetime | None = None, flush: bool = False) -> bool:
    """Whether a delivery run would find anything to send (so a worker can skip logging in)."""
    return bool(await _due_ids(db, now=now or datetime.now(UTC), flush=flush, limit=1))


def _apply(row: NotificationOutbox, outcome: Outcome, now: datetime, report: DeliveryReport) -> None:
    if outcome.kind == "sent":
        row.unsure_since = None
        row.status, row.sent_at, row.discord_message_id, row.last_error = (
            "sent",
            now,
            outcome.message_id,
            None,
        )
        row.attempts += 1
        row.payload = scrubbed(row.payload)  # delivered: a secret in it is no longer needed here
        report.sent += 1
        return
    row.attempts += 1
    row.last_error = outcome.error
    if outcome.kind == "failed":
        row.status = "failed"
        row.payload = scrubbed(row.payload)
        report.failed += 1
    elif row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        row.payload = scrubbed(row.payload)
        row.last_error = f"Gave up after {row.attempts} attempts; last error: {outcome.error}"[:1000]
        report.failed += 1
    else:
        delay = backoff(row.attempts)
        if outcome.retry_after is not None:
            delay = max(delay, timedelta(seconds=outcome.retry_after))
        row.next_attempt_at = now + delay
        report.retrying += 1
    report.errors.append(f"#{row.id}: {outcome.error}")


async def _message_to_edit(session: Any, row: NotificationOutbox) -> str | Outcome:
    """The Discord message an ``edit`` row changes, or what to do while there is none."""
    post = await session.get(NotificationOutbox, (row.payload or {}).get(EDIT_OF))
    if post is not None and post.status == "sent" and post.discord_message_id:
        return post.discord_message_id
    if post is not None and post.status == "pending":
        return Outcome("retry", "The message to edit is not posted yet.")
    return Outcome("failed", "The message to edit was never posted (its post failed or was removed).")


async def _attempt(
    sender: Sender, row: NotificationOutbox, started: datetime, edit_of: str | None = None
) -> Outcome:
    """Send the row, unless an attempt too old for its nonce to count may have posted it.

    An edit (``edit_of``: the Discord message id) is idempotent, so it is simply made again.
    """
    if edit_of is not None:
        await sender.edit(row.target, edit_of, row.payload)
        return Outcome("sent", message_id=edit_of)
    message_id = None
    if row.unsure_since is not None and started - row.unsure_since > NONCE_TRUSTED:
        message_id = await sender.find_sent(row.kind, row.target, row.payload, since=row.unsure_since)
    if message_id is None:
        message_id = await sender.send(row.kind, row.target, row.payload, nonce=f"patt-{row.id}")
    return Outcome("sent", message_id=str(message_id))


async def deliver_pending(
    db: Any,
    sender: Sender,
    *,
    now: datetime | None = None,
    flush: bool = False,
    limit: int = 100,
    min_interval: float = 0.0,
) -> DeliveryReport:
    """Send up to ``limit`` due rows. ``flush`` ignores backoff (Discord is back, or an officer asked).

    ``min_interval`` paces sends (seconds between two messages) on top of discord.py's
    own per-route rate limiting, so a burst of DMs does not trip Discord's anti-spam.
    """
    report = DeliveryReport()
    fixed_now = now
    row_ids = await _due_ids(db, now=now or datetime.now(UTC), flush=flush, limit=limit)
    for index, row_id in enumerate(row_ids):
        if index and min_interval:
            await asyncio.sleep(min_interval)
        async with db.session() as session:
            row = await session.scalar(
                select(NotificationOutbox)
                .where(NotificationOutbox.id == row_id, NotificationOutbox.status == "pending")
                .where(or_(NotificationOutbox.next_attempt_at <= (fixed_now or datetime.now(UTC)), flush))
                .where(~_behind_an_older_row())  # e.g. the previous post to this channel is retrying
                .with_for_update(skip_locked=True)
            )
            if row is None:
                continue  # another worker has it, or it changed meanwhile
            if row.kind == "dm":
                try:
                    reason = dm_block_reason(await load_discord_config(session), row.feature)
                except ValidationFailed as exc:
                    reason = exc.message
                if reason is not None:
                    row.status, row.last_error = "skipped", reason
                    row.payload = scrubbed(row.payload)
                    report.skipped += 1
                    continue
            started = fixed_now or datetime.now(UTC)
            edit_of = None
            if row.kind == "edit":
                found = await _message_to_edit(session, row)
                if isinstance(found, Outcome):
                    _apply(row, found, started, report)
                    continue
                edit_of = found
            try:
                outcome = await _attempt(sender, row, started, edit_of)
            except DiscordUnavailable as exc:
                report.stopped = str(exc)
                break
            except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
                outcome = classify(exc)
                log.warning(
                    "notification %s (%s %s) not sent: %s", row.id, row.kind, row.target, outcome.error
                )
            when = fixed_now or datetime.now(UTC)
            if outcome.unsure:  # the attempt's start: Discord created the message after it, if at all
                row.unsure_since = row.unsure_since or started
            if outcome.kind == "token_rejected":
                # Not the row's fault: it stays queued untouched, and so does the rest.
                report.stopped, report.token_rejected = outcome.error, True
                break
            if outcome.kind == "unreachable":
                _apply(row, Outcome("retry", outcome.error), when, report)
                report.stopped = outcome.error
                break
            if outcome.kind == "rate_limited":
                # Waiting here would block the job: this row and the rest go back in the
                # queue, due when Discord's limit has passed.
                _apply(row, Outcome("retry", outcome.error, outcome.retry_after), when, report)
                await _defer_rest(
                    db, row_ids[index + 1 :], when + timedelta(seconds=outcome.retry_after or 0)
                )
                report.stopped = outcome.error
                break
            _apply(row, outcome, when, report)
    return report


async def _defer_rest(db: Any, row_ids: list[int], until: datetime) -> None:
    """Reschedule still-pending rows without counting an attempt."""
    if not row_ids:
        return
    async with db.session() as session:
        await session.execute(
            update(NotificationOutbox)
            .where(NotificationOutbox.id.in_(row_ids), NotificationOutbox.status == "pending")
            .where(NotificationOutbox.next_attempt_at < until)
            .values(next_attempt_at=until)
        )
