"""Each built-in rule: detects, de-duplicates, resolves itself, and its fix does what it says."""

from __future__ import annotations

from sqlalchemy import select

from patt_drift.services.mitigate import mitigate
from patt_drift.services.runner import run_mitigations
from patt_host.testing import RANK_ROLE_IDS, map_rank_roles
from sv_common.identity.models import PlayerCharacter, PlayerNoteAlias

OFFICER_ROLE, MEMBER_ROLE = RANK_ROLE_IDS[4], RANK_ROLE_IDS[2]


async def owner(db, character_id):
    async with db.session() as s:
        return await s.scalar(
            select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
        )


async def aliases(db, player_id):
    async with db.session() as s:
        return set(
            (
                await s.scalars(select(PlayerNoteAlias.alias).where(PlayerNoteAlias.player_id == player_id))
            ).all()
        )


async def test_orphan_wow_detects_dedupes_fixes_on_confirmation_and_resolves_itself(
    guild, scan, findings, history, state, db
):
    bob = await guild.player("Bob")
    named = await guild.character("Bobhunter", note="Bob's hunter")
    silent = await guild.character("Quietone", note="")
    first = await scan()
    rows = await findings("orphan_wow")
    assert [(r.wow_character_id, r.status) for r in rows] == [(named, "open"), (silent, "open")]
    assert rows[0].proposal["action"] == "link" and rows[0].proposal["player_id"] == bob
    assert rows[1].proposal is None
    assert first.scan.rules["orphan_wow"].new == 2
    # Unchanged facts: the same rows, nothing written at all.
    again = await scan()
    assert again.scan.rules["orphan_wow"].new == 0 and again.scan.rows_written == 0
    assert [r.id for r in await findings("orphan_wow")] == [r.id for r in rows]
    # A scan never applies a confirm-policy fix by itself.
    assert await owner(db, named) is None
    # The officer confirms: linked, the note key becomes Bob's alias, the finding is resolved.
    report = await run_mitigations(state, finding_ids=[rows[0].id], actor="Olga")
    assert report.counts() == {"fixed": 1, "pending": 0, "failed": 0, "skipped": 0}
    assert await owner(db, named) == bob and "bob" in await aliases(db, bob)
    fixed = (await findings("orphan_wow", status="resolved"))[0]
    assert (fixed.resolution, fixed.resolved_by) == ("mitigated", "Olga")
    # Without a proposal the fix refuses (recorded), and the other finding resolves itself
    # once somebody links the character by hand.
    failed = await run_mitigations(state, finding_ids=[rows[1].id], actor="Olga")
    assert failed.failed == 1 and "players page" in failed.results[0]["message"]
    await guild.link(bob, silent)
    after = await scan()
    assert after.scan.rules["orphan_wow"].resolved == 1
    auto = (await findings("orphan_wow"))[1]
    assert (auto.status, auto.resolution, auto.resolved_by) == ("resolved", "auto", "auto")
    assert await history(auto.id) == ["opened", "mitigation_failed", "resolved"]


async def test_orphan_discord_creates_a_player_with_the_characters_its_notes_name(
    guild, scan, findings, state, db
):
    await map_rank_roles(db)
    user = await guild.discord("zelda", roles=(MEMBER_ROLE,))
    await guild.discord("visitor", roles=())  # no rank role: not a guild member
    alt = await guild.character("Zeldalt", note="zelda alt")
    await scan()
    rows = await findings("orphan_discord")
    assert [r.discord_member_id for r in rows] == [user]
    assert "Member role" in rows[0].summary
    report = await run_mitigations(state, finding_ids=[rows[0].id], actor="Olga")
    assert report.fixed == 1
    created = report.results[0]
    assert "Created player zelda" in created["message"]
    new_owner = await owner(db, alt)
    assert new_owner is not None and (await guild.player_row(new_owner)).discord_user_id == user
    rescan = await scan()
    assert rescan.scan.rules["orphan_discord"].open == 0 and rescan.scan.rules["orphan_wow"].open == 0


async def test_role_mismatch_and_no_guild_role_follow_the_roles_and_resolve_themselves(
    guild, scan, findings, state, db
):
    await map_rank_roles(db)
    wrong = await guild.discord("wrongrole", roles=(OFFICER_ROLE,))
    none = await guild.discord("norole", roles=())
    mismatched = await guild.player("Mismatched", discord=wrong, rank="Member")
    roleless = await guild.player("Roleless", discord=none, rank="Member")
    await scan()
    (mismatch,) = await findings("role_mismatch")
    (missing,) = await findings("no_guild_role")
    assert (mismatch.player_id, mismatch.details["held"]) == (mismatched, ["Officer"])
    assert missing.player_id == roleless
    # Role sync is off here: the fix refuses and says why; the finding stays open.
    report = await run_mitigations(state, finding_ids=[mismatch.id], actor="Olga")
    assert report.failed == 1 and "Role sync does not run towards Discord" in report.results[0]["message"]
    # Discord catches up: both resolve themselves (the original never resolved either).
    await guild.sql(
        "UPDATE guild_identity.discord_users SET role_ids = :r WHERE id IN (:a, :b)",
        r=[str(MEMBER_ROLE)],
        a=wrong,
        b=none,
    )
    again = await scan()
    assert again.scan.rules["role_mismatch"].resolved == 1 and again.scan.rules["no_guild_role"].resolved == 1


async def test_role_fix_towards_discord_starts_the_role_sync_job(guild, scan, findings, state, db):
    await map_rank_roles(db)
    await guild.sql(
        "INSERT INTO common.discord_config (id, role_sync_mode) VALUES (1, 'to_discord') "
        "ON CONFLICT (id) DO UPDATE SET role_sync_mode = 'to_discord'"
    )
    user = await guild.discord("wrongrole", roles=(OFFICER_ROLE,))
    await guild.player("Mismatched", discord=user, rank="Member")
    await scan()
    (row,) = await findings("role_mismatch")
    assert row.proposal["action"] == "role_sync" and "role sync will fix it" in row.summary
    report = await run_mitigations(state, finding_ids=[row.id], actor="Olga")
    assert report.pending == 1 and report.results[0]["message"].startswith("Discord role sync started")
    assert (await findings("role_mismatch"))[0].status == "open"  # resolved only when Discord agrees


async def test_stale_character_uses_the_configured_days_and_resolves_on_login(guild, scan, findings, state):
    old = await guild.character("Sleeper", days_ago=45)
    await guild.character("Active", days_ago=2)
    await guild.character("Unknown", days_ago=None)  # never seen: not stale, unknown
    await scan()
    (row,) = await findings("stale_character")
    assert row.wow_character_id == old and "more than 30 days" in row.summary
    await guild.sql("UPDATE guild_identity.wow_characters SET addon_last_seen = now() WHERE id = :id", id=old)
    assert (await scan()).scan.rules["stale_character"].resolved == 1


async def test_note_naming_another_player_proposes_a_move_and_never_moves_alone(
    guild, scan, findings, state, db
):
    alice, carol = await guild.player("Alice"), await guild.player("Carol")
    character = await guild.character("Shadowpaw", note="Carol alt")
    await guild.link(alice, character)
    await scan()
    await scan()  # a second scan (with automatic fixes) still does not move it
    (row,) = await findings("note_mismatch")
    assert row.proposal["action"] == "relink" and row.proposal["player_id"] == carol
    assert await owner(db, character) == alice
    assert await findings("link_contradicts_note") == []
    report = await run_mitigations(state, finding_ids=[row.id], actor="Olga")
    assert report.fixed == 1 and await owner(db, character) == carol
    assert "carol" in await aliases(db, carol)
    assert (await scan()).scan.rules["note_mismatch"].open == 0


async def test_note_naming_nobody_proposes_an_alias(guild, scan, findings, state, db):
    alice = await guild.player("Alice")
    main = await guild.character("Alicemain", note="Alice main")
    alt = await guild.character("Stormcrow", note="Zork alt")
    await guild.link(alice, main)
    await guild.link(alice, alt)
    await scan()
    (row,) = await findings("link_contradicts_note")
    assert row.wow_character_id == alt and row.proposal == {
        "action": "alias",
        "player_id": alice,
        "player_name": "Alice",
        "note_key": "zork",
        "text": 'Record "zork" as an alias of Alice',
    }
    await run_mitigations(state, finding_ids=[row.id], actor="Olga")
    assert "zork" in await aliases(db, alice)
    rescan = await scan()
    assert (
        rescan.scan.rules["link_contradicts_note"].open == 0 and rescan.scan.rules["note_mismatch"].open == 0
    )


async def test_duplicate_discord_and_stale_discord_link(guild, scan, findings, state):
    bob_discord = await guild.discord("bob")
    await guild.player("Robert", discord=bob_discord)
    other = await guild.discord("bobby", display="Bob")
    await guild.player("Roberta", discord=other)  # a second account named like Bob: still one finding
    twin = await guild.player("Bob")  # no Discord link, named like Robert's account
    gone = await guild.discord("leaver", present=False)
    left = await guild.player("Leaver", discord=gone)
    await scan()
    assert [r.player_id for r in await findings("duplicate_discord")] == [twin]
    (stale,) = await findings("stale_discord_link")
    assert stale.player_id == left
    report = await run_mitigations(state, finding_ids=[stale.id], actor="Olga")
    assert report.fixed == 1 and (await guild.player_row(left)).discord_user_id is None
    rescan = await scan()
    assert rescan.scan.rules["stale_discord_link"].open == 0


async def test_blizzard_missing_reads_guild_syncs_404_state(guild, scan, findings):
    character = await guild.character("Vanished")
    await guild.sql(
        "INSERT INTO guild_identity.character_sync_state (character_id, profile_status, checked_at) "
        "VALUES (:id, 'unavailable', now())",
        id=character,
    )
    await scan()
    assert [r.wow_character_id for r in await findings("blizzard_missing")] == [character]
    await guild.sql("UPDATE guild_identity.character_sync_state SET profile_status = 'updated'")
    assert (await scan()).scan.rules["blizzard_missing"].resolved == 1


async def test_removed_main_is_cleared_automatically_and_reported(guild, scan, findings, history, db):
    player = await guild.player("Mainless")
    character = await guild.character("Gonemain")
    await guild.link(player, character)
    await guild.sql(
        "UPDATE guild_identity.players SET main_character_id = :c WHERE id = :p", c=character, p=player
    )
    await guild.sql("UPDATE guild_identity.wow_characters SET removed_at = now() WHERE id = :c", c=character)
    run = await scan()
    assert run.mitigation is not None and run.mitigation.fixed == 1
    assert (await guild.player_row(player)).main_character_id is None
    (row,) = await findings("removed_main")
    assert (row.status, row.resolution, row.resolved_by) == ("resolved", "mitigated", "auto")
    assert await history(row.id) == ["opened", "mitigated"]
    assert "Cleared Mainless's main character" in row.resolution_note


async def test_a_dismissed_finding_stays_dismissed_until_its_facts_change(
    guild, scan, findings, site, history
):
    from patt_drift.services import findings as service

    character = await guild.character("Sleeper", days_ago=45)
    await scan()
    (row,) = await findings("stale_character")
    async with site.host.db.session() as s:
        await service.dismiss(s, row.id, service.Officer("Olga", None), "on a break")
    await scan()
    assert (await findings("stale_character"))[0].status == "dismissed"
    # Seen once, long ago, at another date: different facts, so it comes back.
    await guild.sql(
        "UPDATE guild_identity.wow_characters SET last_login_timestamp = last_login_timestamp + 86400000 * 3 "
        "WHERE id = :id",
        id=character,
    )
    again = await scan()
    assert again.scan.rules["stale_character"].open == 1
    assert (await findings("stale_character"))[0].status == "open"
    assert await history(row.id) == ["opened", "dismissed", "reopened"]


async def test_mitigate_honours_the_auto_policy(guild, scan, findings, state, site):
    """``auto=True`` runs only rules whose policy is automatic: the proposals wait."""
    bob = await guild.player("Bob")
    await guild.character("Bobalt", note="Bob alt")
    await scan()
    async with site.host.db.session() as s:
        report = await mitigate(s, state.registry, state.context(), auto=True)
    assert report.counts()["fixed"] == 0
    assert (await findings("orphan_wow"))[0].proposal["player_id"] == bob
