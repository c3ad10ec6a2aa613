"""Drift test kit: a site with identity + guild_sync + drift, rows through the real services,
and helpers to run a scan and read the stored findings."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from sqlalchemy import select, text

from patt_drift.models import AuditIssue, AuditIssueEvent
from patt_drift.services.runner import run_scan
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import GuildRank, Player
from sv_common.identity.ranks import set_rank_override

PLUGINS = ["identity", "guild_sync", "drift"]
REALM = "test-realm"
_serial = itertools.count(1000)


class Guild:
    """Rows through the real identity services (each call commits)."""

    def __init__(self, db):
        self.db = db

    async def character(
        self, name: str, *, note: str | None = None, days_ago: float | None = 1, **fields
    ) -> int:
        login = None if days_ago is None else int((time.time() - days_ago * 86400) * 1000)
        async with self.db.session() as s:
            character, _ = await upsert_character(s, name=name, realm_slug=REALM, **fields)
            character.guild_note = note
            character.last_login_timestamp = login
            return character.id

    async def player(self, name: str, *, discord: int | None = None, rank: str | None = None) -> int:
        async with self.db.session() as s:
            player = await player_service.create_player(s, display_name=name, discord_user_id=discord)
            if rank is not None:
                rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.name == rank))
                await set_rank_override(s, player.id, rank_id)
            return player.id

    async def discord(
        self, username: str, *, roles: tuple[Any, ...] = (), present: bool = True, display: str | None = None
    ) -> int:
        async with self.db.session() as s:
            user, _ = await upsert_discord_user(
                s,
                discord_id=str(next(_serial)),
                username=username,
                display_name=display,
                role_ids=[str(r) for r in roles],
                is_present=present,
            )
            return user.id

    async def link(self, player_id: int, character_id: int) -> None:
        async with self.db.session() as s:
            await player_service.link_character(s, player_id=player_id, character_id=character_id)

    async def sql(self, statement: str, **params) -> Any:
        async with self.db.session() as s:
            return await s.execute(text(statement), params)

    async def player_row(self, player_id: int) -> Player:
        async with self.db.session() as s:
            return await s.get(Player, player_id)


@pytest.fixture
def guild(db) -> Guild:
    return Guild(db)


@pytest.fixture
async def site(make_client):
    return await make_client(plugins=PLUGINS)


@pytest.fixture
def state(site):
    return site.host.plugin_state("drift")


@pytest.fixture
def scan(state):
    async def run(**kwargs):
        return await run_scan(state, **kwargs)

    return run


@pytest.fixture
def findings(db):
    async def read(rule: str | None = None, status: str | None = None) -> list[AuditIssue]:
        async with db.session() as s:
            query = select(AuditIssue).order_by(AuditIssue.id)
            if rule:
                query = query.where(AuditIssue.issue_type == rule)
            if status:
                query = query.where(AuditIssue.status == status)
            return list((await s.scalars(query)).all())

    return read


@pytest.fixture
def history(db):
    async def read(issue_id: int) -> list[str]:
        async with db.session() as s:
            rows = await s.scalars(
                select(AuditIssueEvent.action)
                .where(AuditIssueEvent.issue_id == issue_id)
                .order_by(AuditIssueEvent.id)
            )
            return list(rows.all())

    return read
