"""Waking the delivery worker right after a notification is committed.

The process that runs delivery (the discord built-in plugin, when it can send)
registers a callback with :func:`set_delivery_trigger`; enqueueing arms a one-shot
``after_commit`` listener on the caller's session, so delivery starts only once the
notification really exists (a rolled-back transaction wakes nobody). Without a
registered trigger the frequent cron job picks the row up instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("patt.notify")

_trigger: Callable[[], None] | None = None
_ARMED = "patt_notify_wake_armed"
_INSTALLED = "patt_notify_wake_listeners"


def set_delivery_trigger(callback: Callable[[], None] | None) -> None:
    """Register (or clear, with None) the callback that starts a delivery run."""
    global _trigger
    _trigger = callback


def delivery_trigger() -> Callable[[], None] | None:
    return _trigger


def _after_commit(session) -> None:
    if not session.info.pop(_ARMED, False):
        return
    callback = _trigger
    if callback is None:
        return
    try:
        callback()
    except Exception:  # noqa: BLE001 - the cron job still delivers; never fail the caller's commit
        log.exception("could not start notification delivery")


def _after_soft_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_ARMED, None)


def wake_after_commit(session: AsyncSession) -> None:
    """Call the delivery trigger once this session's transaction commits."""
    sync_session = session.sync_session
    if _trigger is None:
        return
    sync_session.info[_ARMED] = True
    # Listeners stay registered for the session's life (removing them while SQLAlchemy
    # dispatches is not allowed); the flag decides whether a commit wakes delivery.
    if not sync_session.info.get(_INSTALLED):
        sync_session.info[_INSTALLED] = True
        event.listen(sync_session, "after_commit", _after_commit)
        event.listen(sync_session, "after_soft_rollback", _after_soft_rollback)
