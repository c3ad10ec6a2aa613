"""Bulk apply benchmark: an adoption brings ~300 matching suggestions at once; an officer
applies them in one action (`POST /api/v1/admin/matching/suggestions/apply`).

Target (issue #23): 300 suggestions applied in one request in < 2 s, in one transaction,
rows that cannot be applied reported one by one. Results go to docs/performance.md
("Matching: bulk apply").
"""

from __future__ import annotations

import os
import time

import psutil
import pytest
from perf_report import record
from sqlalchemy import func, insert, select

from sv_common.auth.service import create_invite, register_with_invite
from sv_common.identity import matching
from sv_common.identity import players as player_service
from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    LinkSuggestion,
    PlayerCharacter,
    Specialization,
    WowCharacter,
)
from sv_common.identity.ranks import set_rank_override

pytestmark = pytest.mark.bench

SUGGESTIONS = 300
PLAYERS = 100  # a third of the suggestions point at existing players (by name), the rest at Discord users
PASSWORD = "correct horse battery"


async def adopted_guild(db) -> None:
    """300 unlinked characters whose notes name a player (100) or a Discord user (200)."""
    async with db.session() as s:
        specs = (await s.execute(select(Specialization.id, Specialization.class_id))).all()
        member = await s.scalar(select(GuildRank.id).where(GuildRank.name == "Member"))
        for i in range(PLAYERS):
            player = await player_service.create_player(s, display_name=f"Adoptee{i:03d}")
            await set_rank_override(s, player.id, member)
        await s.execute(
            insert(DiscordUser),
            [
                {"discord_id": str(10**17 + i), "username": f"newcomer{i:03d}", "is_present": True}
                for i in range(SUGGESTIONS - PLAYERS)
            ],
        )
        await s.execute(
            insert(WowCharacter),
            [
                {
                    "character_name": f"Adopt{i:04d}",
                    "realm_slug": "bench-realm",
                    "class_id": specs[i % len(specs)][1],
                    "level": 80,
                    "guild_note": (
                        f"Adoptee{i:03d} alt" if i < PLAYERS else f"newcomer{i - PLAYERS:03d}'s main"
                    ),
                }
                for i in range(SUGGESTIONS)
            ],
        )
        report = await matching.run_matching(s, rules=matching.rule_set(), auto_apply=False)
        assert report.created == SUGGESTIONS and report.ambiguous == 0


async def test_three_hundred_suggestions_in_one_action(db, make_client):
    await adopted_guild(db)
    async with db.session() as s:
        # The guild leader applies them (no ceiling refusals in the way of the timing).
        leader = await player_service.create_player(s, display_name="Leader")
        await set_rank_override(
            s, leader.id, await s.scalar(select(GuildRank.id).where(GuildRank.name == "Guild Leader"))
        )
        code = (await create_invite(s, player_id=leader.id)).code
        await register_with_invite(s, code=code, username="leader", password=PASSWORD)
        ids = list(await s.scalars(select(LinkSuggestion.id).order_by(LinkSuggestion.id)))
        # One of them decided elsewhere meanwhile: reported, not fatal.
        await matching.reject_suggestion(s, ids[7], decided_by="Another officer")
    client = await make_client(plugins=["identity"])
    login = await client.post("/api/v1/auth/login", json={"username": "leader", "password": PASSWORD})
    assert login.status_code == 200

    load = os.getloadavg()[0]
    started = time.perf_counter()
    response = await client.post("/api/v1/admin/matching/suggestions/apply", json={"suggestion_ids": ids})
    seconds = time.perf_counter() - started
    data = client.data(response)
    assert len(data["applied"]) == SUGGESTIONS - 1
    assert data["errors"] == [{"suggestion_id": ids[7], "message": "That suggestion was already rejected."}]
    async with db.session() as s:
        linked = await s.scalar(select(func.count()).select_from(PlayerCharacter))
    assert linked == SUGGESTIONS - 1

    record(
        "Matching: bulk apply",
        f"""
`tests/bench/test_matching_bench.py`: {SUGGESTIONS} pending suggestions (an adoption: {PLAYERS} notes naming
existing players, {SUGGESTIONS - PLAYERS} naming Discord users who get a player each) applied by one officer
request through the real app (in-process ASGI client, the test PostgreSQL). One already rejected suggestion
among them is reported in `errors`; the other {SUGGESTIONS - 1} commit in one transaction, written set-based
(a fixed number of statements: players for the Discord users, links, aliases, decisions, ranks). Load average at the start: {load:.1f} on {psutil.cpu_count()} cores (a shared machine).

| measure | target | measured |
|---|---|---|
| `POST /api/v1/admin/matching/suggestions/apply`, {SUGGESTIONS} ids | < 2 s | {seconds * 1000:.0f} ms |
| per suggestion | – | {seconds / SUGGESTIONS * 1000:.1f} ms |
""",
    )
    assert seconds < 2.0, f"{seconds:.2f} s for {SUGGESTIONS} suggestions"
