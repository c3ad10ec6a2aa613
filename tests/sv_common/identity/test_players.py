"""Players: links to characters and Discord users, main/offspec choice."""

import pytest
from sqlalchemy import select

from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity import aliases, players
from sv_common.identity.models import Player, PlayerCharacter, Specialization, WowClass


async def _spec(db, class_name: str, spec_name: str) -> Specialization:
    async with db.session() as s:
        return await s.scalar(
            select(Specialization)
            .join(WowClass, WowClass.id == Specialization.class_id)
            .where(WowClass.name == class_name, Specialization.name == spec_name)
        )


async def _class_id(db, class_name: str) -> int:
    async with db.session() as s:
        return await s.scalar(select(WowClass.id).where(WowClass.name == class_name))


async def test_create_and_rename(db):
    async with db.session() as s:
        player = await players.create_player(s, display_name="  Rocket   Man ", notes="founder")
        renamed = await players.rename_player(s, player.id, "Rocket")
    assert renamed.display_name == "Rocket" and renamed.notes == "founder"
    async with db.session() as s:
        with pytest.raises(ValidationFailed):
            await players.create_player(s, display_name="   ")
        with pytest.raises(NotFound):
            await players.rename_player(s, 999999, "Nobody")
        assert (await players.deactivate_player(s, player.id)).is_active is False
        assert (await players.reactivate_player(s, player.id)).is_active is True


async def test_spec_of_another_class_is_refused(db, make_character):
    character = await make_character("Rocket", class_id=await _class_id(db, "Druid"))
    frost_mage = await _spec(db, "Mage", "Frost")
    balance = await _spec(db, "Druid", "Balance")
    async with db.session() as s:
        player = await players.create_player(s, display_name="Rocket")
        await players.link_character(s, player_id=player.id, character_id=character.id)

    async with db.session() as s:
        with pytest.raises(ValidationFailed, match="does not belong to the character's class"):
            await players.set_main_and_offspec(
                s, player_id=player.id, main_character_id=character.id, main_spec_id=frost_mage.id
            )
    async with db.session() as s:
        await players.set_main_and_offspec(
            s, player_id=player.id, main_character_id=character.id, main_spec_id=balance.id
        )
    async with db.session() as s:
        stored = await s.get(Player, player.id)
        assert (stored.main_character_id, stored.main_spec_id) == (character.id, balance.id)


async def test_main_must_be_owned_by_the_player(db, make_character):
    character = await make_character("Rocket")
    async with db.session() as s:
        player = await players.create_player(s, display_name="Rocket")
        with pytest.raises(ValidationFailed, match="does not belong to this player"):
            await players.set_main_and_offspec(s, player_id=player.id, main_character_id=character.id)


async def test_linking_moves_the_character_and_clears_the_old_main(db, make_character, rank_at):
    character = await make_character("Rocket", wow_rank_index=2)
    async with db.session() as s:
        old = await players.create_player(s, display_name="Old")
        new = await players.create_player(s, display_name="New")
        await players.link_character(s, player_id=old.id, character_id=character.id)
        await players.set_main_and_offspec(
            s, player_id=old.id, main_character_id=character.id, offspec_character_id=character.id
        )
    async with db.session() as s:
        link = await players.link_character(
            s, player_id=new.id, character_id=character.id, link_source="note_key", confidence="high"
        )
    assert (link.player_id, link.link_source, link.confidence) == (new.id, "note_key", "high")

    veteran = await rank_at(2)
    async with db.session() as s:
        old_row, new_row = await s.get(Player, old.id), await s.get(Player, new.id)
        assert old_row.main_character_id is None and old_row.offspec_character_id is None
        assert old_row.guild_rank_id is None  # lost its only character
        assert new_row.guild_rank_id == veteran.id
        links = (
            await s.scalars(select(PlayerCharacter).where(PlayerCharacter.character_id == character.id))
        ).all()
        assert [lk.player_id for lk in links] == [new.id]
        assert [c.id for c in await players.characters_of(s, new.id)] == [character.id]
        assert await players.characters_of(s, old.id) == []


async def test_unlink_character(db, make_character):
    character = await make_character("Rocket")
    async with db.session() as s:
        player = await players.create_player(s, display_name="Rocket")
        await players.link_character(s, player_id=player.id, character_id=character.id)
        await players.set_main_and_offspec(s, player_id=player.id, main_character_id=character.id)
    async with db.session() as s:
        await players.unlink_character(s, character_id=character.id)
        await players.unlink_character(s, character_id=character.id)  # already unlinked: no-op
        assert await players.characters_of(s, player.id) == []
        assert (await s.get(Player, player.id)).main_character_id is None


async def test_discord_user_linked_elsewhere_is_a_conflict(db, make_discord_user):
    user = await make_discord_user("rocket")
    async with db.session() as s:
        first = await players.create_player(s, display_name="First", discord_user_id=user.id)
        second = await players.create_player(s, display_name="Second")
    async with db.session() as s:
        with pytest.raises(Conflict, match="already linked to First"):
            await players.link_discord(s, player_id=second.id, discord_user_id=user.id)
        with pytest.raises(Conflict):
            await players.create_player(s, display_name="Third", discord_user_id=user.id)
        with pytest.raises(NotFound):
            await players.link_discord(s, player_id=second.id, discord_user_id=987654)
    async with db.session() as s:  # once released, it can move
        await players.link_discord(s, player_id=first.id, discord_user_id=None)
        await players.link_discord(s, player_id=second.id, discord_user_id=user.id)
        assert (await players.player_for_discord_user(s, user.id)).id == second.id


async def test_note_aliases(db):
    async with db.session() as s:
        player = await players.create_player(s, display_name="Rocket")
        first = await aliases.add_note_alias(s, player_id=player.id, alias="Röcket")
        again = await aliases.add_note_alias(s, player_id=player.id, alias="ROCKET")
        assert first.id == again.id and first.alias == "rocket"
        with pytest.raises(ValidationFailed):
            await aliases.add_note_alias(s, player_id=player.id, alias="x")
        await aliases.remove_note_alias(s, first.id)
        assert await aliases.note_aliases_of(s, player.id) == []


@pytest.mark.parametrize(
    "invisible",
    ["Xan\u200bsus", "Xan\u00adsus", "Xan\u034fsus", "Xansus\ufe0f", "Xan\u2060sus", "Xan\U000e0041sus"],
)
async def test_names_with_invisible_characters_are_refused(db, invisible):
    # Zero-width space, soft hyphen, combining grapheme joiner, variation selector, word
    # joiner and a tag character all passed next to "Xansus".
    async with db.session() as s:
        await players.create_player(s, display_name="Xansus")
    with pytest.raises(ValidationFailed) as info:
        async with db.session() as s:
            await players.create_player(s, display_name=invisible)
    assert "invisible characters (U+" in info.value.message


@pytest.mark.parametrize("look_alike", ["X\u0430nsus", "Xans\u00fas", "Xan\u0455us", "\u0425ansus"])
async def test_a_look_alike_of_an_active_name_is_refused(db, look_alike):
    # Cyrillic а / ѕ / Х and an accent all passed next to the officer "Xansus".
    async with db.session() as s:
        officer = await players.create_player(s, display_name="Xansus")
        other = await players.create_player(s, display_name="Somebody")
    with pytest.raises(Conflict) as info:
        async with db.session() as s:
            await players.create_player(s, display_name=look_alike)
    assert "Xansus" in info.value.message
    with pytest.raises(Conflict):
        async with db.session() as s:
            await players.rename_player(s, other.id, look_alike)
    async with db.session() as s:
        # The holder may keep or restyle their own name; a generated name gets a qualifier.
        assert (await players.rename_player(s, officer.id, "XANSUS")).display_name == "XANSUS"
        qualified = await players.free_display_name(s, look_alike, qualifier="discord")
        assert qualified == f"{look_alike} (discord)"
        assert (await players.create_player(s, display_name="Xantus")).display_name == "Xantus"


async def test_active_names_are_unique_ignoring_case_and_width(db):
    async with db.session() as s:
        first = await players.create_player(s, display_name="Mike")
    with pytest.raises(Conflict):
        async with db.session() as s:
            await players.create_player(s, display_name="ＭＩＫＥ")
    async with db.session() as s:
        assert await players.free_display_name(s, "mike", qualifier="mike_2") == "mike (mike_2)"
        assert await players.free_display_name(s, "Anna", qualifier="anna") == "Anna"
        await players.deactivate_player(s, first.id)
    async with db.session() as s:  # a former member's name is free again
        assert (await players.create_player(s, display_name="mike")).display_name == "mike"
