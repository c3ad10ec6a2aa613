"""The suggestion engine: rules, ambiguity, storage without duplicates, apply/reject, plugin rules."""

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity import matching, players
from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    LinkSuggestion,
    Player,
    PlayerCharacter,
    PlayerNoteAlias,
)
from sv_common.identity.ranks import drain_rank_changes, set_rank_override


async def _run(db, *, auto_apply=False, rules=None):
    async with db.session() as s:
        return await matching.run_matching(s, rules=rules or matching.rule_set(), auto_apply=auto_apply)


async def _suggestions(db, **where) -> list[LinkSuggestion]:
    async with db.session() as s:
        query = select(LinkSuggestion).order_by(LinkSuggestion.id)
        for column, value in where.items():
            query = query.where(getattr(LinkSuggestion, column) == value)
        return list((await s.scalars(query)).all())


async def _owner(db, character_id) -> int | None:
    async with db.session() as s:
        return await s.scalar(
            select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
        )


async def test_note_key_rule_matches_username_and_display_name(db, make_character, make_discord_user):
    rocket = await make_discord_user("rocket77", display_name="Rocket")
    shodoom = await make_discord_user("shodoom")
    alt = await make_character("Zapbolt", guild_note="Rocket's DH")
    plural = await make_character("Totemz", guild_note="shodooms shammy")

    report = await _run(db)

    by_character = {s.character_id: s for s in await _suggestions(db)}
    assert report.created == 2 and report.ambiguous == 0
    assert by_character[alt.id].discord_user_id == rocket.id
    assert (by_character[alt.id].rule, by_character[alt.id].confidence) == ("note_key", "high")
    assert 'display name "Rocket"' in by_character[alt.id].reason
    # Found only through the plural variant: medium, so never auto-applied.
    assert by_character[plural.id].discord_user_id == shodoom.id
    assert by_character[plural.id].confidence == "medium"


async def test_character_name_rule_with_non_ascii_names(db, make_character, make_discord_user):
    zoe = await make_discord_user("zoe")
    orjan = await make_discord_user("orjan_77", display_name="Ørjan")
    nandu = await make_discord_user("nandu")
    c_zoe = await make_character("Zoë")
    c_orjan = await make_character("Ørjan")
    c_nandu = await make_character("Kestrel", guild_note="Ñandú main")

    await _run(db)

    found = {(s.character_id, s.discord_user_id, s.rule, s.confidence) for s in await _suggestions(db)}
    assert found == {
        (c_zoe.id, zoe.id, "character_name", "high"),
        (c_orjan.id, orjan.id, "character_name", "high"),
        (c_nandu.id, nandu.id, "note_key", "high"),
    }


async def test_same_character_name_on_two_realms(db, make_character, make_discord_user):
    user = await make_discord_user("rocket")
    home = await make_character("Rocket", "stormrage")
    away = await make_character("Rocket", "azuremyst")

    report = await _run(db, auto_apply=True)

    assert report.created == 2 and report.ambiguous == 0 and len(report.applied) == 2
    assert report.players_created == 1
    async with db.session() as s:
        player = await players.player_for_discord_user(s, user.id)
        assert {c.id for c in await players.characters_of(s, player.id)} == {home.id, away.id}


async def test_an_ambiguous_note_is_never_auto_applied(db, make_character, make_discord_user):
    await make_discord_user("sam")
    await make_discord_user("samwise", display_name="Sam")
    character = await make_character("Healbot", guild_note="Sam's priest")

    report = await _run(db, auto_apply=True)

    rows = await _suggestions(db)
    assert len(rows) == 2 and all(r.ambiguous and r.status == "pending" for r in rows)
    assert all(r.confidence == "high" for r in rows)
    assert report.applied == [] and report.ambiguous == 2
    assert await _owner(db, character.id) is None


async def test_rules_that_disagree_make_a_character_ambiguous(db, make_character, make_discord_user):
    await make_discord_user("sam")
    await make_discord_user("rocket")
    character = await make_character("Rocket", guild_note="Sam's alt")

    report = await _run(db, auto_apply=True)

    rows = await _suggestions(db)
    assert {r.rule for r in rows} == {"note_key", "character_name"}
    assert all(r.ambiguous for r in rows) and report.applied == []
    assert await _owner(db, character.id) is None


async def test_auto_apply_applies_only_clear_high_suggestions(db, make_character, make_discord_user):
    rocket = await make_discord_user("rocket", display_name="Rocket the Brave")
    await make_discord_user("roxanne", display_name="Rox / Roxy")
    sure = await make_character("Rocket")
    unsure = await make_character("Rox")  # only a word of a display name: medium

    report = await _run(db, auto_apply=True)

    assert len(report.applied) == 1 and report.players_created == 1
    async with db.session() as s:
        player = await players.player_for_discord_user(s, rocket.id)
        assert player.display_name == "Rocket the Brave"
        link = await s.scalar(select(PlayerCharacter).where(PlayerCharacter.character_id == sure.id))
    assert (link.player_id, link.link_source, link.confidence) == (player.id, "character_name", "high")
    applied = (await _suggestions(db, status="applied"))[0]
    assert applied.decided_by == matching.AUTO_DECIDER and applied.decided_at is not None
    assert applied.player_id == player.id
    assert await _owner(db, unsure.id) is None
    assert [r.character_id for r in await _suggestions(db, status="pending")] == [unsure.id]


async def test_auto_apply_reuses_the_existing_player(db, make_character, make_discord_user):
    user = await make_discord_user("rocket")
    async with db.session() as s:
        player = await players.create_player(s, display_name="Rocket", discord_user_id=user.id)
    character = await make_character("Rocket")

    report = await _run(db, auto_apply=True)

    assert report.players_created == 0 and len(report.applied) == 1
    assert await _owner(db, character.id) == player.id
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Player)) == 1


async def test_pending_suggestions_are_not_duplicated(db, make_character, make_discord_user):
    await make_discord_user("rocket")
    await make_discord_user("sam")
    await make_character("Rocket")
    await make_character("Healbot", guild_note="Sam's priest")

    first = await _run(db)
    second = await _run(db)

    assert (first.created, first.refreshed) == (2, 0)
    assert (second.created, second.refreshed, second.removed) == (0, 2, 0)
    assert len(await _suggestions(db)) == 2 and second.pending == 2


async def test_obsolete_pending_suggestions_are_removed(db, make_character, make_discord_user):
    await make_discord_user("rocket")
    character = await make_character("Rocket")
    await _run(db)
    async with db.session() as s:
        player = await players.create_player(s, display_name="Someone else")
        await players.link_character(s, player_id=player.id, character_id=character.id)

    report = await _run(db)

    assert report.removed == 1 and await _suggestions(db) == []


async def test_apply_and_reject_record_who_decided(db, make_character, make_discord_user):
    sam = await make_discord_user("sam")
    await make_discord_user("samwise", display_name="Sam")
    character = await make_character("Healbot", guild_note="Sam's priest")
    await _run(db)
    to_sam, to_samwise = await _suggestions(db)
    assert to_sam.discord_user_id == sam.id

    async with db.session() as s:
        rejected = await matching.reject_suggestion(s, to_samwise.id, decided_by="Officer Bob")
    assert (rejected.status, rejected.decided_by) == ("rejected", "Officer Bob")
    assert rejected.decided_at is not None

    async with db.session() as s:  # an officer may apply an ambiguous one
        applied = await matching.apply_suggestion(s, to_sam.id, decided_by="Officer Alice")
    assert (applied.status, applied.decided_by) == ("applied", "Officer Alice")
    async with db.session() as s:
        link = await s.scalar(select(PlayerCharacter).where(PlayerCharacter.character_id == character.id))
        player = await players.player_for_discord_user(s, sam.id)
        alias = await s.scalar(select(PlayerNoteAlias).where(PlayerNoteAlias.player_id == player.id))
    assert (link.player_id, link.link_source, link.confidence) == (player.id, "note_key", "confirmed")
    assert alias.alias == "sam"  # the note key is remembered for the player

    async with db.session() as s:
        with pytest.raises(Conflict):
            await matching.apply_suggestion(s, to_sam.id, decided_by="Officer Alice")
        with pytest.raises(Conflict):
            await matching.reject_suggestion(s, to_samwise.id, decided_by="Officer Alice")
        with pytest.raises(NotFound):
            await matching.apply_suggestion(s, 999999, decided_by="Officer Alice")
        with pytest.raises(ValidationFailed):
            await matching.reject_suggestion(s, to_samwise.id, decided_by="   ")


async def test_a_rejected_suggestion_is_not_proposed_again(db, make_character, make_discord_user):
    await make_discord_user("rocket")
    await make_character("Rocket")
    await _run(db)
    (row,) = await _suggestions(db)
    async with db.session() as s:
        await matching.reject_suggestion(s, row.id, decided_by="Officer Bob")

    report = await _run(db, auto_apply=True)

    assert report.created == 0 and report.skipped_rejected == 1 and report.applied == []
    assert [r.status for r in await _suggestions(db)] == ["rejected"]


async def test_a_learned_alias_links_the_next_character_with_that_note(db, make_character, make_discord_user):
    user = await make_discord_user("sam")
    await make_discord_user("samwise", display_name="Sam")
    first = await make_character("Healbot", guild_note="Sam's priest")
    await _run(db)
    async with db.session() as s:
        to_sam = await s.scalar(
            select(LinkSuggestion).where(
                LinkSuggestion.character_id == first.id, LinkSuggestion.discord_user_id == user.id
            )
        )
        await matching.apply_suggestion(s, to_sam.id, decided_by="Officer Alice")
    second = await make_character("Tankbot", guild_note="Sam tank")

    await _run(db)

    rows = await _suggestions(db, character_id=second.id)
    # The alias and Sam's Discord user are one target; "samwise" (display name Sam) is another.
    assert len(rows) == 2 and all(r.ambiguous for r in rows)
    assert any("known alias" in r.reason for r in rows)


async def test_pending_suggestions_load_their_rows(db, make_character, make_discord_user):
    await make_discord_user("rocket", display_name="Rocket")
    await make_character("Rocket")
    await _run(db)
    async with db.session() as s:
        (row,) = await matching.pending_suggestions(s)
        assert (row.character.character_name, row.discord_user.username, row.player) == (
            "Rocket",
            "rocket",
            None,
        )


@dataclass
class OfficerNoteRule:
    """A plugin-style rule: the officer note names the player exactly."""

    name: str = "officer_note"

    async def propose(self, ctx):
        by_name = {p.display_name.casefold(): p for p in ctx.players}
        return [
            matching.Suggestion(
                c.id, None, by_name[c.officer_note.casefold()].id, self.name, "high", "officer note"
            )
            for c in ctx.characters
            if c.officer_note and c.officer_note.casefold() in by_name
        ]


class BrokenRule:
    name = "broken"

    async def propose(self, ctx):
        raise RuntimeError("boom")


async def test_plugin_rules_through_the_registry(db, make_character):
    async with db.session() as s:
        player = await players.create_player(s, display_name="Rocket")
    character = await make_character("Zapbolt", officer_note="rocket")

    class FakePlugin:
        name = "notes_plugin"

    rules = matching.rule_set([(FakePlugin(), OfficerNoteRule()), (FakePlugin(), BrokenRule())])
    report = await _run(db, auto_apply=True, rules=rules)

    assert report.rules == ["note_key", "character_name", "officer_note", "broken"]
    assert report.errors == {"broken": "boom"}
    assert len(report.applied) == 1 and await _owner(db, character.id) == player.id


def test_registry_refuses_bad_rules():
    class FakePlugin:
        name = "dup_plugin"

    with pytest.raises(ValueError, match="'note_key' is used twice"):
        matching.rule_set([(FakePlugin(), matching.NoteKeyRule())])
    with pytest.raises(ValueError, match="plugin dup_plugin: matching rule 'x' has no propose"):
        matching.rule_set([(FakePlugin(), type("R", (), {"name": "x"})())])
    assert [r.name for r in matching.rule_set()] == ["note_key", "character_name"]


async def test_auto_apply_never_raises_a_rank_on_a_note_alone(db, make_character, make_discord_user):
    """Guild notes are editable in game: a note pointing the guild leader's character at someone
    must wait for an officer; a character of the player's own rank links as before."""
    from sv_common.identity.models import GuildRank
    from sv_common.identity.ranks import recompute_for_characters

    async with db.session() as s:
        level = {r.name: r.id for r in (await s.scalars(select(GuildRank))).all()}
    rocket = await make_discord_user("rocket")
    own = await make_character("Rocketmain", guild_rank_id=level["Member"])
    async with db.session() as s:
        player = await players.create_player(s, display_name="Rocket", discord_user_id=rocket.id)
        await players.link_character(s, player_id=player.id, character_id=own.id, link_source="test")
        await recompute_for_characters(s, [own.id])
    leaders = await make_character(
        "Kingsguard", guild_rank_id=level["Guild Leader"], guild_note="Rocket's alt"
    )
    peer = await make_character("Rockethunt", guild_rank_id=level["Member"], guild_note="Rocket's alt")

    report = await _run(db, auto_apply=True)

    assert report.held_for_review == 1 and len(report.applied) == 1
    assert await _owner(db, peer.id) == player.id
    assert await _owner(db, leaders.id) is None
    held = await _suggestions(db, character_id=leaders.id)
    assert [s.status for s in held] == ["pending"]
    async with db.session() as s:
        assert (await s.get(Player, player.id)).guild_rank_id == level["Member"]


async def test_notes_find_players_by_name_and_main_without_discord(db, make_character, make_discord_user):
    """Members without Discord used to stay unlinked (the original made a stub player instead)."""
    async with db.session() as s:
        brenna = await players.create_player(s, display_name="Brenna")
        owner = await players.create_player(s, display_name="Quiet One")
    main = await make_character("Thornwick")
    alt = await make_character("Thornalt")
    async with db.session() as s:
        await players.link_character(s, player_id=owner.id, character_id=main.id)
        await players.link_character(s, player_id=owner.id, character_id=alt.id)
        await players.set_main_and_offspec(
            s,
            player_id=owner.id,
            main_character_id=main.id,
            main_spec_id=None,
            offspec_character_id=None,
            offspec_spec_id=None,
        )
    by_name = await make_character("Brennadk", guild_note="Brenna's DK")
    by_main = await make_character("Thornpala", guild_note="Thornwick alt")
    by_alt = await make_character("Thornmonk", guild_note="thornalt bank")
    nobody = await make_character("Lonelyhunt", guild_note="Zzyzx alt")

    report = await _run(db, auto_apply=True)

    found = {s.character_id: s for s in await _suggestions(db)}
    assert (found[by_name.id].player_id, found[by_name.id].confidence) == (brenna.id, "high")
    assert 'player "Brenna"' in found[by_name.id].reason
    assert (found[by_main.id].player_id, found[by_main.id].confidence) == (owner.id, "high")
    assert 'main character of player "Quiet One"' in found[by_main.id].reason
    # Another character's name is weaker evidence (alts get renamed, banks shared): medium.
    assert (found[by_alt.id].player_id, found[by_alt.id].confidence) == (owner.id, "medium")
    # A key that meets nobody makes nothing: no stub player, the character waits for an officer.
    assert nobody.id not in found and report.players_created == 0
    assert {await _owner(db, by_name.id), await _owner(db, by_main.id)} == {brenna.id, owner.id}
    assert await _owner(db, by_alt.id) is None
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Player)) == 2


async def test_a_player_name_and_a_discord_user_for_one_key_are_ambiguous(
    db, make_character, make_discord_user
):
    await make_discord_user("vex")
    async with db.session() as s:
        await players.create_player(s, display_name="Vex")
    character = await make_character("Vexmage", guild_note="Vex mage")
    await _run(db, auto_apply=True)
    rows = await _suggestions(db, character_id=character.id)
    assert len(rows) == 2 and all(r.ambiguous for r in rows) and await _owner(db, character.id) is None


async def test_bulk_apply_reports_each_row_and_keeps_the_rest(db, make_character, make_discord_user):
    await make_discord_user("sam")
    await make_discord_user("samwise", display_name="Sam")
    twin = await make_character("Healbot", guild_note="Sam's priest")  # two suggestions, one character
    users = [await make_discord_user(f"bulk{i:02d}") for i in range(5)]
    characters = [await make_character(f"Bulk{i:02d}") for i in range(5)]
    await _run(db)
    rows = await _suggestions(db)
    by_character: dict[int, list[int]] = {}
    for row in rows:
        by_character.setdefault(row.character_id, []).append(row.id)
    async with db.session() as s:
        await matching.reject_suggestion(s, by_character[characters[3].id][0], decided_by="Officer")
        # Linked by hand meanwhile, to someone else.
        other = await players.create_player(s, display_name="Someone Else")
        await players.link_character(s, player_id=other.id, character_id=characters[4].id)
    wanted = [row.id for row in rows] + [2**31 - 1]
    refused_for = by_character[characters[2].id][0]
    seen = []

    async def refuse(session, planned):
        seen.extend(p.suggestion_id for p in planned)
        return {refused_for: "Refused by the caller."}

    async with db.session() as s:
        outcome = await matching.apply_suggestions(s, wanted, decided_by="Officer", refuse=refuse)
    errors = {e["suggestion_id"]: e["message"] for e in outcome.errors}
    applied = {a["character_id"] for a in outcome.applied}
    assert applied == {twin.id, characters[0].id, characters[1].id}
    assert errors == {
        max(by_character[twin.id]): "Its character was linked by another suggestion in this batch.",
        refused_for: "Refused by the caller.",
        by_character[characters[3].id][0]: "That suggestion was already rejected.",
        by_character[characters[4].id][0]: "That character is already linked to another player.",
        2**31 - 1: "That suggestion does not exist.",
    }
    assert refused_for in seen and by_character[characters[3].id][0] not in seen
    # The refused row left nothing behind: no link, no player made for its Discord user.
    assert await _owner(db, characters[2].id) is None
    twin_first = next(r for r in rows if r.id == min(by_character[twin.id]))
    async with db.session() as s:
        made = set(await s.scalars(select(Player.discord_user_id).where(Player.discord_user_id.is_not(None))))
        statuses = dict((await s.execute(select(LinkSuggestion.id, LinkSuggestion.status))).all())
        aliases = set(await s.scalars(select(PlayerNoteAlias.alias)))
    assert made == {users[0].id, users[1].id, twin_first.discord_user_id} and outcome.players_created == 3
    assert statuses[refused_for] == "pending" and statuses[twin_first.id] == "applied"
    assert max(by_character[twin.id]) not in statuses  # the other idea about the twin is moot
    assert aliases == {"sam"}  # the note-based link taught its key
    async with db.session() as s:
        link = await s.scalar(select(PlayerCharacter).where(PlayerCharacter.character_id == characters[0].id))
        new_player = await s.get(Player, link.player_id)
    assert (link.confidence, link.link_source, new_player.display_name) == (
        "confirmed",
        "character_name",
        "bulk00",
    )


async def test_bulk_apply_is_one_transaction(db, make_character, make_discord_user):
    """A failure the batch cannot report row by row (here the database refusing a link to a
    character another officer linked meanwhile) takes the whole batch back: the players it
    made go too."""
    characters = []
    for i in range(5):
        await make_discord_user(f"atom{i}")
        characters.append(await make_character(f"Atom{i}"))
    await _run(db)
    ids = [row.id for row in await _suggestions(db)]
    assert len(ids) == 5

    async def refuse(session, planned):
        async with db.session() as other:  # another connection, committed
            intruder = await players.create_player(other, display_name="Intruder")
            await players.link_character(other, player_id=intruder.id, character_id=characters[-1].id)
        return {}

    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await matching.apply_suggestions(s, ids, decided_by="Officer", refuse=refuse)
    assert [row.status for row in await _suggestions(db)] == ["pending"] * 5
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PlayerCharacter)) == 1  # the intruder's
        assert list(await s.scalars(select(Player.display_name))) == ["Intruder"]


async def test_bulk_apply_recomputes_ranks_like_one_at_a_time(db, make_character, make_discord_user):
    """The set-based rank recompute agrees with the one-player rule: character rank first,
    else the Discord role; an override wins."""
    async with db.session() as s:
        ranks = {r.name: r for r in (await s.scalars(select(GuildRank))).all()}
        ranks["Veteran"].discord_role_id = "555"
    await make_discord_user("roled", role_ids=["555"])
    await make_discord_user("ranked")
    await make_discord_user("overridden")
    await make_character("Roled")
    await make_character("Ranked", guild_rank_id=ranks["Member"].id)
    await make_character("Overridden", guild_rank_id=ranks["Officer"].id)
    async with db.session() as s:
        boss = await players.create_player(s, display_name="overridden")
        await players.link_discord(
            s,
            player_id=boss.id,
            discord_user_id=(
                await s.scalar(select(DiscordUser.id).where(DiscordUser.username == "overridden"))
            ),
        )
        await set_rank_override(s, boss.id, ranks["Initiate"].id)
        drain_rank_changes(s)
    await _run(db)
    ids = [row.id for row in await _suggestions(db)]
    async with db.session() as s:
        await matching.apply_suggestions(s, ids, decided_by="Officer")
        changes = {c.player_id: c for c in drain_rank_changes(s)}
        result = dict(
            (
                await s.execute(
                    select(Player.display_name, GuildRank.name).join(
                        GuildRank, GuildRank.id == Player.guild_rank_id
                    )
                )
            ).all()
        )
        sources = dict((await s.execute(select(Player.display_name, Player.guild_rank_source))).all())
    assert result == {"roled": "Veteran", "ranked": "Member", "overridden": "Initiate"}
    assert sources == {"roled": "discord", "ranked": "wow_character", "overridden": "admin_override"}
    assert len(changes) == 2  # the override did not move
