"""End to end: the addon in Lua 5.1 -> the game's SavedVariables file -> patt-companion -> a running
site (real app, real PostgreSQL) -> notes on the characters; with the site down, the export waits in
the queue and is delivered once when the site is back (on the same port).
"""

import asyncio
import threading
import time

import pytest
from fake_site import wait_until
from sqlalchemy import func, select
from wow_sim import WowClient, expected_name, make_roster

from patt_companion.client import SiteClient
from patt_companion.queue import UploadQueue
from patt_companion.sync import Companion
from patt_companion.watch import watch
from patt_guild_sync.models import SOURCE_ADDON, SyncLog
from patt_guild_sync.services.apikeys import create_api_key
from patt_host.testing import eventually
from patt_host.testing.live import LiveServer
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import WowCharacter

# The guild's realm and a connected one, as Blizzard names them and as the game writes them.
REALMS = {"Sen'jin": "senjin", "Zul'jin": "zuljin"}
GUILD_SIZE = 500


async def notes(db) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    async with db.session() as s:
        rows = await s.execute(
            select(
                WowCharacter.character_name,
                WowCharacter.realm_slug,
                WowCharacter.guild_note,
                WowCharacter.officer_note,
            )
        )
        return {(n, r): (g, o) for n, r, g, o in rows.all()}


async def addon_uploads(db) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(SyncLog).where(SyncLog.source == SOURCE_ADDON))


def expected_notes(roster) -> dict[tuple[str, str], tuple[str, str]]:
    result = {}
    for member in roster:
        name, realm = expected_name(member)
        result[(name, REALMS[realm])] = (member["note"], member["officerNote"])
    return result


def play_session(path, roster, now):
    client = WowClient(path if path.exists() else None, roster=roster, now=now)
    client.slash("force")
    client.advance(1)
    client.logout(path)


@pytest.fixture
async def guild(db):
    """The guild's characters as the Blizzard sync would have stored them (no notes yet)."""
    roster = make_roster(GUILD_SIZE, realms=list(REALMS))
    async with db.session() as s:
        for member in roster:
            name, realm = expected_name(member)
            await upsert_character(
                s, name=name, realm_slug=REALMS[realm], realm_name=realm, level=member["level"]
            )
        await s.commit()
    return roster


@pytest.fixture
async def api_key(db):
    async with db.session() as s:
        key = (await create_api_key(s, name="e2e companion")).key
        await s.commit()
    return key


async def test_addon_to_site_and_queued_through_an_outage(db, guild, api_key, make_host, tmp_path):
    site_host = make_host(plugins=["identity", "guild_sync"])
    server = LiveServer(site_host).start()
    saved = tmp_path / "WoW" / "_retail_" / "WTF" / "Account" / "ACC" / "SavedVariables" / "PATTSync.lua"
    now = int(time.time())
    play_session(saved, guild, now)

    queue_path = tmp_path / "companion" / "queue.sqlite3"
    site_url = server.url
    stop = threading.Event()
    messages: list[str] = []

    def run_companion():  # as `patt-companion watch` runs it, in its own thread
        queue = UploadQueue(queue_path, backoff_base=0.2, backoff_max=1.0)
        companion = Companion(queue, lambda: SiteClient(site_url, api_key, timeout=5))
        try:
            watch(companion, [saved], stop=stop, poll_interval=0.2, notify=messages.append)
        finally:
            queue.close()

    watcher = threading.Thread(target=run_companion)
    watcher.start()
    try:
        # 1. The export reaches the site: every note on its character.
        want = expected_notes(guild)
        await eventually(lambda: _matches(db, want), timeout=30)
        assert await addon_uploads(db) == 1

        # 2. The site goes down; the next session's export waits in the queue.
        server.stop()
        changed = make_roster(GUILD_SIZE, realms=list(REALMS), tag=" (v2)")
        play_session(saved, changed, now + 3600)
        await asyncio.to_thread(
            wait_until, lambda: any(u.attempts >= 2 and u.state == "pending" for u in _recent(queue_path)), 30
        )
        assert "cannot reach" in _recent(queue_path)[0].last_error

        # 3. The site is back on the same address: the export is delivered, once.
        server = LiveServer(make_host(plugins=["identity", "guild_sync"]), port=server.port).start()
        await eventually(lambda: _matches(db, expected_notes(changed)), timeout=30)
        await asyncio.to_thread(wait_until, lambda: _recent(queue_path)[0].state == "sent", 30)
        companion_check = Companion(UploadQueue(queue_path), lambda: SiteClient(server.url, api_key))
        assert companion_check.deliver() == []  # nothing left to send, even from a fresh start
        companion_check.queue.close()
    finally:
        stop.set()
        watcher.join(10)
        server.stop()
    assert await addon_uploads(db) == 2  # one per export: nothing was sent twice
    assert saved.exists()  # the game's file stays where the game wrote it
    assert any("sent" in m for m in messages)


def _recent(queue_path):
    # The watcher thread has its own connection; read through a separate one.
    reader = UploadQueue(queue_path)
    try:
        return reader.recent(5)
    finally:
        reader.close()


async def _matches(db, want) -> bool:
    have = await notes(db)
    return all(have.get(k) == v for k, v in want.items())
