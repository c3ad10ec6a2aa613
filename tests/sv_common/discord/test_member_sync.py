"""Member sync: discord_users follows the server; leavers are kept and marked; events come out."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from patt_host.testing.discord import FAKE_TOKEN, GUILD_ID, RANK_ROLE_IDS, map_rank_roles
from sv_common.discord.client import discord_rest_client
from sv_common.discord.member_sync import MemberSnapshot, full_sync, member_joined, member_left
from sv_common.discord.operations import run_member_sync
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import DiscordUser, GuildRank, Player
from sv_common.identity.players import create_player

ANN, BEN, CID = 850000000000000001, 850000000000000002, 850000000000000003


def snapshot(uid, name, roles=(), bot=False):
    return MemberSnapshot(
        discord_id=str(uid),
        username=name,
        display_name=name.title(),
        role_ids=tuple(str(r) for r in roles),
        role_names=tuple(f"role {r}" for r in roles),
        joined_at=datetime(2025, 5, 1, tzinfo=UTC),
        bot=bot,
    )


async def users(db):
    async with db.session() as session:
        return {u.discord_id: u for u in (await session.scalars(select(DiscordUser))).all()}


async def test_full_sync_from_the_fake_server_repairs_drift(db, fake_discord):
    fake_discord.add_member(GUILD_ID, ANN, "ann", nick="Annie", roles=[RANK_ROLE_IDS[2]])
    fake_discord.add_member(GUILD_ID, BEN, "ben")
    async with db.session() as session:  # CID left while the bot was down; BEN's roles changed
        await upsert_discord_user(
            session, discord_id=str(CID), username="cid", display_name=None, role_ids=[]
        )
        await upsert_discord_user(
            session, discord_id=str(BEN), username="ben", display_name=None, role_ids=[str(RANK_ROLE_IDS[1])]
        )
    emitted = []

    async def emit(name, **data):
        emitted.append((name, data))

    async with discord_rest_client(FAKE_TOKEN) as client:
        outcome = await run_member_sync(db, client, GUILD_ID, emit)

    stored = await users(db)
    assert set(stored) == {str(ANN), str(BEN), str(CID)}  # never deletes
    assert str(fake_discord.bot_user_id) not in stored  # bots are not members
    ann = stored[str(ANN)]
    assert (ann.username, ann.display_name, ann.role_ids, ann.is_present) == (
        "ann",
        "Annie",
        [str(RANK_ROLE_IDS[2])],
        True,
    )
    assert stored[str(BEN)].role_ids == []
    assert stored[str(CID)].is_present is False and stored[str(CID)].removed_at is not None
    assert outcome.counts() == {"joined": 1, "left": 1, "updated": 1, "roles_changed": 1, "rank_changes": 0}
    by_name = {name: data for name, data in emitted}
    assert (
        sorted(by_name)
        == [
            "discord.members_synced",
            "member.joined",
            "member.left",
            "member.roles_changed",
        ]
        and len(emitted) == 4
    )
    # The closing event comes last, with the sync's counts.
    assert emitted[-1] == ("discord.members_synced", outcome.counts())
    # Each names the member (summaries show names, not ids): from Discord, or as last stored.
    assert by_name["member.roles_changed"] == {
        "discord_id": str(BEN),
        "username": "ben",
        "display_name": "ben",
        "role_ids": [],
    }
    assert by_name["member.left"] == {"discord_id": str(CID), "username": "cid", "display_name": None}
    assert by_name["member.joined"]["discord_id"] == str(ANN)


async def test_an_empty_member_list_marks_nobody_as_left(db):
    async with db.session() as session:
        await upsert_discord_user(
            session, discord_id=str(ANN), username="ann", display_name=None, role_ids=[]
        )
        outcome = await full_sync(session, [snapshot(999, "bot", bot=True)])
    assert outcome.left == 0 and "came back empty" in outcome.notes[0]
    assert (await users(db))[str(ANN)].is_present is True


async def test_join_and_leave_move_the_linked_players_rank(db):
    await map_rank_roles(db)
    async with db.session() as session:
        discord_user, _ = await upsert_discord_user(
            session, discord_id=str(ANN), username="ann", display_name=None, role_ids=[]
        )
        await member_left(session, str(ANN))
        player = await create_player(session, display_name="Ann", discord_user_id=discord_user.id)
        veteran = await session.scalar(select(GuildRank.id).where(GuildRank.level == 3))

    async with db.session() as session:
        joined = await member_joined(session, snapshot(ANN, "ann", roles=[RANK_ROLE_IDS[3]]))
    assert [name for name, _ in joined.events] == ["member.joined", "player.rank_changed"]
    assert joined.events[1][1] == {
        "player_id": player.id,
        "old_rank_id": None,
        "new_rank_id": veteran,
        "source": "discord",
    }

    async with db.session() as session:
        left = await member_left(session, str(ANN))
        again = await member_left(session, str(ANN))  # a duplicate event changes nothing
        rank = await session.scalar(select(Player.guild_rank_id).where(Player.id == player.id))
        count = await session.scalar(select(func.count()).select_from(DiscordUser))
    assert [name for name, _ in left.events] == ["member.left", "player.rank_changed"]
    assert again.events == [] and rank is None and count == 1
