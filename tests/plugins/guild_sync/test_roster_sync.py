"""The roster sync against the fake Battle.net: safety rules, identity keys, retries, 304s."""

from __future__ import annotations

import asyncio
import copy
import json
import time

import pytest
from sqlalchemy import func, select, text

from patt_guild_sync.models import AddonApiKey, CharacterSyncState, SyncLog
from patt_host.jobs import run_job
from patt_host.testing.waiting import eventually
from sv_common.identity.models import GuildRank, PlayerCharacter, Specialization, WowCharacter
from sv_common.testing.fake_battlenet import RECORDED_GUILD, RECORDED_REALM, FakeCharacter, recorded

REALM, GUILD = "test-realm", "test-guild"  # as blizzard_env configures them
JOB = "guild_sync.sync_roster"


async def sync(site, **kwargs):
    run = await run_job(site.host, JOB, trigger="manual", triggered_by="test", kwargs=kwargs)
    async with site.host.db.session() as s:
        log = await s.scalar(select(SyncLog).order_by(SyncLog.id.desc()).limit(1))
    return run, log


async def triggered_sync_done(site, runs: int = 1) -> dict:
    """The status once ``runs`` Blizzard runs are listed and the newest has ended. The status
    reads the runs and the running one in two queries, so a run ending between them showed
    up "running" in the list with nothing running: wait for the list to agree too."""

    async def finished():
        data = site.data(await site.get("/api/v1/admin/guild-sync/status"))
        done = len(data["runs"]) >= runs and data["running"] is None
        return data if done and data["runs"][0]["status"] != "running" else None

    return await eventually(finished, timeout=30)


async def characters(db, *, active_only=True):
    async with db.session() as s:
        query = select(WowCharacter).order_by(WowCharacter.id)
        if active_only:
            query = query.where(WowCharacter.removed_at.is_(None))
        return (await s.scalars(query)).all()


async def owned(db, arrange, fake_member):
    """Give the synced character of ``fake_member`` an owner; returns (character id, owner)."""
    async with db.session() as s:
        character_id = await s.scalar(
            select(WowCharacter.id).where(WowCharacter.blizzard_character_id == fake_member.blizzard_id)
        )
    owner = await arrange.account("Member")
    await arrange.link(owner.player_id, character_id)
    return character_id, owner


@pytest.fixture
def guild(battlenet):
    guild = battlenet.generate_guild(REALM, GUILD, 20)
    return guild


async def test_first_sync_creates_characters_with_profile_fields(synced_site, guild, db, recorder):
    run, log = await sync(synced_site)
    assert run.status == "succeeded", run.error
    assert (log.status, log.characters_found, log.characters_new) == ("success", 20, 20)
    rows = await characters(db)
    assert len(rows) == 20
    first = guild.members[1]
    row = next(r for r in rows if r.blizzard_character_id == first.blizzard_id)
    assert (row.character_name, row.realm_slug, row.item_level, row.level) == (
        first.name,
        REALM,
        first.item_level,
        80,
    )
    assert row.class_id == first.class_id and row.active_spec_id is not None
    async with db.session() as s:
        officer_rank = await s.scalar(select(GuildRank.id).where(GuildRank.wow_rank_index == first.rank))
    assert row.guild_rank_id == officer_rank
    assert len(recorder.named("character.joined")) == 20
    assert recorder.named("roster.synced")[0]["new"] == 20


async def test_empty_or_failed_roster_removes_nobody(synced_site, guild, battlenet, db):
    await sync(synced_site)
    battlenet.empty_roster()
    run, log = await sync(synced_site)
    assert run.status == "failed" and log.status == "failed"
    assert "empty roster" in log.error_message
    battlenet.empty_roster(False)
    battlenet.roster_status = 500
    run, log = await sync(synced_site)
    assert log.status == "failed" and "nobody changed" in log.error_message
    battlenet.roster_status = 404
    run, log = await sync(synced_site)
    assert log.status == "failed"
    assert len(await characters(db)) == 20


async def test_more_than_the_guard_share_gone_waits_for_confirmation(
    synced_site, guild, battlenet, db, arrange, log_in
):
    await sync(synced_site)
    gone = [m.name for m in guild.members[:5]]  # 25 % > 20 %
    for name in gone:
        battlenet.remove_member(REALM, GUILD, name)
    run, log = await sync(synced_site)
    assert log.status == "awaiting_confirmation"
    assert len(await characters(db)) == 20  # nobody removed yet
    officer = await arrange.account("Officer")
    await log_in(synced_site, officer)
    status = synced_site.data(await synced_site.get("/api/v1/admin/guild-sync/status"))
    assert status["pending_removal"]["count"] == 5
    assert sorted(c["name"] for c in status["pending_removal"]["characters"]) == sorted(gone)
    confirmed = await synced_site.post(f"/api/v1/admin/guild-sync/removals/{log.id}/confirm")
    assert synced_site.data(confirmed)["removed"] == 5
    assert len(await characters(db)) == 15
    again = await synced_site.post(f"/api/v1/admin/guild-sync/removals/{log.id}/confirm")
    assert again.status_code == 409


async def test_a_few_gone_are_removed_and_a_returning_character_keeps_its_links(
    synced_site, guild, battlenet, db, arrange, recorder
):
    await sync(synced_site)
    leaver = guild.members[3]
    character_id, owner = await owned(db, arrange, leaver)
    battlenet.remove_member(REALM, GUILD, leaver.name)
    _, log = await sync(synced_site)
    assert (log.status, log.characters_removed) == ("success", 1)
    assert [e["character_id"] for e in recorder.named("character.left")] == [character_id]
    guild.members.append(leaver)  # comes back
    _, log = await sync(synced_site)
    async with db.session() as s:
        row = await s.get(WowCharacter, character_id)
        link = await s.scalar(
            select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
        )
    assert row.removed_at is None and link == owner.player_id
    assert any(e["returning"] for e in recorder.named("character.joined"))


async def test_a_404_profile_keeps_the_character_as_unavailable(synced_site, guild, battlenet, db):
    await sync(synced_site)
    hidden = guild.members[2]
    battlenet.set_profile_missing(REALM, hidden.name)
    _, log = await sync(synced_site, full=True)
    assert log.unavailable == 1 and log.characters_removed == 0
    async with db.session() as s:
        row = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == hidden.blizzard_id)
        )
        state = await s.get(CharacterSyncState, row.id)
    assert row.removed_at is None
    assert state.profile_status == "unavailable"


async def test_a_rename_and_realm_transfer_keep_the_row_and_its_links(
    synced_site, guild, battlenet, db, arrange, recorder
):
    await sync(synced_site)
    member = guild.members[4]
    character_id, owner = await owned(db, arrange, member)
    old_name = member.name
    battlenet.rename(REALM, old_name, "Nëwnáme", new_realm="other-realm")
    _, log = await sync(synced_site)
    assert log.characters_removed == 0
    async with db.session() as s:
        row = await s.get(WowCharacter, character_id)
        link = await s.scalar(
            select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
        )
        total = await s.scalar(select(func.count()).select_from(WowCharacter))
    assert (row.character_name, row.realm_slug) == ("Nëwnáme", "other-realm")
    assert link == owner.player_id and total == 20
    renamed = recorder.named("character.renamed")
    assert renamed[0]["old_name"] == old_name and renamed[0]["character_id"] == character_id


async def test_rank_change_updates_the_rank_and_emits(synced_site, guild, battlenet, db, recorder):
    await sync(synced_site)
    member = guild.members[5]
    old = member.rank
    member.rank = 1
    await sync(synced_site)
    changes = recorder.named("character.rank_changed")
    assert [(c["old_rank_index"], c["new_rank_index"]) for c in changes] == [(old, 1)]
    async with db.session() as s:
        row = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == member.blizzard_id)
        )
        officer = await s.scalar(select(GuildRank.id).where(GuildRank.wow_rank_index == 1))
    assert row.guild_rank_id == officer


async def test_429_5xx_and_timeouts_are_retried_and_the_sync_completes(synced_site, guild, battlenet, db):
    battlenet.fail_next(3, 429, retry_after=0.2, kind="profile")
    battlenet.fail_next(3, 503, kind="profile")
    battlenet.fail_next(1, 502, kind="roster")
    battlenet.delay_next(2, 2.0, kind="profile")  # > the 1 s client timeout
    run, log = await sync(synced_site)
    assert run.status == "succeeded", run.error
    assert (log.status, log.errors, log.characters_new) == ("success", 0, 20)
    assert battlenet.count(429) == 3 and battlenet.count(503) == 3 and battlenet.count(502) == 1


async def test_expired_token_is_refreshed(synced_site, guild, battlenet):
    await sync(synced_site)
    tokens_before = battlenet.token_requests
    battlenet.expire_tokens()
    _, log = await sync(synced_site)
    assert log.status == "success" and battlenet.token_requests == tokens_before + 1


async def test_unchanged_guild_resync_is_mostly_304(synced_site, guild, battlenet):
    await sync(synced_site)
    battlenet.reset_log()
    _, log = await sync(synced_site)
    profiles = battlenet.api_requests("profile")
    assert len(profiles) == 20
    assert battlenet.count(304, "profile") / len(profiles) >= 0.9
    assert log.not_modified >= 18


async def test_recorded_418_member_roster_syncs_completely_with_non_ascii_names(
    battlenet, blizzard_env, monkeypatch, make_client, recorder, db
):
    battlenet.load_recorded_guild()
    monkeypatch.setenv("PATT_GUILD_REALM_SLUG", RECORDED_REALM)
    monkeypatch.setenv("PATT_GUILD_NAME_SLUG", RECORDED_GUILD)
    site = await make_client(plugins=["identity", "guild_sync", "event_recorder"], extra_plugins=[recorder])
    run, log = await sync(site)
    assert run.status == "succeeded", run.error
    assert (log.characters_found, log.characters_new, log.errors) == (418, 418, 0)
    rows = await characters(db)
    names = {r.character_name for r in rows}
    assert {"Shedí", "Achamían", "Mæy", "Dícoz"} <= names
    # Connected realm: each member keeps its own realm.
    realms = {r.realm_slug for r in rows}
    assert realms == {"stormrage", "azuremyst"}
    assert sum(1 for r in rows if r.realm_slug == "azuremyst") == 13
    # The guild master answers with the recorded profile.
    sheday = next(r for r in rows if r.character_name == "Sheday")
    async with db.session() as s:
        spec = await s.get(Specialization, sheday.active_spec_id)
    assert (sheday.level, sheday.item_level, sheday.last_login_timestamp, sheday.wow_rank_index) == (
        120,
        444,
        1577005519000,
        0,
    )
    assert (sheday.realm_name, spec.name, spec.blizzard_spec_id) == ("Stormrage", "Retribution", 70)


async def test_out_of_range_numbers_in_the_recorded_roster_fail_nothing_and_are_not_written(
    battlenet, blizzard_env, monkeypatch, make_client, recorder, db
):
    # One level, rank, id, item level or last login beyond its column (or any sense) failed
    # the whole sync: every member stayed unsynced while Blizzard sent it.
    guild = battlenet.load_recorded_guild()
    monkeypatch.setenv("PATT_GUILD_REALM_SLUG", RECORDED_REALM)
    monkeypatch.setenv("PATT_GUILD_NAME_SLUG", RECORDED_GUILD)
    leveled, ranked, unidentified = guild.members[1], guild.members[2], guild.members[3]
    battlenet.set_profile_missing(leveled.realm_slug, leveled.name)  # only the roster's level, then

    def garbled(body):
        for entry in body["members"]:
            character = entry["character"]
            if character["id"] == leveled.blizzard_id:
                character["level"] = 2**40
            elif character["id"] == ranked.blizzard_id:
                entry["rank"] = 2**31
            elif character["id"] == unidentified.blizzard_id:
                character["id"] = 10**20
        return body

    battlenet.roster_transform = garbled
    sheday = battlenet.character("stormrage", "Sheday")
    profile = copy.deepcopy(recorded("wow_character")["exchanges"][0]["body"])
    profile.update(equipped_item_level=10**12, average_item_level=10**12, last_login_timestamp=10**20)
    battlenet.set_profile(sheday, profile)
    site = await make_client(plugins=["identity", "guild_sync", "event_recorder"], extra_plugins=[recorder])
    run, log = await sync(site)
    assert run.status == "succeeded", run.error
    assert (log.status, log.characters_found, log.characters_new, log.errors, log.unavailable) == (
        "success",
        418,
        418,
        0,
        1,
    )
    rows = {r.character_name: r for r in await characters(db)}
    assert len(rows) == 418
    assert (rows[leveled.name].level, rows[leveled.name].blizzard_character_id) == (None, leveled.blizzard_id)
    assert (rows[ranked.name].wow_rank_index, rows[ranked.name].level) == (None, ranked.level)
    assert rows[unidentified.name].level == unidentified.level
    assert (rows["Sheday"].item_level, rows["Sheday"].last_login_timestamp, rows["Sheday"].level) == (
        None,
        None,
        120,
    )


async def test_a_name_taken_over_on_an_accented_realm_keeps_blizzards_slug(
    synced_site, guild, battlenet, db, arrange
):
    # Blizzard's slugs keep accents ("aggra-português"; "aggra-portugues" answers 404). A new
    # character taking a departed one's name went through a slug normaliser that stripped
    # them: a second row on "aggra-portugues" (the crafting sync asks Blizzard by the stored
    # slug: 404), and the departed character's owner stayed linked to a row nobody plays.
    realm = "aggra-português"
    departed = battlenet.add_member(REALM, GUILD, "Atlas", member_realm=realm)
    await sync(synced_site)
    character_id, _owner = await owned(db, arrange, departed)
    battlenet.remove_member(REALM, GUILD, "Atlas")
    battlenet.characters.pop((realm, "atlas"))
    newcomer = battlenet.add_member(REALM, GUILD, "Atlas", member_realm=realm)
    _, log = await sync(synced_site)
    await sync(synced_site)
    async with db.session() as s:
        rows = (
            await s.scalars(select(WowCharacter).where(WowCharacter.character_name.ilike("atlas%")))
        ).all()
        link = await s.scalar(
            select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
        )
    assert [(r.id, r.realm_slug, r.blizzard_character_id, r.removed_at) for r in rows] == [
        (character_id, realm, newcomer.blizzard_id, None)
    ]
    assert link is None and log.characters_removed == 0


async def test_connected_realm_guild_keeps_each_members_realm(battlenet, synced_site, db):
    guild = battlenet.generate_guild(REALM, GUILD, 9, realms=("second-realm", "third-realm"))
    await sync(synced_site)
    rows = {r.blizzard_character_id: r.realm_slug for r in await characters(db)}
    assert rows == {m.blizzard_id: m.realm_slug for m in guild.members}
    assert set(rows.values()) == {REALM, "second-realm", "third-realm"}


async def test_two_concurrent_runs_sync_once(synced_site, guild, battlenet):
    first, second = await asyncio.gather(
        run_job(synced_site.host, JOB, trigger="manual"), run_job(synced_site.host, JOB, trigger="manual")
    )
    assert sorted([first.status, second.status]) == ["skipped", "succeeded"]
    assert len(battlenet.api_requests("roster")) == 1


async def test_trigger_refuses_non_officers_and_runs_once_for_officers(
    synced_site, guild, arrange, log_in, battlenet
):
    trigger = "/api/v1/admin/guild-sync/sync"
    assert (await synced_site.post(trigger)).status_code == 401
    member = await arrange.account("Member")
    await log_in(synced_site, member)
    assert (await synced_site.post(trigger)).status_code == 403
    officer = await arrange.account("Officer")
    await log_in(synced_site, officer)
    response = await synced_site.post(trigger, json={})
    assert response.status_code == 202, response.text

    status = await triggered_sync_done(synced_site)
    assert status["runs"][0]["status"] == "success"
    assert len(battlenet.api_requests("roster")) == 1
    assert status["runs"][0]["triggered_by"]


async def test_unconfigured_site_says_what_to_set(site, arrange, log_in):
    officer = await arrange.account("Officer")
    await log_in(site, officer)
    status = site.data(await site.get("/api/v1/admin/guild-sync/status"))
    assert status["configured"] is False
    assert "BLIZZARD_CLIENT_ID" in status["missing"]
    response = await site.post("/api/v1/admin/guild-sync/sync", json={})
    # A missing setting is not an outage: 409 (a 503 told monitors the server failed).
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_configured" and "BLIZZARD_CLIENT_ID" in error["message"]


async def test_the_job_on_an_unconfigured_site_fails_with_one_line_not_a_traceback(site, caplog):
    # `patt jobs run guild_sync.sync_roster` before the settings are in: a refusal that says
    # what to set (in the log, on /admin/jobs), not a RuntimeError with its traceback.
    caplog.set_level("WARNING", logger="patt.jobs")
    run = await run_job(site.host, JOB, trigger="cli")
    assert run.status == "failed"
    assert run.error.startswith("Blizzard sync is not configured: set BLIZZARD_CLIENT_ID"), run.error
    logged = [r for r in caplog.records if r.name == "patt.jobs" and JOB in r.getMessage()]
    assert logged and all(r.exc_info is None and r.levelname == "WARNING" for r in logged)


async def test_an_undecodable_profile_is_retried_and_the_sync_completes(synced_site, guild, battlenet):
    # A body the client cannot decode (httpx.DecodingError, not a TransportError) once crashed
    # the whole sync and left its sync_log row "running" (409 on every trigger for an hour).
    battlenet.corrupt_next(2, kind="profile")
    run, log = await sync(synced_site)
    assert run.status == "succeeded", run.error
    assert (log.status, log.errors, log.characters_new) == ("success", 0, 20)


async def test_an_interrupted_sync_does_not_stay_running(synced_site, guild, battlenet, arrange, log_in):
    # A worker shutdown or the job timeout cancels the run mid-way: its row must not keep
    # blocking the trigger (409) and showing progress until it goes stale an hour later.
    battlenet.delay_next(100, 3.0, kind="profile")  # every attempt times out (1 s): a long run
    task = asyncio.create_task(run_job(synced_site.host, JOB, trigger="manual"))

    async def started():
        async with synced_site.host.db.session() as s:
            return await s.scalar(select(SyncLog).where(SyncLog.progress_total == 20))

    await eventually(started, timeout=20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with synced_site.host.db.session() as s:
        log = await s.scalar(select(SyncLog).order_by(SyncLog.id.desc()).limit(1))
    assert log.status == "failed" and log.completed_at is not None
    assert "interrupted" in log.error_message
    officer = await arrange.account("Officer")
    await log_in(synced_site, officer)
    status = synced_site.data(await synced_site.get("/api/v1/admin/guild-sync/status"))
    assert status["running"] is None


async def test_a_rename_keeps_links_when_a_new_character_takes_the_old_name_first(
    synced_site, guild, battlenet, db, arrange
):
    # A renames Foo -> Bar and a new character B takes "Foo"; B comes first in the roster.
    # B used to find A's row by name, take it over and unlink A's owner; A then got a new row.
    await sync(synced_site)
    renamed = guild.members[6]
    character_id, owner = await owned(db, arrange, renamed)
    old_name = renamed.name
    battlenet.rename(REALM, old_name, "Brandnew")
    newcomer = battlenet.add_member(REALM, GUILD, old_name)
    guild.members.remove(newcomer)
    guild.members.insert(0, newcomer)
    _, log = await sync(synced_site)
    assert (log.status, log.errors, log.characters_new, log.characters_removed) == ("success", 0, 1, 0)
    async with db.session() as s:
        row = await s.get(WowCharacter, character_id)
        link = await s.scalar(
            select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
        )
        newcomer_row = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == newcomer.blizzard_id)
        )
    assert (row.character_name, row.blizzard_character_id) == ("Brandnew", renamed.blizzard_id)
    assert link == owner.player_id
    assert newcomer_row.id != character_id and newcomer_row.character_name == old_name


ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/guild-sync/status"),
    ("POST", "/api/v1/admin/guild-sync/sync"),
    ("POST", "/api/v1/admin/guild-sync/removals/{log}/confirm"),
    ("POST", "/api/v1/admin/guild-sync/removals/{log}/dismiss"),
    ("GET", "/api/v1/admin/guild-sync/api-keys"),
    ("POST", "/api/v1/admin/guild-sync/api-keys"),
    ("DELETE", "/api/v1/admin/guild-sync/api-keys/{key}"),
]


async def test_every_sync_trigger_and_action_refuses_non_officers(
    synced_site, guild, battlenet, db, arrange, log_in
):
    # A real pending removal and a real key, so a missing rank check would act on them.
    await sync(synced_site)
    for member in guild.members[:6]:
        battlenet.remove_member(REALM, GUILD, member.name)
    _, pending = await sync(synced_site)
    assert pending.status == "awaiting_confirmation"
    officer = await arrange.account("Officer")
    await arrange.api_key(officer.player_id)
    async with db.session() as s:
        key_id = await s.scalar(select(AddonApiKey.id))
    requests_before = len(battlenet.api_requests())

    async def attempts():
        for method, path in ADMIN_ROUTES:
            url = path.format(log=pending.id, key=key_id)
            kwargs = (
                {"json": {"name": "stolen"} if url.endswith("api-keys") else {}} if method == "POST" else {}
            )
            yield method, url, await synced_site.request(method, url, **kwargs)

    async for method, url, response in attempts():
        assert response.status_code == 401, (method, url, response.status_code)
    member = await arrange.account("Member")
    await log_in(synced_site, member)
    async for method, url, response in attempts():
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.json()["error"]["code"] != "csrf_failed"  # refused for the rank
    page = await synced_site.get("/admin/guild-sync")
    assert page.status_code == 403 and "stolen" not in page.text
    # Nothing happened: no sync, the removal still pending, the key alive and alone.
    assert len(battlenet.api_requests()) == requests_before
    async with db.session() as s:
        assert (await s.get(SyncLog, pending.id)).status == "awaiting_confirmation"
        keys = (await s.scalars(select(AddonApiKey))).all()
    assert [(k.id, k.revoked_at) for k in keys] == [(key_id, None)]
    assert len(await characters(db)) == 20


def _entries_without(names: set[str], *fields: str):
    """A roster transform that drops ``fields`` from the character of the named members."""

    def transform(body):
        for entry in body["members"]:
            if entry["character"]["name"] in names:
                for key in fields:
                    if key == "rank":
                        entry.pop("rank", None)
                    else:
                        entry["character"].pop(key, None)
        return body

    return transform


async def test_an_unreadable_roster_entry_does_not_remove_its_character(synced_site, guild, battlenet, db):
    # An entry the lenient parser must skip (no name) is still a member: with its Blizzard id
    # it counts as seen; without any id nobody can be told apart, so removals wait for an officer.
    await sync(synced_site)
    odd, gone = guild.members[7], guild.members[8]
    battlenet.remove_member(REALM, GUILD, gone.name)
    battlenet.roster_transform = _entries_without({odd.name}, "name")
    _, log = await sync(synced_site)
    assert (log.status, log.characters_removed) == ("success", 1)  # only the one really gone
    async with db.session() as s:
        row = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == odd.blizzard_id)
        )
    assert row.removed_at is None
    leaver = guild.members[9]
    battlenet.remove_member(REALM, GUILD, leaver.name)
    battlenet.roster_transform = _entries_without({odd.name}, "name", "id")
    _, log = await sync(synced_site)
    assert (log.status, log.characters_removed) == ("awaiting_confirmation", 0)
    assert "could not be read" in log.error_message
    assert len(await characters(db)) == 19


async def test_a_roster_entry_without_a_rank_keeps_the_characters_rank(
    synced_site, guild, battlenet, db, recorder
):
    await sync(synced_site)
    member = guild.members[1]
    battlenet.roster_transform = _entries_without({member.name}, "rank")
    _, log = await sync(synced_site)
    assert log.status == "success"
    async with db.session() as s:
        row = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == member.blizzard_id)
        )
        rank = await s.scalar(select(GuildRank.id).where(GuildRank.wow_rank_index == member.rank))
    assert (row.wow_rank_index, row.guild_rank_id) == (member.rank, rank)
    assert recorder.named("character.rank_changed") == []


async def test_two_officers_triggering_at_once_sync_once(synced_site, guild, battlenet, arrange, log_in):
    # Through the HTTP trigger (not only run_job): both may be accepted before either run
    # has written its sync_log row, but the exclusive job fetches the roster once.
    officer = await arrange.account("Officer")
    await log_in(synced_site, officer)
    trigger = "/api/v1/admin/guild-sync/sync"
    responses = await asyncio.gather(synced_site.post(trigger, json={}), synced_site.post(trigger, json={}))
    assert sorted(r.status_code for r in responses) in ([202, 202], [202, 409])

    accepted = sum(r.status_code == 202 for r in responses)

    async def every_job_done():
        async with synced_site.host.db.session() as s:
            rows = (
                await s.execute(text("SELECT status FROM common.job_runs WHERE job_name = :n"), {"n": JOB})
            ).all()
        done = sorted(r.status for r in rows if r.status != "running")
        return done if len(done) == accepted else None

    assert (await eventually(every_job_done, timeout=30)) in (["succeeded"], ["skipped", "succeeded"])
    status = synced_site.data(await synced_site.get("/api/v1/admin/guild-sync/status"))
    assert [r["status"] for r in status["runs"]] == ["success"]
    assert len(battlenet.api_requests("roster")) == 1


async def test_a_member_listed_twice_in_the_roster_syncs_once(synced_site, guild, battlenet, db):
    # The same entry twice put two rows for one character into one INSERT .. ON CONFLICT
    # DO UPDATE: PostgreSQL refuses that, so every sync failed while Blizzard sent it.
    await sync(synced_site)

    def twice(body):
        body["members"].append(body["members"][3])
        return body

    battlenet.roster_transform = twice
    guild.members[3].rank = 1  # a change that must still land
    run, log = await sync(synced_site)
    assert run.status == "succeeded", run.error
    assert (log.status, log.characters_found, log.characters_new) == ("success", 20, 0)
    async with db.session() as s:
        row = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == guild.members[3].blizzard_id)
        )
    assert row.wow_rank_index == 1


async def test_a_rename_into_a_departed_characters_name_releases_that_name(
    synced_site, guild, battlenet, db, arrange
):
    # A member renames into the name of a character that left (its row kept the name). The
    # rename was never applied, run after run. Realm names are unique in WoW, so the departed
    # row gives the name up (marked, keeping its id, links and history) and the rename lands.
    await sync(synced_site)
    departed, member = guild.members[10], guild.members[11]
    departed_id, departed_owner = await owned(db, arrange, departed)
    battlenet.remove_member(REALM, GUILD, departed.name)
    await sync(synced_site)
    character_id, owner = await owned(db, arrange, member)
    battlenet.characters.pop((REALM, departed.name.lower()))
    battlenet.rename(REALM, member.name, departed.name)
    member.rank = 1
    _, log = await sync(synced_site)
    assert (log.status, log.errors, log.characters_removed) == ("success", 0, 0)
    assert log.details["released_names"] == [{"character_id": departed_id, "name": departed.name}]
    async with db.session() as s:
        row = await s.get(WowCharacter, character_id)
        old = await s.get(WowCharacter, departed_id)
        links = dict((await s.execute(select(PlayerCharacter.character_id, PlayerCharacter.player_id))).all())
    assert (row.character_name, row.wow_rank_index, row.removed_at) == (departed.name, 1, None)
    assert old.character_name == f"{departed.name} (left, #{departed_id})"
    assert old.removed_at is not None and old.blizzard_character_id == departed.blizzard_id
    assert links[departed_id] == departed_owner.player_id and links[character_id] == owner.player_id
    _, again = await sync(synced_site)  # settled: nothing more to release
    assert again.status == "success" and "released_names" not in again.details


async def test_a_name_held_by_a_character_still_in_the_guild_is_never_taken(
    synced_site, guild, battlenet, db
):
    # The roster lags: it lists a departed character back under its old name while a member
    # has already renamed into that name. The character in the roster keeps its row and name;
    # the member's rename waits (reported) until the roster agrees.
    await sync(synced_site)
    departed, member = guild.members[10], guild.members[11]
    battlenet.remove_member(REALM, GUILD, departed.name)
    await sync(synced_site)
    old_name = member.name
    battlenet.characters.pop((REALM, departed.name.lower()))
    battlenet.rename(REALM, member.name, departed.name)

    def lagging(body):
        back = json.loads(json.dumps(body["members"][0]))
        back["character"].update(name=departed.name, id=departed.blizzard_id)
        body["members"].append(back)
        return body

    battlenet.roster_transform = lagging
    _, log = await sync(synced_site)
    assert log.errors >= 1 and "released_names" not in log.details
    assert any("name held by" in sample for sample in log.details["error_samples"])
    async with db.session() as s:
        old = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == departed.blizzard_id)
        )
        renamed = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == member.blizzard_id)
        )
    assert (old.character_name, old.removed_at) == (departed.name, None)
    assert renamed.character_name == old_name  # the rename waits


async def test_an_oversized_name_in_the_roster_fails_one_entry_not_the_sync(
    synced_site, guild, battlenet, db
):
    # A name or realm longer than the columns hold (a broken or hostile response) raised in
    # the middle of the one transaction: every sync failed while Blizzard sent it.
    await sync(synced_site)
    odd = guild.members[2]
    odd_name = odd.name

    def oversized(body):
        for entry in body["members"]:
            if entry["character"]["name"] == odd_name:
                entry["character"]["name"] = "N" * 60
        body["members"][5]["character"]["realm"]["slug"] = "r" * 80
        return body

    battlenet.roster_transform = oversized
    guild.members[9].rank = 1
    run, log = await sync(synced_site)
    assert run.status == "succeeded", run.error
    assert (log.status, log.errors, log.characters_removed) == ("partial", 2, 0)
    rows = {r.blizzard_character_id: r for r in await characters(db)}
    assert len(rows) == 20 and rows[odd.blizzard_id].character_name == odd_name
    assert rows[guild.members[9].blizzard_id].wow_rank_index == 1


async def test_a_run_whose_process_died_stops_blocking_triggers(
    synced_site, guild, battlenet, arrange, log_in
):
    # A worker killed outright (OOM, SIGKILL) leaves its row "running" with no one to end it.
    # Triggers answered 409 and the page showed its progress for 65 minutes; a live run
    # now shows it is alive every second, and a row silent for minutes is taken as dead.
    from patt_guild_sync.services.synclog import start_log

    dead = await start_log(synced_site.host, trigger="cron", triggered_by=None)
    async with synced_site.host.db.session() as s:  # ten minutes pass without a sign of life
        await s.execute(text("UPDATE guild_identity.sync_log SET started_at = now() - interval '10 minutes'"))
    officer = await arrange.account("Officer")
    await log_in(synced_site, officer)
    assert synced_site.data(await synced_site.get("/api/v1/admin/guild-sync/status"))["running"] is None
    response = await synced_site.post("/api/v1/admin/guild-sync/sync", json={})
    assert response.status_code == 202, response.text

    status = await triggered_sync_done(synced_site, runs=2)
    assert [(r["id"], r["status"]) for r in status["runs"]][1] == (dead, "failed")
    assert status["runs"][0]["status"] == "success"


async def test_a_live_run_reports_it_is_alive_while_it_waits(synced_site, guild, battlenet, arrange, log_in):
    # The liveness signal must not depend on progress: a run waiting on Blizzard still counts
    # as running (a trigger meanwhile is a 409, not a second run).
    battlenet.delay_next(100, 3.0, kind="profile")  # every attempt times out (1 s): a long run
    task = asyncio.create_task(run_job(synced_site.host, JOB, trigger="manual"))
    officer = await arrange.account("Officer")
    await log_in(synced_site, officer)

    async def alive_for_a_while():
        async with synced_site.host.db.session() as s:
            log = await s.scalar(select(SyncLog).where(SyncLog.status == "running"))
        return log if log is not None and (log.duration_seconds or 0) >= 1.0 else None

    await eventually(alive_for_a_while, timeout=20)
    assert (await synced_site.post("/api/v1/admin/guild-sync/sync", json={})).status_code == 409
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_profile_of_another_character_under_the_name_is_not_written(
    synced_site, guild, battlenet, db
):
    # Blizzard's roster lags behind renames: it can still list "Foo" (id 1) after Foo renamed
    # and someone else took the name. The profile fetched by name is then another character's
    # and its class, level and item level were written over the member's row.
    await sync(synced_site)
    member = guild.members[12]
    stranger = FakeCharacter(
        blizzard_id=999_999_001,
        name=member.name,
        realm_slug=REALM,
        realm_name="Test Realm",
        class_id=member.class_id % 13 + 1,
        level=12,
        item_level=111,
        modified=time.time(),
    )
    battlenet.characters[(REALM, member.name.lower())] = stranger
    _, log = await sync(synced_site, full=True)
    async with db.session() as s:
        row = await s.scalar(
            select(WowCharacter).where(WowCharacter.blizzard_character_id == member.blizzard_id)
        )
        state = await s.get(CharacterSyncState, row.id)
    assert (row.item_level, row.level) == (member.item_level, member.level)
    assert state.profile_status == "error" and "another character" in state.error
    assert log.errors == 1


async def test_deleting_a_member_anonymises_the_sync_runs_they_started_or_decided(
    synced_site, guild, battlenet, db, arrange, log_in
):
    # Member data deletion deleted the officer's upload keys but left their name in
    # sync_log.triggered_by (manual triggers and uploads) and in details.dismissed_by.
    from sv_common.identity.models import Player

    from .conftest import PASSWORD
    from .test_upload import entry

    leaver, other = await arrange.account("Officer"), await arrange.account("Officer")
    async with db.session() as s:
        name = (await s.get(Player, leaver.player_id)).display_name
    await log_in(synced_site, leaver)
    assert (await synced_site.post("/api/v1/admin/guild-sync/sync", json={})).status_code == 202

    await triggered_sync_done(synced_site)
    for member in guild.members[:5]:  # 25 %: the guard holds the removal for an officer
        battlenet.remove_member(REALM, GUILD, member.name)
    _, held = await sync(synced_site)
    assert (await synced_site.post(f"/api/v1/admin/guild-sync/removals/{held.id}/dismiss")).status_code == 200
    key = await arrange.api_key(leaver.player_id)
    upload = {"characters": [entry(guild.members[9].name)], "addon_version": "1.0", "uploaded_by": name}
    assert (
        await synced_site.post("/api/guild-sync/addon-upload", headers={"X-API-Key": key}, json=upload)
    ).status_code == 200
    async with db.session() as s:  # the other officer's run must keep its name
        await s.execute(
            text(
                "UPDATE guild_identity.sync_log SET triggered_by = 'Someone else', triggered_by_player_id = :p WHERE id = :id"
            ),
            {"p": other.player_id, "id": held.id},
        )
        exported = await synced_site.host.hooks.export_member_data(s, leaver.player_id)
    runs = exported["guild_sync"]["sync_runs"]
    assert [r.get("dismissed_by") for r in runs if r["id"] == held.id] == [name]
    assert sum(1 for r in runs if r["started_by"] and name in r["started_by"]) == 2  # trigger, upload

    deleted = await synced_site.post("/api/v1/me/delete", json={"password": PASSWORD})
    assert deleted.status_code == 200, deleted.text
    async with db.session() as s:
        rows = (await s.scalars(select(SyncLog).order_by(SyncLog.id))).all()
        dumped = [(r.triggered_by, r.details) for r in rows]
    assert len(rows) == 3 and name not in repr(dumped)
    assert [r.triggered_by for r in rows] == ["deleted member", "Someone else", "deleted member"]
    assert (
        rows[1].details["dismissed_by"] == "deleted member"
        and rows[1].triggered_by_player_id == other.player_id
    )
    assert rows[1].details["pending_removal"]  # the run itself and its counts stay
