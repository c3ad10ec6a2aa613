"""Character identity: Blizzard id first, else (realm, name) case-insensitively; accents matter."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sv_common.errors import ValidationFailed
from sv_common.identity import characters, players
from sv_common.identity.models import Player, PlayerCharacter, WowCharacter


async def _count(db) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(WowCharacter))


async def test_name_and_realm_are_case_insensitive(db):
    async with db.session() as s:
        first, created = await characters.upsert_character(s, name="Rocket", realm_slug="Stormrage", level=80)
    assert created and first.realm_slug == "stormrage"

    async with db.session() as s:
        again, created = await characters.upsert_character(s, name="ROCKET", realm_slug="STORMRAGE", level=81)
        assert (await characters.find_character(s, name="rocket", realm_slug="stormrage")).id == first.id
    assert not created and again.id == first.id
    assert again.level == 81 and again.character_name == "ROCKET"  # follows the latest spelling
    assert await _count(db) == 1


async def test_the_database_refuses_case_variants(db, make_character):
    await make_character("Rocket")
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            s.add(WowCharacter(character_name="rOCKET", realm_slug="STORMRAGE"))


async def test_same_name_on_two_realms_is_two_characters(db, make_character):
    a = await make_character("Rocket", "stormrage")
    b = await make_character("Rocket", "Area 52")
    assert a.id != b.id and b.realm_slug == "area-52"
    async with db.session() as s:
        assert (await characters.find_character(s, name="rocket", realm_slug="area-52")).id == b.id
        assert await characters.find_character(s, name="rocket", realm_slug="azuremyst") is None


@pytest.mark.parametrize("name", ["Zoë", "Ørjan", "Ñandú"])
async def test_non_ascii_names(db, make_character, name):
    created = await make_character(name)
    async with db.session() as s:
        assert (
            await characters.find_character(s, name=name.upper(), realm_slug="stormrage")
        ).id == created.id
        assert (
            await characters.find_character(s, name=name.lower(), realm_slug="stormrage")
        ).id == created.id
        again, was_created = await characters.upsert_character(s, name=name.upper(), realm_slug="stormrage")
    assert not was_created and again.id == created.id


async def test_accents_are_part_of_the_name(db, make_character):
    # Real rosters hold Dícoz, Dìcoz and Dicoz side by side on one realm.
    ids = {(await make_character(n)).id for n in ("Dícoz", "Dìcoz", "Dicoz")}
    assert len(ids) == 3


async def test_blizzard_id_is_preferred_and_follows_renames(db):
    async with db.session() as s:
        old, _ = await characters.upsert_character(
            s, name="Rocket", realm_slug="stormrage", blizzard_character_id=92307548
        )
    async with db.session() as s:
        found = await characters.find_character(
            s, name="Whatever", realm_slug="nowhere", blizzard_id=92307548
        )
        renamed, created = await characters.upsert_character(
            s, name="Rockette", realm_slug="stormrage", blizzard_character_id=92307548
        )
    assert found.id == old.id
    assert not created and renamed.id == old.id and renamed.character_name == "Rockette"
    assert await _count(db) == 1


async def test_a_reused_name_with_a_new_blizzard_id_is_a_new_character(db, make_character):
    old = await make_character("Rocket", blizzard_character_id=1001, guild_note="Rocket main")
    async with db.session() as s:
        player = await players.create_player(s, display_name="Old owner")
        await players.link_character(s, player_id=player.id, character_id=old.id)
        await players.set_main_and_offspec(s, player_id=player.id, main_character_id=old.id)

    async with db.session() as s:
        new, created = await characters.upsert_character(
            s, name="Rocket", realm_slug="stormrage", blizzard_character_id=2002
        )
    assert created
    async with db.session() as s:
        assert await s.scalar(select(PlayerCharacter).where(PlayerCharacter.character_id == new.id)) is None
        assert (await s.get(Player, player.id)).main_character_id is None
        assert (await s.get(WowCharacter, new.id)).guild_note is None


async def test_wow_rank_index_maps_to_a_rank(db, rank_at, make_character):
    character = await make_character("Rocket", wow_rank_index=1)
    assert character.guild_rank_id == (await rank_at(1)).id
    unmapped = await make_character("Rockalt", wow_rank_index=7)
    assert unmapped.guild_rank_id is None and unmapped.wow_rank_index == 7


async def test_bad_input_is_refused(db):
    async with db.session() as s:
        with pytest.raises(ValidationFailed):
            await characters.upsert_character(s, name="  ", realm_slug="stormrage")
        with pytest.raises(ValidationFailed):
            await characters.upsert_character(s, name="Rocket", realm_slug="'")
        with pytest.raises(ValueError, match="unknown character fields"):
            await characters.upsert_character(s, name="Rocket", realm_slug="stormrage", id=5)
