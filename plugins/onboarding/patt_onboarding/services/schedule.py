"""The raid-schedule line of the welcome DM and of the "you're set up" message: the
``schedule_summary`` hook's answer (the raids plugin: the real weekly nights), else the site's
``schedule`` text (a site without raids, or raids with no public night)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("patt.onboarding")


async def schedule_line(host: Any, words: dict[str, str]) -> str:
    """One line, or "" when nobody answers and the site has no text. A plugin that fails to
    answer is logged and the site's text is used: the line never stops a welcome."""
    try:
        # Its own session: a failed query must not abort the caller's transaction.
        async with host.db.session() as session:
            summary = await host.hooks.schedule_summary(session)
    except Exception:
        log.exception("the schedule_summary hook failed; the site's schedule text is used")
        summary = None
    return summary or words["schedule"]
