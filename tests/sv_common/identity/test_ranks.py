"""The rank rule: override > highest active character rank > Discord role > none."""

from sv_common.identity import discord_users, players, ranks
from sv_common.identity.characters import set_character_removed
from sv_common.identity.models import Player
from sv_common.identity.ranks import RankChange


async def _player(db, name="Rocket", **kwargs) -> Player:
    async with db.session() as s:
        return await players.create_player(s, display_name=name, **kwargs)


async def _link(db, player_id, *character_ids):
    async with db.session() as s:
        for character_id in character_ids:
            await players.link_character(s, player_id=player_id, character_id=character_id)
        return ranks.drain_rank_changes(s)


async def _stored(db, player_id):
    async with db.session() as s:
        player = await s.get(Player, player_id)
        return player.guild_rank_id, player.guild_rank_source


async def test_highest_active_character_rank_wins(db, rank_at, make_character):
    member, veteran = await rank_at(3), await rank_at(2)
    alt = await make_character("Rockalt", wow_rank_index=3)
    main = await make_character("Rocket", wow_rank_index=2)
    player = await _player(db)

    changes = await _link(db, player.id, alt.id, main.id)

    assert await _stored(db, player.id) == (veteran.id, "wow_character")
    # One change per player for the whole unit of work: none -> veteran.
    assert changes == [RankChange(player.id, None, veteran.id, "wow_character")]
    assert member.id != veteran.id


async def test_removed_characters_are_ignored(db, rank_at, make_character):
    officer, member = await rank_at(1), await rank_at(3)
    main = await make_character("Rocket", wow_rank_index=1)
    alt = await make_character("Rockalt", wow_rank_index=3)
    player = await _player(db)
    await _link(db, player.id, main.id, alt.id)
    assert (await _stored(db, player.id))[0] == officer.id

    async with db.session() as s:
        changes = await set_character_removed(s, main.id)

    assert changes == [RankChange(player.id, officer.id, member.id, "wow_character")]
    assert await _stored(db, player.id) == (member.id, "wow_character")


async def test_override_wins_and_clearing_it_falls_back(db, rank_at, make_character):
    guild_leader, initiate = await rank_at(0), await rank_at(4)
    character = await make_character("Rocket", wow_rank_index=4)
    player = await _player(db)
    await _link(db, player.id, character.id)

    async with db.session() as s:
        change = await ranks.set_rank_override(s, player.id, guild_leader.id)
    assert change == RankChange(player.id, initiate.id, guild_leader.id, "admin_override")
    assert await _stored(db, player.id) == (guild_leader.id, "admin_override")

    async with db.session() as s:
        change = await ranks.set_rank_override(s, player.id, None)
    assert change == RankChange(player.id, guild_leader.id, initiate.id, "wow_character")


async def test_discord_role_is_the_fallback(db, rank_at, map_discord_role, make_discord_user):
    veteran = await rank_at(2)
    await map_discord_role(veteran.id, "900000000000000002")
    user = await make_discord_user("rocket", role_ids=["900000000000000002", "123"])

    player = await _player(db, discord_user_id=user.id)

    assert await _stored(db, player.id) == (veteran.id, "discord")


async def test_no_source_means_no_rank(db):
    player = await _player(db)
    assert await _stored(db, player.id) == (None, None)
    async with db.session() as s:
        assert await ranks.recompute_player_rank(s, player.id) is None


async def test_character_rank_beats_a_higher_discord_role(
    db, rank_at, map_discord_role, make_discord_user, make_character
):
    officer, member = await rank_at(1), await rank_at(3)
    await map_discord_role(officer.id, "900000000000000001")
    user = await make_discord_user("rocket", role_ids=["900000000000000001"])
    player = await _player(db, discord_user_id=user.id)
    assert await _stored(db, player.id) == (officer.id, "discord")

    character = await make_character("Rocket", wow_rank_index=3)
    changes = await _link(db, player.id, character.id)

    assert changes == [RankChange(player.id, officer.id, member.id, "wow_character")]


async def test_promotion_in_game_updates_the_player(db, rank_at, make_character):
    member, veteran = await rank_at(3), await rank_at(2)
    character = await make_character("Rocket", wow_rank_index=3)
    player = await _player(db)
    await _link(db, player.id, character.id)

    async with db.session() as s:
        changes = await ranks.set_character_wow_rank(s, character.id, 2)

    assert changes == [RankChange(player.id, member.id, veteran.id, "wow_character")]
    assert await _stored(db, player.id) == (veteran.id, "wow_character")


async def test_unmapped_wow_rank_index_gives_no_character_rank(db, make_character):
    character = await make_character("Rocket", wow_rank_index=3)
    player = await _player(db)
    await _link(db, player.id, character.id)

    async with db.session() as s:
        changes = await ranks.set_character_wow_rank(s, character.id, 8)  # no rank maps index 8
    assert [c.new_rank_id for c in changes] == [None]
    assert await _stored(db, player.id) == (None, None)


async def test_discord_role_change_updates_the_player(db, rank_at, map_discord_role):
    member, officer = await rank_at(3), await rank_at(1)
    await map_discord_role(member.id, "900000000000000003")
    await map_discord_role(officer.id, "900000000000000001")
    async with db.session() as s:
        user, changes = await discord_users.upsert_discord_user(
            s, discord_id="42", username="rocket", display_name=None, role_ids=["900000000000000003"]
        )
        assert changes == []  # nobody linked yet
        player = await players.create_player(s, display_name="Rocket", discord_user_id=user.id)
    assert await _stored(db, player.id) == (member.id, "discord")

    async with db.session() as s:
        _user, changes = await discord_users.upsert_discord_user(
            s, discord_id="42", username="rocket", display_name=None, role_ids=["900000000000000001"]
        )
    assert changes == [RankChange(player.id, member.id, officer.id, "discord")]

    async with db.session() as s:  # same roles again: nothing to report
        _user, changes = await discord_users.upsert_discord_user(
            s, discord_id="42", username="rocket2", display_name="Rocket", role_ids=["900000000000000001"]
        )
    assert changes == []

    async with db.session() as s:  # leaving the server removes the Discord source
        user, changes = await discord_users.discord_user_left(s, "42")
    assert user.is_present is False and user.removed_at is not None
    assert changes == [RankChange(player.id, officer.id, None, None)]


async def test_lookups(db, rank_at, map_discord_role):
    officer, veteran = await rank_at(1), await rank_at(2)
    await map_discord_role(officer.id, "900000000000000001")
    await map_discord_role(veteran.id, "900000000000000002")
    async with db.session() as s:
        assert [r.level for r in await ranks.ranks(s)] == [1, 2, 3, 4, 5]
        assert (await ranks.rank_for_wow_index(s, 1)).id == officer.id
        assert await ranks.rank_for_wow_index(s, 9) is None
        assert (
            await ranks.rank_for_discord_roles(s, ["900000000000000002", "900000000000000001"])
        ).id == officer.id
        assert await ranks.rank_for_discord_roles(s, []) is None
        assert await ranks.discord_role_for_rank(s, veteran.id) == "900000000000000002"
        assert await ranks.discord_role_for_rank(s, (await rank_at(4)).id) is None


async def test_recompute_for_characters_and_discord_user(
    db, rank_at, map_discord_role, make_character, make_discord_user
):
    officer = await rank_at(1)
    character = await make_character("Rocket", wow_rank_index=3)
    user = await make_discord_user("rocket", role_ids=["900000000000000001"])
    player = await _player(db, discord_user_id=user.id)
    await _link(db, player.id, character.id)
    await map_discord_role(officer.id, "900000000000000001")

    async with db.session() as s:
        assert await ranks.recompute_for_characters(s, [character.id]) == []  # character rank still wins
        await players.unlink_character(s, character_id=character.id)
        changes = ranks.drain_rank_changes(s)
    assert changes == [RankChange(player.id, (await rank_at(3)).id, officer.id, "discord")]

    async with db.session() as s:
        await ranks.set_rank_override(s, player.id, None)
        assert await ranks.recompute_for_discord_user(s, user.discord_id) == []
        assert await ranks.recompute_for_discord_user(s, user.id) == []
