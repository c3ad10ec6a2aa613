"""``patt demo`` with a Discord: the fake Discord server, in-process, with a demo guild.

A newcomer sees the bot work without creating a Discord application: the bot connects
to the fake (which refuses what Discord refuses), the status page shows it ready, the
role-sync dry run computes a plan against the demo members, and queued DMs and channel
posts are delivered. ``/admin/discord/sent`` shows what the bot sent.

The guild is built from the database the demo seeded: a role per rank (mapped on the
ranks when they have none), the highest rank's role placed above the bot's role as in
most real guilds (so the manageability check has something to show), and a member per
Discord user, holding no rank role yet.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sv_common import notify
from sv_common.discord.config import load_discord_config
from sv_common.identity.models import DiscordUser, GuildRank, Player

if TYPE_CHECKING:
    from sv_common.testing.fake_discord import FakeDiscord

DEMO_TOKEN = "patt-demo-token"  # noqa: S105 - accepted only by the in-process fake
DEMO_GUILD_ID = 700000000000000001
BOT_ROLE_ID = 700000000000000002
ROLE_BASE = 700000000000000100
CATEGORY_ID, GENERAL_ID, ANNOUNCE_ID, OFFICERS_ID = (700000000000000200 + n for n in range(4))
MANAGE_ROLES, VIEW_CHANNEL = 1 << 28, 1 << 10
DEMO_FEATURE = "demo"
ROLE_PATH = re.compile(r"/guilds/\d+/members/\d+/roles/\d+")


class DemoDiscord:
    """Owns the fake Discord of a demo process; set on ``host.demo_discord`` by ``patt demo``."""

    def __init__(self) -> None:
        self.fake: FakeDiscord | None = None
        self._patch: contextlib.AbstractContextManager | None = None

    @staticmethod
    def configure(host: Any) -> None:
        """Give the host a bot token and guild that only the fake accepts."""
        from pydantic import SecretStr

        host.settings.discord_bot_token = SecretStr(DEMO_TOKEN)
        host.settings.discord_guild_id = DEMO_GUILD_ID
        host.demo_discord = DemoDiscord()

    async def start(self, host: Any) -> FakeDiscord:
        from sv_common.testing.fake_discord import FakeDiscord  # only the demo needs the fake

        fake = FakeDiscord(token=DEMO_TOKEN, bot_username="PATT Demo Bot")
        await fake.start()  # before anything is queued: a delivery may start at the commit
        self._patch = fake.patch_client()
        self._patch.__enter__()
        self.fake = fake
        async with host.db.session() as session:
            await self._build_guild(session, fake)
            await _queue_welcome(session)
        return fake

    async def stop(self) -> None:
        if self._patch is not None:
            self._patch.__exit__(None, None, None)
            self._patch = None
        if self.fake is not None:
            await self.fake.stop()

    async def _build_guild(self, session: Any, fake: FakeDiscord) -> None:
        fake.add_guild(DEMO_GUILD_ID, "PATT Demo Guild")
        ranks = (await session.scalars(select(GuildRank).order_by(GuildRank.level))).all()
        top = len(ranks)
        for position, rank in enumerate(ranks, start=1):
            if rank.discord_role_id is None:
                rank.discord_role_id = str(ROLE_BASE + rank.level)
            # The highest rank's role sits above the bot's, as in most guilds.
            fake.add_role(
                DEMO_GUILD_ID, int(rank.discord_role_id), rank.name, position=position + (position == top)
            )
        fake.add_role(DEMO_GUILD_ID, BOT_ROLE_ID, "PATT Bot", position=top, permissions=MANAGE_ROLES)
        fake.add_member(DEMO_GUILD_ID, fake.bot_user_id, "PATT Demo Bot", roles=[BOT_ROLE_ID])
        fake.add_channel(DEMO_GUILD_ID, CATEGORY_ID, "guild", type=4)
        fake.add_channel(DEMO_GUILD_ID, GENERAL_ID, "general", parent_id=CATEGORY_ID, position=1)
        fake.add_channel(DEMO_GUILD_ID, ANNOUNCE_ID, "announcements", parent_id=CATEGORY_ID, position=2)
        hidden = [
            {"id": DEMO_GUILD_ID, "type": 0, "allow": 0, "deny": VIEW_CHANNEL},
            {"id": BOT_ROLE_ID, "type": 0, "allow": VIEW_CHANNEL, "deny": 0},
        ]
        fake.add_channel(
            DEMO_GUILD_ID,
            OFFICERS_ID,
            "officers",
            parent_id=CATEGORY_ID,
            position=3,
            permission_overwrites=hidden,
        )
        for user in (
            await session.scalars(select(DiscordUser).where(DiscordUser.is_present.is_(True)))
        ).all():
            fake.add_member(DEMO_GUILD_ID, int(user.discord_id), user.username, global_name=user.display_name)
        config = await load_discord_config(session)
        config.guild_discord_id = str(DEMO_GUILD_ID)
        config.default_announcement_channel_id = str(ANNOUNCE_ID)
        config.bot_dm_enabled = True
        config.feature_invite_dm = True
        config.feature_password_reset_dm = True


async def _queue_welcome(session: Any) -> None:
    """One channel post and one DM (queued once: dedupe keys), so the outbox and the sent page show both."""
    await notify.post_channel(
        session,
        channel_id=ANNOUNCE_ID,
        content="Welcome to the PATT demo! Raid signups open on Tuesday.",
        feature=DEMO_FEATURE,
        dedupe_key="demo-welcome-post",
    )
    player_id = await session.scalar(
        select(Player.id).where(Player.discord_user_id.is_not(None)).order_by(Player.id).limit(1)
    )
    if player_id is not None:
        await notify.dm_player(
            session,
            player_id=player_id,
            content="Hi from the PATT demo bot: your invite code is DEMO-1234.",
            feature="invite",
            dedupe_key="demo-welcome-dm",
        )


def sent_log(fake: FakeDiscord) -> list[dict[str, Any]]:
    """What the bot sent to the fake, newest first: channel posts, DMs and role changes."""
    channels = {int(c["id"]): c for g in fake.guilds.values() for c in g.channels.values()}
    dm_recipients = {c["id"]: c["recipients"][0] for c in fake.dm_channels.values()}
    rows: list[dict[str, Any]] = []
    for message in fake.sent_messages:
        if message["channel_id"] in dm_recipients:
            where = f"DM to @{dm_recipients[message['channel_id']]['username']}"
        else:
            channel = channels.get(int(message["channel_id"]))
            where = f"#{channel['name']}" if channel else message["channel_id"]
        embeds = [e.get("title") or e.get("description") or "" for e in message.get("embeds") or []]
        rows.append(
            {
                "id": message["id"],
                "at": message["timestamp"],
                "where": where,
                "text": message["content"],
                "embeds": embeds,
            }
        )
    return list(reversed(rows))


def role_log(fake: FakeDiscord) -> list[dict[str, Any]]:
    """Role changes the bot asked for (PUT adds, DELETE removes) and Discord's answers."""
    guild = fake.guilds.get(DEMO_GUILD_ID)
    out = []
    for request in fake.requests:
        if request.method not in ("PUT", "DELETE") or not ROLE_PATH.fullmatch(request.path):
            continue
        _, _, _, user_id, _, role_id = request.path.strip("/").split("/")
        user = fake.users.get(int(user_id), {})
        role = guild.roles.get(int(role_id), {}) if guild else {}
        out.append(
            {
                "action": "add" if request.method == "PUT" else "remove",
                "member": user.get("username", user_id),
                "role": role.get("name", role_id),
                "status": request.status_returned,
            }
        )
    return list(reversed(out))
