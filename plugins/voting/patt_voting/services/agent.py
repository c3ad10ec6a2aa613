"""The contest agent: Discord posts at a campaign's milestones, through the notification outbox.

Fixes over the original (behaviour reference §12, §23.2):

- every due milestone is posted in its natural order in the same pass (no one-per-cycle
  priority that let "launch" come after "25 %");
- quiet campaigns still announce the result when they close because everyone voted;
- the leader is a column on every log row, so the first lead change is detected;
- posts go through ``sv_common.notify`` (durable, retried by the delivery worker) instead
  of being logged as done when Discord failed;
- each milestone is written once: a unique index on (campaign, milestone) plus the
  outbox's dedupe key, so two workers never post it twice;
- links use the configured base URL; texts come from the site package.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.models import Campaign, ContestAgentLog
from patt_voting.services import campaigns
from patt_voting.services.results import live_standings, stored_results
from sv_common import notify
from sv_common.discord.config import load_discord_config
from sv_common.notify.models import NotificationOutbox

if TYPE_CHECKING:
    from patt_host import HostAPI


ORDER = (
    "campaign_launch",
    "first_vote",
    "milestone_25",
    "milestone_50",
    "milestone_75",
    "final_stretch",
    "last_call",
    "all_voted",
    "campaign_closed",
)
CHATTINESS = {
    "quiet": {"campaign_launch", "campaign_closed"},
    "normal": {
        "campaign_launch",
        "first_vote",
        "milestone_50",
        "final_stretch",
        "last_call",
        "all_voted",
        "campaign_closed",
    },
    "hype": {*ORDER, "lead_change"},
}
# Launch up to last call: not posted once the campaign has closed (a launch post would invite
# votes to a closed campaign).
LIVE_ONLY = set(ORDER[: ORDER.index("last_call") + 1])

# Neutral defaults; a site package overrides them in ``site.texts["voting"]["agent"]``
# (a list of variants per milestone, Python format strings with the placeholders below).
DEFAULT_TEXTS: dict[str, list[str]] = {
    "campaign_launch": ["Voting is open: **{title}**. Rank your favourites by {close_date}: {vote_url}"],
    "first_vote": ["The first ballot is in for **{title}**! {vote_url}"],
    "milestone_25": ["A quarter of you have voted in **{title}** ({voted_count}/{total_count})."],
    "milestone_50": ["Half-way: {voted_count} of {total_count} have voted in **{title}**. {vote_url}"],
    "milestone_75": ["Three quarters in: {remaining_count} still to vote in **{title}**. {vote_url}"],
    "final_stretch": ["Less than a day left in **{title}** (closes {close_date}). {vote_url}"],
    "last_call": ["Last call! **{title}** closes within the hour. {vote_url}"],
    "all_voted": ["Everyone has voted in **{title}**!"],
    "lead_change": ["New leader in **{title}**: {new_leader} takes over from {old_leader}."],
    "campaign_closed": [
        "**{title}** is closed. Winner: **{winner}** ({total_voters} ballots). {results_url}"
    ],
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def texts_for(host: HostAPI) -> dict[str, list[str]]:
    site_texts = (host.site.texts.get("voting") or {}).get("agent") or {}
    return {event: list(site_texts.get(event) or DEFAULT_TEXTS[event]) for event in DEFAULT_TEXTS}


def render_text(host: HostAPI, campaign: Campaign, event: str, values: dict[str, Any]) -> str:
    variants = texts_for(host)[event]
    # Stable per campaign and milestone, so a retried pass writes the same words.
    choice = random.Random(f"{campaign.id}:{event}:{values.get('sequence', 0)}").choice(variants)
    return choice.format_map(_Blank(values))[:1900]


NOTHING_PUBLISHED: dict[str, Any] = {
    "total_ballots": 0,
    "standings": [],
    "winner": None,
    "tied": [],
    "entries": [],
}


def _leader(standings: dict[str, Any]) -> tuple[int | None, str | None, Any]:
    """The unique leader of the current count (None while nobody voted or first place is shared)."""
    if not standings["total_ballots"]:
        return None, None, 0
    firsts = [s for s in standings["standings"] if s["rank"] == 1]
    if len(firsts) != 1:
        return None, None, 0
    top = firsts[0]
    return top["entry_id"], top["candidate"], top["score"]


async def _channel(session: AsyncSession, campaign: Campaign) -> str | None:
    if campaign.discord_channel_id:
        return campaign.discord_channel_id
    config = await load_discord_config(session)
    return config.default_announcement_channel_id or None


def _due(campaign: Campaign, turnout: campaigns.Turnout, now: datetime) -> list[str]:
    left = campaigns.ends_at(campaign) - now
    live = campaign.status == "live"
    conditions = {
        "campaign_launch": campaign.activated_at is not None,
        "first_vote": turnout.voted >= 1,
        # Progress, not turnout: with voters demoted since launch, "all voted" comes at 100 %
        # progress, so the quarters are all due by then and still post in order.
        "milestone_25": turnout.progress >= 25,
        "milestone_50": turnout.progress >= 50,
        "milestone_75": turnout.progress >= 75,
        # Only for campaigns longer than the window, or they would fire at launch.
        "final_stretch": campaign.duration_hours > 24 and left <= timedelta(hours=24),
        "last_call": campaign.duration_hours > 1 and left <= timedelta(hours=1),
        "all_voted": turnout.all_voted,
        "campaign_closed": campaign.status in ("closed", "archived"),
    }
    return [e for e in ORDER if conditions[e] and (live or e not in LIVE_ONLY)]


async def _record(
    session: AsyncSession,
    host: HostAPI,
    campaign: Campaign,
    channel: str,
    event: str,
    values: dict[str, Any],
    leader_id: int | None,
    dedupe: str,
) -> bool:
    """Claim the milestone (unique row), then queue the post in the same transaction."""
    text = render_text(host, campaign, event, values)
    claimed = await session.scalar(
        insert(ContestAgentLog)
        .values(campaign_id=campaign.id, event_type=event, message_sent=text, leader_entry_id=leader_id)
        .on_conflict_do_nothing()
        .returning(ContestAgentLog.id)
    )
    if claimed is None:
        return False
    row = await notify.post_channel(
        session, channel_id=channel, content=text, feature="contest", dedupe_key=dedupe
    )
    log_row = await session.get(ContestAgentLog, claimed)
    log_row.notification_id = row.id
    return True


async def run_for_campaign(
    session: AsyncSession, host: HostAPI, campaign: Campaign, now: datetime
) -> list[str]:
    """Post every milestone of ``campaign`` that is due and not yet posted, in order."""
    channel = await _channel(session, campaign)
    if channel is None:
        return []
    enabled = CHATTINESS.get(campaign.agent_chattiness, CHATTINESS["normal"])
    logged_rows = (
        await session.execute(
            select(ContestAgentLog.event_type, ContestAgentLog.leader_entry_id)
            .where(ContestAgentLog.campaign_id == campaign.id)
            .order_by(ContestAgentLog.id)
        )
    ).all()
    logged = {event for event, _ in logged_rows}
    previous_leader = next((lid for _, lid in reversed(logged_rows) if lid is not None), None)
    turnout = await campaigns.turnout(session, campaign)
    # While live, the published (batched) standings, like every viewer's: a post right after a
    # ballot must not reveal it either; none published yet means no leader to name. Once closed,
    # the stored final result.
    if campaign.status == "live":
        standings = await live_standings(session, campaign) or NOTHING_PUBLISHED
    else:
        standings = await stored_results(session, campaign)
    leader_id, leader_name, leader_score = _leader(standings)
    base = host.settings.public_base_url
    end = campaigns.ends_at(campaign)
    top = standings["standings"]
    values: dict[str, Any] = {
        "title": campaign.title,
        "description": campaign.description or "",
        "vote_url": f"{base}/vote/{campaign.id}",
        "results_url": f"{base}/vote/{campaign.id}/results",
        "close_date": end.strftime("%b %d at %H:%M UTC"),
        "voted_count": turnout.voted,
        # Out of the voters who can still vote or did, matching the milestones.
        "total_count": turnout.voted + turnout.remaining,
        "remaining_count": turnout.remaining,
        "percent": turnout.progress,
        "leader_name": leader_name or "nobody yet",
        "leader_score": leader_score,
        "winner": standings["winner"] or (" & ".join(standings["tied"]) or "no winner"),
        "total_voters": standings["total_ballots"],
    }
    for place, key in enumerate(("first", "second", "third")):
        entry = top[place] if place < len(top) and standings["total_ballots"] else None
        values[f"{key}_name"] = entry["candidate"] if entry else "Unknown"
        values[f"{key}_score"] = entry["score"] if entry else 0

    posted: list[str] = []
    for event in _due(campaign, turnout, now):
        if event in logged or event not in enabled:
            continue
        if await _record(
            session, host, campaign, channel, event, values, leader_id, f"voting:{campaign.id}:{event}"
        ):
            posted.append(event)
    # A lead change: a new unique leader while live, compared with the last recorded one.
    if (
        campaign.status == "live"
        and leader_id is not None
        and previous_leader is not None
        and leader_id != previous_leader
    ):
        changes = sum(1 for event, _ in logged_rows if event == "lead_change")
        old_name = next((e["name"] for e in standings["entries"] if e["id"] == previous_leader), "Unknown")
        lead_values = values | {"new_leader": leader_name, "new_score": leader_score, "old_leader": old_name}
        lead_values["sequence"] = changes + 1
        if "lead_change" in enabled:
            if await _record(
                session,
                host,
                campaign,
                channel,
                "lead_change",
                lead_values,
                leader_id,
                f"voting:{campaign.id}:lead_change:{changes + 1}",
            ):
                posted.append("lead_change")
        else:
            # Not announced at this chattiness, but remembered so a later switch does not replay it.
            await session.execute(
                insert(ContestAgentLog).values(
                    campaign_id=campaign.id, event_type="lead_change", leader_entry_id=leader_id
                )
            )
    return posted


# A result not announced within this time (no channel configured yet, worker down) is old news.
ANNOUNCE_RESULTS_WITHIN = timedelta(days=7)


async def run_agent(session: AsyncSession, host: HostAPI, now: datetime | None = None) -> dict[str, int]:
    """One pass over live campaigns and recently closed ones whose result is not announced yet."""
    now = now or campaigns.now_utc()
    announced = select(ContestAgentLog.campaign_id).where(ContestAgentLog.event_type == "campaign_closed")
    unannounced = (
        (Campaign.status == "closed")
        & (Campaign.closed_at >= now - ANNOUNCE_RESULTS_WITHIN)
        & Campaign.id.not_in(announced)
    )
    rows = (
        await session.scalars(
            select(Campaign)
            .where(Campaign.agent_enabled, (Campaign.status == "live") | unannounced)
            .order_by(Campaign.id)
        )
    ).all()
    counts = {"campaigns": len(rows), "posts": 0}
    for campaign in rows:
        # The row lock serialises agents on one campaign (several workers): the second one
        # waits, then sees the milestones the first one logged. FOR NO KEY UPDATE, not FOR
        # UPDATE: ballots take KEY SHARE on the campaign and must not wait for the whole pass.
        await session.refresh(campaign, with_for_update={"key_share": True})
        counts["posts"] += len(await run_for_campaign(session, host, campaign, now))
    return counts


async def agent_log(session: AsyncSession, campaign_id: int) -> list[dict[str, Any]]:
    """What the agent posted for a campaign, with each post's delivery status (officers' view)."""
    rows = await session.execute(
        select(ContestAgentLog, NotificationOutbox.status, NotificationOutbox.discord_message_id)
        .outerjoin(NotificationOutbox, NotificationOutbox.id == ContestAgentLog.notification_id)
        .where(ContestAgentLog.campaign_id == campaign_id, ContestAgentLog.message_sent.is_not(None))
        .order_by(ContestAgentLog.id)
    )
    return [
        {
            "event": log.event_type,
            "message": log.message_sent,
            "status": status,
            "discord_message_id": message_id,
            "created_at": log.created_at,
        }
        for log, status, message_id in rows
    ]


async def count_posts(session: AsyncSession, campaign_id: int) -> int:
    return await session.scalar(
        select(func.count()).where(
            ContestAgentLog.campaign_id == campaign_id, ContestAgentLog.message_sent.is_not(None)
        )
    )
