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
        # Onboarding's DMs too: an officer's "Resolve" then DMs the newcomer their invite (the
        # sent page shows it) instead of showing the officer the code.
        config.feature_onboarding_dm = True


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


# What the sent page shows of a message: bounded, so one long post cannot swamp the page.
TEXT_LIMIT, EMBED_TEXT_LIMIT, FIELD_LIMIT, FIELD_TEXT_LIMIT = 1000, 600, 10, 200
MENTION = re.compile(r"<(@!?|@&|#)(\d{15,21})>")


def _mention_names(fake: FakeDiscord) -> dict[str, dict[str, str]]:
    """Names for mentions: members (their server nickname, else display name, else
    username), channels and roles, by id."""
    users = {str(uid): u.get("global_name") or u.get("username") or str(uid) for uid, u in fake.users.items()}
    channels: dict[str, str] = {}
    roles: dict[str, str] = {}
    for guild in fake.guilds.values():
        for uid, member in guild.members.items():
            if member.get("nick"):
                users[str(uid)] = member["nick"]
        channels.update({str(cid): c["name"] for cid, c in guild.channels.items()})
        roles.update({str(rid): r["name"] for rid, r in guild.roles.items()})
    return {"@": users, "@!": users, "#": channels, "@&": roles}


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rendered(text: Any, names: dict[str, dict[str, str]], limit: int) -> list[dict[str, Any]]:
    """``text`` as parts for the template, which escapes them: plain text, and mentions
    (``<@id>``, ``<#id>``, ``<@&id>``) as "@name" / "#name" when the id is known (an unknown
    one stays as written). Shortened to ``limit`` characters first."""
    text = _shorten(str(text or ""), limit)
    parts: list[dict[str, Any]] = []
    at = 0
    for match in MENTION.finditer(text):
        kind, snowflake = match.groups()
        name = names[kind].get(snowflake)
        if name is None:
            continue
        if match.start() > at:
            parts.append({"text": text[at : match.start()], "mention": False})
        parts.append({"text": ("#" if kind == "#" else "@") + name, "mention": True})
        at = match.end()
    if at < len(text):
        parts.append({"text": text[at:], "mention": False})
    return parts


def _embed(embed: dict[str, Any], names: dict[str, dict[str, str]]) -> dict[str, Any]:
    fields = embed.get("fields") or []
    return {
        "title": _shorten(str(embed.get("title") or ""), FIELD_TEXT_LIMIT),
        "description": rendered(embed.get("description"), names, EMBED_TEXT_LIMIT),
        "fields": [
            {
                "name": rendered(f.get("name"), names, FIELD_TEXT_LIMIT),
                "value": rendered(f.get("value"), names, FIELD_TEXT_LIMIT),
            }
            for f in fields[:FIELD_LIMIT]
        ],
        "more_fields": max(len(fields) - FIELD_LIMIT, 0),
        "footer": _shorten(str((embed.get("footer") or {}).get("text") or ""), FIELD_TEXT_LIMIT),
    }


def sent_log(fake: FakeDiscord) -> list[dict[str, Any]]:
    """What the bot sent to the fake, newest first: channel posts and DMs as they stand now
    (an edit changes the message in place: ``edited_at`` says when), with their embeds."""
    channels = {int(c["id"]): c for g in fake.guilds.values() for c in g.channels.values()}
    dm_recipients = {c["id"]: c["recipients"][0] for c in fake.dm_channels.values()}
    names = _mention_names(fake)
    rows: list[dict[str, Any]] = []
    for message in fake.sent_messages:
        if message["channel_id"] in dm_recipients:
            where = f"DM to @{dm_recipients[message['channel_id']]['username']}"
        else:
            channel = channels.get(int(message["channel_id"]))
            where = f"#{channel['name']}" if channel else message["channel_id"]
        rows.append(
            {
                "id": message["id"],
                "at": message["timestamp"],
                "edited_at": message.get("edited_timestamp"),
                "where": where,
                "text": rendered(message["content"], names, TEXT_LIMIT),
                "embeds": [_embed(e, names) for e in message.get("embeds") or []],
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
