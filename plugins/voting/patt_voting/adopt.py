"""Adopting the original's campaigns, entries, ballots, results and contest-agent log.

The original stored a ballot either as one ``rankings`` JSON row per voter (its documented
schema) or as one row per pick with its rank (what its migrations built); both become the
platform's ordered list of entry ids. Its count was the fixed 3-2-1 positional count, which
is the platform's ``points`` method with three picks, so a closed campaign is recounted by
the platform's own counter and compared with the result the original stored.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sv_common.adopt import AdoptStep, Original, StepReport, carry, count, missing

P = "guild_identity.players"


def _context_ballots(o: Original) -> str:
    # A list of entry ids (best first), or a list of {"entry_id", "rank"} objects.
    return f"""
        SELECT o.id, o.campaign_id, o.player_id, o.created_at AS cast_at,
               CASE WHEN jsonb_typeof(o.rankings) <> 'array' THEN NULL
                    WHEN (SELECT bool_and(jsonb_typeof(e) = 'number') FROM jsonb_array_elements(o.rankings) e)
                    THEN (SELECT array_agg(e::text::int ORDER BY n)
                          FROM jsonb_array_elements(o.rankings) WITH ORDINALITY AS x(e, n))
                    WHEN (SELECT bool_and(jsonb_typeof(e) = 'object' AND e ? 'entry_id') FROM jsonb_array_elements(o.rankings) e)
                    THEN (SELECT array_agg((e->>'entry_id')::int ORDER BY (e->>'rank')::int NULLS LAST)
                          FROM jsonb_array_elements(o.rankings) e)
               END AS picks,
               NULL::int[] AS ranks
        FROM {o.table("patt.votes")} o
    """


def _live_ballots(o: Original) -> str:
    return f"""
        SELECT min(o.id) AS id, o.campaign_id, o.player_id, min(o.voted_at) AS cast_at,
               array_agg(o.entry_id ORDER BY o.rank) AS picks, array_agg(o.rank ORDER BY o.rank) AS ranks
        FROM {o.table("patt.votes")} o GROUP BY o.campaign_id, o.player_id
    """


async def campaigns(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    c = "patt.campaigns"
    await carry(
        conn,
        report,
        c,
        f"""
        SELECT o.id, o.title, o.description, COALESCE(o.type, 'ranked_choice') AS type,
               COALESCE(o.picks_per_voter, 3) AS picks_per_voter, o.min_rank_to_vote, o.min_rank_to_view,
               o.start_at, o.duration_hours, COALESCE(o.status, 'draft') AS status,
               COALESCE(o.early_close_if_all_voted, true) AS early_close_if_all_voted, o.discord_channel_id,
               COALESCE({o.col(c, "agent_enabled")}, true) AS agent_enabled,
               COALESCE({o.col(c, "agent_chattiness")}, 'normal') AS agent_chattiness,
               CASE WHEN {missing(P, "o.created_by_player_id")} THEN NULL ELSE o.created_by_player_id END
                 AS created_by_player_id,
               'points' AS counting_method, true AS exact_picks, false AS allow_ballot_change,
               CASE WHEN o.status IN ('live', 'closed', 'archived') THEN o.start_at END AS activated_at,
               CASE WHEN o.status IN ('closed', 'archived')
                    THEN LEAST(o.start_at + make_interval(hours => o.duration_hours), COALESCE(o.updated_at, now()))
               END AS closed_at,
               COALESCE(o.created_at, now()) AS created_at, COALESCE(o.updated_at, now()) AS updated_at,
               o.id || ' ' || o.title AS _key,
               CASE WHEN COALESCE(o.status, 'draft') NOT IN ('draft', 'live', 'closed', 'archived')
                      THEN 'unknown status ' || o.status
                    WHEN COALESCE(o.picks_per_voter, 3) NOT BETWEEN 1 AND 50 THEN 'picks per voter outside 1..50'
                    WHEN o.duration_hours NOT BETWEEN 1 AND 8784 THEN 'duration outside 1..8784 hours'
               END AS _reason
        FROM {o.table(c)} o
        """,
    )
    report.add(
        "patt.campaigns: counting_method 'points' (the original's 3-2-1 count), exact_picks (it required every "
        "pick), no ballot changes (its ballots were final), activated_at = start_at, closed_at = the scheduled end"
    )
    report.add(
        "patt.campaigns.live_results_every = 5: live standings come in batches (the original showed every ballot)"
    )

    e = "patt.campaign_entries"
    await carry(
        conn,
        report,
        e,
        f"""
        SELECT o.id, o.campaign_id,
               CASE WHEN row_number() OVER (PARTITION BY o.campaign_id, o.name ORDER BY o.id) > 1
                    THEN left(o.name, 188) || ' (#' || o.id || ')' ELSE o.name END AS name,
               o.description, o.image_url, COALESCE(o.sort_order, 0) AS sort_order,
               CASE WHEN {missing(P, "o.player_id")} THEN NULL ELSE o.player_id END AS player_id,
               COALESCE(o.created_at, now()) AS created_at, o.id || ' ' || o.name AS _key,
               CASE WHEN {missing(c, "o.campaign_id")} OR o.campaign_id IS NULL THEN 'its campaign was not carried'
               END AS _reason
        FROM {o.table(e)} o
        """,
    )
    renamed = await count(
        conn,
        f"SELECT count(*) FROM (SELECT row_number() OVER (PARTITION BY campaign_id, name ORDER BY id) n "
        f"FROM {o.table(e)}) x WHERE n > 1",
    )
    report.convert("an entry named like another of its campaign gets ' (#id)' added", renamed)


async def ballots(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    live = o.has("patt.votes", "entry_id")
    ballots = _live_ballots(o) if live else _context_ballots(o)
    # Picks of entries outside the campaign are dropped (and duplicates kept once); the
    # original's out-of-range ranks scored nothing, so they are dropped too.
    await carry(
        conn,
        report,
        "patt.votes",
        f"""
        SELECT b.id, b.campaign_id,
               CASE WHEN {missing(P, "b.player_id")} THEN NULL ELSE b.player_id END AS player_id,
               to_jsonb(k.picks) AS rankings, COALESCE(b.cast_at, now()) AS created_at,
               COALESCE(b.cast_at, now()) AS updated_at,
               'campaign ' || b.campaign_id || ' voter ' || COALESCE(b.player_id::text, '?') AS _key,
               CASE WHEN NOT EXISTS (SELECT 1 FROM patt.campaigns c WHERE c.id = b.campaign_id)
                      THEN 'its campaign was not carried'
                    WHEN b.picks IS NULL THEN 'its rankings are not a list of entries'
                    WHEN k.picks IS NULL THEN 'none of its picks is an entry of the campaign'
               END AS _reason
        FROM ({ballots}) b
        LEFT JOIN LATERAL (
            SELECT array_agg(p.entry_id ORDER BY p.n) AS picks FROM (
                SELECT DISTINCT ON (x.entry_id) x.entry_id, x.n
                FROM unnest(b.picks, COALESCE(b.ranks, b.picks)) WITH ORDINALITY AS x(entry_id, rank, n)
                JOIN patt.campaign_entries ce ON ce.id = x.entry_id AND ce.campaign_id = b.campaign_id
                JOIN patt.campaigns cc ON cc.id = b.campaign_id
                WHERE b.ranks IS NULL OR x.rank BETWEEN 1 AND cc.picks_per_voter
                ORDER BY x.entry_id, x.n
            ) p
        ) k ON true
        """,
    )
    if live:
        odd = await count(
            conn,
            f"SELECT count(*) FROM ({ballots}) b JOIN {o.table('patt.campaigns')} c ON c.id = b.campaign_id "
            "WHERE b.ranks <> (SELECT array_agg(g) FROM generate_series(1, cardinality(b.ranks)) g)",
        )
        report.convert("one row per pick (with its rank) became one ballot per voter, picks in rank order")
        report.convert(
            "a ballot whose ranks were not 1, 2, 3 ... keeps its order (gaps and stray ranks dropped)", odd
        )
    else:
        report.convert("each voter's rankings became the platform's ordered list of entry ids")
    if live:
        dropped = await count(
            conn,
            f"SELECT count(*) FROM {o.table('patt.votes')} o WHERE NOT EXISTS (SELECT 1 FROM "
            "patt.campaign_entries ce WHERE ce.id = o.entry_id AND ce.campaign_id = o.campaign_id)",
        )
        report.convert("a pick of an entry outside its campaign was dropped", dropped)


async def results(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    # The platform's own counter, in a savepoint of the step's transaction.
    session = AsyncSession(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
    try:
        await _recount(session, conn, o, report)
        await session.commit()  # releases the savepoint; the step's transaction decides
    finally:
        await session.close()


async def _recount(session: AsyncSession, conn: AsyncConnection, o: Original, report: StepReport) -> None:
    from patt_voting.models import Campaign
    from patt_voting.services.results import store_results

    closed = (
        await session.scalars(
            select(Campaign).where(Campaign.status.in_(("closed", "archived"))).order_by(Campaign.id)
        )
    ).all()
    stored = o.table("patt.campaign_results")
    per_entry = o.has("patt.campaign_results", "entry_id")
    recounted = 0
    for campaign in closed:
        payload = await store_results(session, campaign)
        await session.flush()
        recounted += 1
        if per_entry:
            rows = (
                await conn.execute(
                    text(f"SELECT entry_id, weighted_score, final_rank FROM {stored} WHERE campaign_id = :c"),
                    {"c": campaign.id},
                )
            ).all()
            ours = {s["entry_id"]: s for s in payload["standings"]}
            differs = [
                f"entry {entry_id}"
                for entry_id, score, rank in rows
                if entry_id in ours
                and (ours[entry_id]["score"] != score or ours[entry_id]["rank"] != rank)
                and not _tied(payload, entry_id)
            ]
            if differs:
                report.convert(
                    f"campaign {campaign.id}: the recount differs from the original's stored result for "
                    + ", ".join(differs)
                )
        else:
            total = await conn.scalar(
                text(f"SELECT total_votes FROM {stored} WHERE campaign_id = :c"), {"c": campaign.id}
            )
            if total is not None and total != payload["total_ballots"]:
                report.convert(
                    f"campaign {campaign.id}: the original counted {total} ballots, the carried ballots are "
                    f"{payload['total_ballots']}"
                )
    report.carried["patt.campaign_results"] = recounted
    report.convert(
        "closed campaigns recounted by the platform's points count and checked against the stored result"
    )


def _tied(payload: dict, entry_id: int) -> bool:
    """The original broke exact ties arbitrarily; the platform lets tied entries share a rank."""
    rank = next(s["rank"] for s in payload["standings"] if s["entry_id"] == entry_id)
    return sum(1 for s in payload["standings"] if s["rank"] == rank) > 1


async def agent_log(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    t = "patt.contest_agent_log"
    message = o.col(t, "message", o.col(t, "message_sent"))
    at = o.col(t, "posted_at", o.col(t, "created_at", "now()"))
    await carry(
        conn,
        report,
        t,
        f"""
        SELECT o.id, o.campaign_id, o.event_type, {message} AS message_sent, o.discord_message_id,
               COALESCE({at}, now()) AS created_at, o.id AS _key,
               CASE WHEN {missing("patt.campaigns", "o.campaign_id")} OR o.campaign_id IS NULL
                      THEN 'its campaign was not carried'
                    WHEN o.event_type <> 'lead_change' AND row_number() OVER (
                         PARTITION BY o.campaign_id, o.event_type ORDER BY o.id) > 1
                      THEN 'a repeat of a milestone that is posted once'
               END AS _reason
        FROM {o.table(t)} o
        """,
    )
    if o.has(t, "message"):
        report.convert("contest_agent_log.message -> message_sent, posted_at -> created_at")


def steps() -> list[AdoptStep]:
    return [
        AdoptStep("voting.campaigns", ("patt.campaigns", "patt.campaign_entries"), campaigns),
        AdoptStep("voting.ballots", ("patt.votes",), ballots),
        AdoptStep("voting.results", ("patt.campaign_results",), results),
        AdoptStep("voting.agent_log", ("patt.contest_agent_log",), agent_log),
    ]
