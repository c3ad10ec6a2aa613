"""Races between ballots, closing and the contest agent, made deterministic with row locks.

Each test holds one transaction open at a known point and waits (on pg_locks, not on a
clock) until the other side is blocked behind it, then lets it go.
"""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from patt_host.testing.waiting import eventually
from patt_voting.models import Campaign, CampaignResult, Vote
from patt_voting.services import ballots, lifecycle
from patt_voting.services.agent import run_agent
from sv_common.auth import Actor
from sv_common.errors import Conflict


def actor_for(voter) -> Actor:
    return Actor(user_id=voter.user_id, player_id=voter.player_id, display_name="v", rank_level=2)


async def vote(db, campaign, voter, entry_id):
    """One ballot in its own transaction (committed on return)."""
    async with db.session() as s:
        return await ballots.cast_ballot(s, campaign["id"], actor_for(voter), [entry_id], officer_level=4)


async def someone_waits_for_a_lock(db) -> bool:
    async with db.session() as s:
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(await s.scalar(waiting))


async def test_a_ballot_racing_the_close_is_counted_or_refused_never_lost(api, officer, members, db):
    campaign = await officer.campaign(counting_method="points", picks_per_voter=1)
    voter = await members.add("Member")
    entry = campaign["entries"][0]["id"]

    async with db.session() as closing:
        await lifecycle.close(closing, campaign["id"])  # holds the campaign row until commit
        ballot = asyncio.create_task(vote(db, campaign, voter, entry))
        await eventually(lambda: someone_waits_for_a_lock(db))  # the ballot read "live" and now waits
    try:
        await ballot
        accepted = True
    except Conflict as exc:
        assert exc.code == "campaign_not_live"
        accepted = False
    async with db.session() as s:
        stored = await s.scalar(select(Vote.id).where(Vote.campaign_id == campaign["id"]))
        counted = await s.scalar(
            select(CampaignResult.total_votes).where(CampaignResult.campaign_id == campaign["id"])
        )
    # Either way the stored result agrees with the ballots in the table.
    assert (stored is not None, counted) == ((True, 1) if accepted else (False, 0))


async def test_a_close_waits_for_a_ballot_in_flight_and_counts_it(api, officer, members, db):
    campaign = await officer.campaign(counting_method="points", picks_per_voter=1)
    voter = await members.add("Member")
    entry = campaign["entries"][1]["id"]

    async def close():
        async with db.session() as s:
            return (await lifecycle.close(s, campaign["id"])).status

    async with db.session() as voting:
        await ballots.cast_ballot(voting, campaign["id"], actor_for(voter), [entry], officer_level=4)
        closing = asyncio.create_task(close())
        await eventually(lambda: someone_waits_for_a_lock(db))  # the close waits for the ballot
    assert await closing == "closed"
    async with db.session() as s:
        result = await s.scalar(select(CampaignResult).where(CampaignResult.campaign_id == campaign["id"]))
        assert result.total_votes == 1 and result.results["winner"] == "Birch"
        assert await s.scalar(select(func.count()).where(Vote.campaign_id == campaign["id"])) == 1


async def test_the_scheduler_does_not_close_again_what_an_officer_just_closed(api, officer, db):
    campaign = await officer.campaign()
    async with db.session() as scheduler:
        # The scheduler's pass has read the live campaigns (as due_transitions does) ...
        assert (await scheduler.get(Campaign, campaign["id"])).status == "live"
        # ... when an officer's close commits.
        async with db.session() as s:
            await lifecycle.close(s, campaign["id"], reason="officer")
        try:
            await lifecycle.close(scheduler, campaign["id"], reason="schedule")
            closed_twice = True
        except Conflict as exc:
            assert exc.code == "campaign_not_live"
            closed_twice = False
    async with db.session() as s:
        assert (await s.get(Campaign, campaign["id"])).close_reason == "officer"
    assert not closed_twice  # the lock re-reads the row: the second close sees "closed"


async def test_ballots_do_not_wait_for_the_contest_agents_pass(api, officer, members, db, text_channel):
    """The agent locks each campaign against other agents for its whole pass (counting every
    live campaign); ballots must not queue behind that lock."""
    campaign = await officer.campaign(discord_channel_id=text_channel)
    voter = await members.add("Member")
    entry = campaign["entries"][0]["id"]

    async with db.session() as agent:
        assert (await run_agent(agent, api.host))["posts"] == 1  # the launch; the row stays locked
        ballot = asyncio.create_task(vote(db, campaign, voter, entry))
        await eventually(lambda: ballot.done() or someone_waits_for_a_lock(db))
        assert ballot.done(), "the ballot waited for the agent's transaction"
    assert (await ballot)["changed"] is False


async def test_the_scheduler_pass_survives_an_officer_closing_the_same_campaign(api, officer, db):
    ended = await officer.campaign(title="Ended")
    due = await officer.campaign(activate=False, title="Due", start_at=datetime.now(UTC).isoformat())
    later = datetime.now(UTC) + timedelta(hours=100)  # "Ended" is past its end, "Due" may start

    async def scheduler():
        async with db.session() as s:
            return await lifecycle.due_transitions(s, later)

    async with db.session() as closing:
        await lifecycle.close(closing, ended["id"], reason="officer")
        job = asyncio.create_task(scheduler())
        await eventually(lambda: someone_waits_for_a_lock(db))  # the job read "live" and waits
    counts = await job  # the officer's close won: the job skips it instead of failing the pass
    assert counts["activated"] == 1 and counts["closed"] == 0
    statuses = {
        c["title"]: (c["status"], c["close_reason"]) for c in await officer.call("GET", "/api/v1/campaigns")
    }
    assert statuses == {"Ended": ("closed", "officer"), "Due": ("live", None)}
    assert due["id"]
