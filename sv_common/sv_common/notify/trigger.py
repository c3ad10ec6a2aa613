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
_ARMED = "patt_notify_after_commit"


def set_delivery_trigger(callback: Callable[[], None] | None) -> None:
    """Register (or clear, with None) the callback that starts a delivery run."""
    global _trigger
    _trigger = callback


def delivery_trigger() -> Callable[[], None] | None:
    return _trigger


def wake_after_commit(session: AsyncSession) -> None:
    """Call the delivery trigger once this session's transaction commits."""
    sync_session = session.sync_session
    if _trigger is None or sync_session.info.get(_ARMED):
        return
    sync_session.info[_ARMED] = True

    def disarm(_session) -> None:
        _session.info.pop(_ARMED, None)
        for name, fn in (("after_commit", after_commit), ("after_soft_rollback", after_rollback)):
            if event.contains(_session, name, fn):
                event.remove(_session, name, fn)

    def after_commit(_session) -> None:
        disarm(_session)
        callback = _trigger
        if callback is None:
            return
        try:
            callback()
        except Exception:  # noqa: BLE001 - the cron job still delivers; never fail the caller's commit
            log.exception("could not start notification delivery")

    def after_rollback(_session, _previous_transaction=None) -> None:
        disarm(_session)

    event.listen(sync_session, "after_commit", after_commit)
    event.listen(sync_session, "after_soft_rollback", after_rollback)
