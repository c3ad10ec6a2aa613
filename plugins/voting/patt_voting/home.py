"""The home-page panel: the open campaign(s) and the last result.

Contributed to the ``home_vote`` slot (the landing page's place for it, falling back to
``home``) or, on sites whose home page only has the generic ``home`` slot, there; the host
asks once per page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from sqlalchemy import select

from patt_voting import ballots, campaigns
from patt_voting.models import CampaignResult

if TYPE_CHECKING:
    from patt_host import HostAPI


SLOTS = ("home_vote", "home")


async def home_panel(request: Any, context: dict[str, Any], host: HostAPI) -> Markup | None:
    actor = context.get("actor")
    async with host.db.session() as session:
        visible = await ballots.visible_campaigns(session, actor, host.officer_level)
        live = [c for c in visible if c.status == "live"]
        closed = sorted(
            (c for c in visible if c.status in ("closed", "archived") and c.closed_at),
            key=lambda c: c.closed_at,
            reverse=True,
        )
        last = closed[0] if closed else None
        last_result = None
        if last is not None:
            last_result = await session.scalar(
                select(CampaignResult.results).where(CampaignResult.campaign_id == last.id)
            )
        turnouts = {c.id: await campaigns.turnout(session, c) for c in live}
    if not live and last is None:
        return None
    texts = host.site.texts.get("voting", {})
    parts = [f'<section class="panel vote-home"><h2>{escape(texts.get("home_title", "Vote"))}</h2>']
    for c in live:
        end = campaigns.ends_at(c)
        t = turnouts[c.id]
        parts.append(
            f'<p><a class="button small" href="/vote/{c.id}">{escape(c.title)}</a> '
            f'<span class="muted small">open until <time class="js-time" datetime="{end.isoformat()}">'
            f"{end.strftime('%b %d, %H:%M UTC')}</time> · {t.voted} of {t.eligible} voted</span></p>"
        )
    if last is not None and last_result:
        winner = last_result.get("winner") or " & ".join(last_result.get("tied") or []) or "no ballots"
        parts.append(
            f'<p class="small">Last result: <a href="/vote/{last.id}/results">{escape(last.title)}</a> — '
            f"<strong>{escape(winner)}</strong></p>"
        )
    parts.append("</section>")
    return Markup("".join(parts))


async def home_slot(slot: str, request: Any, context: dict[str, Any], host: HostAPI) -> Markup | None:
    if slot not in SLOTS or getattr(host, "db", None) is None:
        return None
    return await home_panel(request, context, host)
