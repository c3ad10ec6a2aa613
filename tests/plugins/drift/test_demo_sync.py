"""The demo's drift story survives a guild sync: the first sync against the demo's fake
Battle.net brought the departed offspec back and the away main's recent login (coverage
101/105 became 102/106, inactive characters 3 became 2), because the story was written into
the database only."""

from __future__ import annotations

from sqlalchemy import select

from patt_drift.models import AuditIssue
from patt_drift.services import findings as service
from patt_host.jobs import run_job
from sv_common.identity.models import WowCharacter

STORY = ("stale_character", "note_mismatch", "stale_discord_link", "orphan_wow")


async def open_findings(db) -> dict[str, set[str]]:
    async with db.session() as s:
        rows = await s.execute(
            select(AuditIssue.issue_type, AuditIssue.dedupe_key).where(AuditIssue.status == "open")
        )
        found: dict[str, set[str]] = {}
        for rule, key in rows:
            found.setdefault(rule, set()).add(key)
        return found


async def test_the_demo_findings_stay_true_after_a_sync_with_the_demo_fake(make_client, db):
    # `patt demo` serving: guild_sync's startup runs the demo's fake Battle.net, the source of
    # every sync ("Sync now", the schedule) while the demo runs.
    client = await make_client(plugins=["identity", "guild_sync", "drift"], patt_demo=True)
    host = client.host
    assert host.plugin_state("guild_sync").battlenet_demo
    async with host.db.session() as session:
        summaries = await host.hooks.seed_demo_data(session)
    assert "a second sync: 1 left the guild since" in summaries["guild_sync"]
    assert "an offspec left the guild" in summaries["drift"]
    assert "a main has been away six weeks" in summaries["drift"]
    before = await open_findings(db)
    assert all(before.get(rule) for rule in STORY) and before.get("removed_main"), before
    async with db.session() as s:
        coverage = await service.coverage(s)

    synced = await run_job(host, "guild_sync.sync_roster", trigger="manual", triggered_by="test")
    assert synced.status == "succeeded", synced.error
    assert (synced.counts["new"], synced.counts["removed"]) == (0, 0), synced.counts
    scanned = await run_job(host, "drift.scan", trigger="manual", kwargs={"source": "manual"})
    assert scanned.status == "succeeded", scanned.error

    after = await open_findings(db)
    assert {rule: after.get(rule) for rule in STORY} == {rule: before[rule] for rule in STORY}
    async with db.session() as s:
        assert await service.coverage(s) == coverage
        # The departed offspec stayed departed; its finding was closed by the rule's automatic
        # fix (the player's offspec pointer cleared), not by the character coming back.
        departed = await s.scalar(select(AuditIssue).where(AuditIssue.issue_type == "removed_main"))
        assert (departed.status, departed.resolution) == ("resolved", "mitigated")
        character = await s.get(WowCharacter, departed.wow_character_id)
        assert character.removed_at is not None
