"""``patt demo`` fills the guild through the real sync path; the officers' sync page."""

from __future__ import annotations

from sqlalchemy import func, select

from patt_guild_sync.models import SyncLog
from sv_common.identity.models import Player, PlayerCharacter, WowCharacter


async def seed(host) -> dict:
    async with host.db.session() as session:
        return await host.hooks.seed_demo_data(session)


async def test_demo_guild_comes_through_the_sync_and_is_linked(make_client, db):
    client = await make_client(plugins=["identity", "guild_sync"])
    summaries = await seed(client.host)
    assert "characters via guild sync" in summaries["identity"]
    assert summaries["guild_sync"].startswith("synced ")
    async with db.session() as s:
        log = await s.scalar(select(SyncLog).where(SyncLog.source == "blizzard_api"))
        total = await s.scalar(select(func.count()).select_from(WowCharacter))
        from_blizzard = await s.scalar(
            select(func.count())
            .select_from(WowCharacter)
            .where(WowCharacter.blizzard_character_id.is_not(None))
        )
        noted = await s.scalar(
            select(func.count()).select_from(WowCharacter).where(WowCharacter.guild_note.is_not(None))
        )
        linked = await s.scalar(select(func.count()).select_from(PlayerCharacter))
        players = await s.scalar(select(func.count()).select_from(Player))
        departed = (
            await s.scalars(select(WowCharacter.character_name).where(WowCharacter.removed_at.is_not(None)))
        ).all()
        runs = (
            await s.scalars(select(SyncLog).where(SyncLog.source == "blizzard_api").order_by(SyncLog.id))
        ).all()
    assert log.status == "success" and log.characters_new == total >= 60
    # One offspec left after the first sync: the second sync recorded it, as drift's demo says.
    assert len(departed) == 1 and [r.characters_removed for r in runs] == [0, 1]
    assert from_blizzard == total and noted == total - 1  # the upload came after it left
    assert players == 40 and linked == total - 4  # the newcomers stay unlinked for matching
    roster = client.data(await client.get("/api/v1/guild/roster"))
    assert len(roster["players"]) == 40
    again = await seed(client.host)
    assert "already synced" in again["guild_sync"]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(WowCharacter)) == total


async def test_identity_alone_still_seeds_characters_itself(make_client, db):
    client = await make_client(plugins=["identity"])
    summaries = await seed(client.host)
    assert "guild_sync" not in summaries
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(WowCharacter)) >= 60


async def test_sync_page_for_officers_only(site, arrange, log_in):
    assert (await site.get("/admin/guild-sync")).status_code == 303
    member = await arrange.account("Member")
    await log_in(site, member)
    assert (await site.get("/admin/guild-sync")).status_code == 403
    officer = await arrange.account("Officer")
    await log_in(site, officer)
    page = await site.get("/admin/guild-sync")
    assert page.status_code == 200
    assert "BLIZZARD_CLIENT_ID" in page.text and "Create key" in page.text


async def test_sync_page_shows_runs_and_pending_removal(synced_site, battlenet, arrange, log_in):
    from patt_host.jobs import run_job

    guild = battlenet.generate_guild("test-realm", "test-guild", 10)
    await run_job(synced_site.host, "guild_sync.sync_roster")
    for member in guild.members[:4]:
        battlenet.remove_member("test-realm", "test-guild", member.name)
    await run_job(synced_site.host, "guild_sync.sync_roster")
    officer = await arrange.account("Officer")
    await log_in(synced_site, officer)
    page = await synced_site.get("/admin/guild-sync")
    assert page.status_code == 200
    assert "Removal waiting for confirmation" in page.text
    assert "awaiting confirmation" in page.text and "Sync now" in page.text


async def test_health_reports_off_degraded_and_ok(site, synced_site, battlenet):
    from patt_host.jobs import run_job
    from patt_host.testing.waiting import eventually

    async def guild_sync_check(client):
        return client.data(await client.get("/api/health"))["checks"]["guild_sync.blizzard"]

    assert (await guild_sync_check(site))["status"] == "off"
    battlenet.roster_status = 500
    await run_job(synced_site.host, "guild_sync.sync_roster")

    async def status_is(client, expected):
        check = await guild_sync_check(client)
        return check if check["status"] == expected else None

    assert "failed" in (await eventually(lambda: status_is(synced_site, "degraded")))["detail"]
    battlenet.roster_status = None
    battlenet.generate_guild("test-realm", "test-guild", 3)
    await run_job(synced_site.host, "guild_sync.sync_roster")
    await eventually(lambda: status_is(synced_site, "ok"))


async def test_identity_alone_seeds_once_then_reports_the_guild_present(make_client):
    client = await make_client(plugins=["identity"])
    await seed(client.host)
    again = await seed(client.host)
    assert "already present" in again["identity"]


async def test_demo_serves_its_fake_battlenet_as_the_configured_source(make_client, arrange, log_in):
    """`patt demo` synced 106 characters, then its sync page said "the Blizzard sync is off"
    with disabled buttons and Jobs said "not configured": the fake now stays the source."""
    from patt_host.jobs import run_job

    client = await make_client(plugins=["identity", "guild_sync"], patt_demo=True)
    host = client.host
    assert host.jobs.schedules_for("guild_sync.sync_roster")  # a real schedule, not "(not configured)"
    summaries = await seed(host)
    assert summaries["guild_sync"].startswith("synced ")
    officer = await arrange.account("Officer")
    await log_in(client, officer)
    page = (await client.get("/admin/guild-sync")).text
    assert "The Blizzard sync is off" not in page and 'id="gs-demo"' in page
    last_sync = page[page.index('id="gs-last-sync"') :][:400]
    assert "success" in last_sync and "characters found" in last_sync
    assert 'data-full="false" disabled' not in page  # "Sync now" is enabled
    run = await run_job(host, "guild_sync.sync_roster", trigger="manual")  # "Sync now" works too
    assert run.status == "succeeded" and run.counts["found"] >= 60
