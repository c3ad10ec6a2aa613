"""Gateway member events through the real bot: discord_users, the player's rank, domain events."""

from __future__ import annotations

from sqlalchemy import select

from patt_host import hookimpl
from patt_host.jobs.runner import run_job
from patt_host.testing.discord import GUILD_ID, RANK_ROLE_IDS, discord_host, map_rank_roles
from patt_host.testing.waiting import eventually
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import DiscordChannel, DiscordUser, GuildRank, Player
from sv_common.identity.players import create_player

CAROL, DAVE = 860000000000000001, 860000000000000002


class EventLog:
    name = "eventlog"

    def __init__(self) -> None:
        self.events: list = []

    @hookimpl
    def handle_event(self, event):
        self.events.append((event.name, dict(event.data)))


async def start(make_host, start_discord_bot):
    host = discord_host(make_host, plugins=["eventlog"], extra_plugins=[EventLog])
    await start_discord_bot(host)
    return host, host.plugin("eventlog").obj


async def rank_levels(db) -> dict[int, int]:
    async with db.session() as session:
        return {r.level: r.id for r in (await session.scalars(select(GuildRank))).all()}


async def test_join_role_change_and_leave_update_discord_users_and_rank(
    db, make_host, start_discord_bot, fake_discord
):
    await map_rank_roles(db)
    levels = await rank_levels(db)
    async with db.session() as session:  # known from before: a player whose Discord account left once
        discord_user, _ = await upsert_discord_user(
            session, discord_id=str(CAROL), username="carol", display_name=None, role_ids=[], is_present=False
        )
        player_id = (await create_player(session, display_name="Carol", discord_user_id=discord_user.id)).id
    host, log = await start(make_host, start_discord_bot)
    log.events.clear()

    async def state():
        async with db.session() as session:
            user = await session.scalar(select(DiscordUser).where(DiscordUser.discord_id == str(CAROL)))
            player = await session.get(Player, player_id)
            return user.is_present, list(user.role_ids or []), player.guild_rank_id, player.guild_rank_source

    await fake_discord.member_join(GUILD_ID, CAROL, "carol", nick="Caz", roles=[RANK_ROLE_IDS[2]])
    await eventually(lambda: _matches(state, (True, [str(RANK_ROLE_IDS[2])], levels[2], "discord")))
    await eventually(lambda: _has(log, "player.rank_changed"))
    assert [n for n, _ in log.events] == ["member.joined", "player.rank_changed"]
    assert log.events[0][1]["discord_id"] == str(CAROL) and log.events[0][1]["returning"] is True
    assert log.events[1][1] == {
        "player_id": player_id,
        "old_rank_id": None,
        "new_rank_id": levels[2],
        "source": "discord",
    }

    log.events.clear()
    await fake_discord.member_update(GUILD_ID, CAROL, roles=[RANK_ROLE_IDS[4]])
    await eventually(lambda: _matches(state, (True, [str(RANK_ROLE_IDS[4])], levels[4], "discord")))
    await eventually(lambda: _has(log, "player.rank_changed"))
    assert log.events == [
        (
            "member.roles_changed",
            {
                "discord_id": str(CAROL),
                "username": "carol",
                "display_name": "Caz",
                "role_ids": [str(RANK_ROLE_IDS[4])],
            },
        ),
        (
            "player.rank_changed",
            {"player_id": player_id, "old_rank_id": levels[2], "new_rank_id": levels[4], "source": "discord"},
        ),
    ]

    log.events.clear()
    await fake_discord.member_remove(GUILD_ID, CAROL)
    await eventually(lambda: _matches(state, (False, [str(RANK_ROLE_IDS[4])], None, None)))
    await eventually(lambda: _has(log, "player.rank_changed"))
    assert [n for n, _ in log.events] == ["member.left", "player.rank_changed"]
    assert log.events[0][1] == {"discord_id": str(CAROL), "username": "carol", "display_name": "Caz"}


async def test_bot_start_repairs_members_and_channels(db, make_host, start_discord_bot, fake_discord):
    """Members who left or joined while the bot was down are repaired when it connects."""
    fake_discord.add_member(GUILD_ID, DAVE, "dave")
    async with db.session() as session:
        await upsert_discord_user(
            session, discord_id=str(CAROL), username="carol", display_name=None, role_ids=[]
        )
    host, log = await start(make_host, start_discord_bot)
    async with db.session() as session:
        users = {u.discord_id: u.is_present for u in (await session.scalars(select(DiscordUser))).all()}
        channels = set((await session.scalars(select(DiscordChannel.name))).all())
    assert users == {str(CAROL): False, str(DAVE): True}
    assert channels == {"guild", "general", "announcements", "officers"}
    # The full sync closes with one summary event (drift scans after it).
    assert sorted(n for n, _ in log.events) == ["discord.members_synced", "member.joined", "member.left"]
    # The same repair runs as a scheduled job, recorded like every job.
    run = await run_job(host, "discord.member_sync", trigger="cron")
    assert run.status == "succeeded" and run.counts == {
        "joined": 0,
        "left": 0,
        "updated": 0,
        "roles_changed": 0,
        "rank_changes": 0,
    }


async def _matches(check, expected) -> bool:
    return (await check()) == expected


async def _has(log, name: str) -> bool:
    return any(n == name for n, _ in log.events)
