"""``patt demo`` with a Discord: the fake Discord server, in-process, with a demo guild.

A newcomer sees the bot work without creating a Discord application: the bot connects
to the fake (which refuses what Discord refuses), the status page shows it ready, the
role-sync dry run computes a plan against the demo members, and queued DMs and channel
posts are delivered. ``/admin/discord/sent`` shows what the bot sent.

The guild is built from the database the demo seeded: a role per rank (mapped on the
ranks when they have none), the highest rank's role placed above the bot's role as in
most real guilds (so the manageability check has something to show), a member per
Discord user, and channels, the crafters' and an officers-only audit channel among them
(set as the audit channel here; crafting's demo picks the crafters' one by its id).

Members hold their rank's role, as in a guild whose roles are kept up, except a few on
purpose (:data:`UNROLED`, :data:`LAGGING`): the drift rules and the role-sync dry run then
have a handful of real cases to show instead of nothing or everyone. After a restart the
roles the database last saw in Discord are kept.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from sv_common import notify
from sv_common.discord.config import load_discord_config
from sv_common.identity.models import DiscordUser, GuildRank, InviteCode, Player

if TYPE_CHECKING:
    from sv_common.testing.fake_discord import FakeDiscord

DEMO_TOKEN = "patt-demo-token"  # noqa: S105 - accepted only by the in-process fake
DEMO_GUILD_ID = 700000000000000001
BOT_ROLE_ID = 700000000000000002
ROLE_BASE = 700000000000000100
CATEGORY_ID, GENERAL_ID, ANNOUNCE_ID, OFFICERS_ID, CRAFTERS_ID, AUDIT_ID = (
    700000000000000200 + n for n in range(6)
)
MANAGE_ROLES, VIEW_CHANNEL = 1 << 28, 1 << 10
DEMO_FEATURE = "demo"
DEMO_INVITE = "demo"  # invite_codes.generated_by of the invite identity's demo prints
ROLE_PATH = re.compile(r"/guilds/\d+/members/\d+/roles/\d+")
# Members (below officer) who do not hold their rank's role, by position among them in
# Discord id order: new to the server and never given a role (drift: "No rank role in
# Discord") ...
UNROLED = (-1, -9)
# ... and one promoted in game who still holds the role of the rank below ("Rank and Discord
# role disagree"). The role-sync dry run plans what would fix the three.
LAGGING = 4


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
            await self._build_guild(session, fake, host.officer_level)
            await _queue_welcome(session, host)
        return fake

    async def stop(self) -> None:
        if self._patch is not None:
            self._patch.__exit__(None, None, None)
            self._patch = None
        if self.fake is not None:
            await self.fake.stop()

    async def _build_guild(self, session: Any, fake: FakeDiscord, officer_level: int) -> None:
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
        fake.add_channel(DEMO_GUILD_ID, CRAFTERS_ID, "crafters", parent_id=CATEGORY_ID, position=4)
        fake.add_channel(
            DEMO_GUILD_ID,
            AUDIT_ID,
            "audit-log",
            parent_id=CATEGORY_ID,
            position=5,
            permission_overwrites=hidden,
        )
        known = set(fake.guilds[DEMO_GUILD_ID].roles)
        roles = await _member_roles(session, {rank.id: rank for rank in ranks}, known, officer_level)
        for user in (
            await session.scalars(select(DiscordUser).where(DiscordUser.is_present.is_(True)))
        ).all():
            fake.add_member(
                DEMO_GUILD_ID,
                int(user.discord_id),
                user.username,
                global_name=user.display_name,
                roles=roles.get(user.id, ()),
            )
        config = await load_discord_config(session)
        config.guild_discord_id = str(DEMO_GUILD_ID)
        config.default_announcement_channel_id = str(ANNOUNCE_ID)
        # Drift's reports and "Post open findings to Discord", onboarding's notes to officers.
        config.audit_channel_id = str(AUDIT_ID)
        config.bot_dm_enabled = True
        config.feature_invite_dm = True
        config.feature_password_reset_dm = True
        # Onboarding's DMs too: an officer's "Resolve" then DMs the newcomer their invite (the
        # sent page shows it) instead of showing the officer the code.
        config.feature_onboarding_dm = True


async def _member_roles(
    session: Any, ranks: dict[int, GuildRank], known: set[int], officer_level: int
) -> dict[int, list[int]]:
    """The roles each Discord user (by row id) holds in the fake guild: what the database last
    saw in Discord when it saw any (a restart keeps the roles an officer's role sync set),
    else their player's rank role, except the :data:`UNROLED` and the :data:`LAGGING` one."""
    rows = (
        await session.execute(
            select(DiscordUser.id, DiscordUser.discord_id, DiscordUser.role_ids, Player.guild_rank_id)
            .outerjoin(Player, (Player.discord_user_id == DiscordUser.id) & Player.is_active.is_(True))
            .where(DiscordUser.is_present.is_(True))
        )
    ).all()
    planned: dict[int, list[int]] = {}
    below_officer = []
    for user_id, discord_id, _stored, rank_id in rows:
        rank = ranks.get(rank_id)
        planned[user_id] = [] if rank is None or rank.discord_role_id is None else [int(rank.discord_role_id)]
        if planned[user_id] and rank.level < officer_level:
            below_officer.append((int(discord_id), user_id, rank))
    below_officer.sort()
    unroled = {below_officer[i][1] for i in UNROLED if -len(below_officer) <= i < len(below_officer)}
    for user_id in unroled:
        planned[user_id] = []
    by_level = {rank.level: rank for rank in ranks.values()}
    promoted = [m for m in below_officer[LAGGING:] if m[1] not in unroled and m[2].level - 1 in by_level]
    if promoted:
        _, user_id, rank = promoted[0]
        planned[user_id] = [int(by_level[rank.level - 1].discord_role_id)]
    roles = {}
    for user_id, _discord_id, stored, _rank_id in rows:
        held = [int(r) for r in stored or () if str(r).isdigit() and int(r) in known]
        roles[user_id] = held or planned[user_id]
    return roles


async def _queue_welcome(session: Any, host: Any) -> None:
    """A channel post and the member's invite DM (each queued once: dedupe keys), so the
    outbox and the sent page show both. The DM carries the real invite identity's demo made
    (and ``patt demo`` printed): registering with it works."""
    await notify.post_channel(
        session,
        channel_id=ANNOUNCE_ID,
        content="Welcome to the PATT demo! Raid signups open on Tuesday.",
        feature=DEMO_FEATURE,
        dedupe_key="demo-welcome-post",
    )
    invite = await session.scalar(
        select(InviteCode)
        .join(Player, Player.id == InviteCode.player_id)
        .where(
            InviteCode.generated_by == DEMO_INVITE,
            InviteCode.used_at.is_(None),
            InviteCode.expires_at > func.now(),
            Player.discord_user_id.is_not(None),
        )
        .order_by(InviteCode.id.desc())
        .limit(1)
    )
    if invite is None:
        return
    url = f"{host.settings.public_base_url}/register?code={invite.code}"
    row = await notify.dm_player(
        session,
        player_id=invite.player_id,
        content=(
            f"You have been invited to register on the {host.site.title} site.\n"
            f"Your registration code: **{invite.code}**\nRegister here: {url}\n"
            f"The code expires <t:{int(invite.expires_at.timestamp())}:F>."
        ),
        feature="invite",
        dedupe_key=f"invite:{invite.id}",  # as identity's invites: the id, never the code
        shown_as="Registration invite (the code is hidden)",
    )
    if row.status != "skipped":
        invite.delivered_via = "dm"


# What the sent page shows of a message: bounded, so one long post cannot swamp the page.
TEXT_LIMIT, EMBED_TEXT_LIMIT, FIELD_LIMIT, FIELD_TEXT_LIMIT = 1000, 600, 10, 200
MENTION = re.compile(r"<(@!?|@&|#)(\d{15,21})>")
# Discord's markup the sent page shows as Discord would: **bold**, and <t:unix:style> as a
# date (in the viewer's zone; "R" as "in 3 days"). Everything else stays as sent, escaped.
BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
INLINE = re.compile(
    r"<(?:(?P<kind>@!?|@&|#)(?P<id>\d{15,21})|t:(?P<unix>-?\d{1,12})(?::(?P<style>[tTdDfFR]))?)>"
)
LAST_DAY = datetime(9999, 12, 31, tzinfo=UTC)


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


def _moment(unix: str) -> datetime | None:
    try:
        moment = datetime.fromtimestamp(int(unix), UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if moment <= LAST_DAY else None


def _inline(text: str, names: dict[str, dict[str, str]], bold: bool) -> list[dict[str, Any]]:
    """Plain text, mentions and timestamps of one run of text (bold or not)."""
    parts: list[dict[str, Any]] = []
    at = 0

    def add(part_text: str, **kind: Any) -> None:
        if part_text:
            parts.append({"text": part_text, "mention": False, "time": None, "bold": bold, **kind})

    for match in INLINE.finditer(text):
        if match["kind"]:
            name = names[match["kind"]].get(match["id"])
            if name is None:
                continue  # an unknown id stays as written
            add(text[at : match.start()])
            add(("#" if match["kind"] == "#" else "@") + name, mention=True)
        else:
            moment = _moment(match["unix"])
            if moment is None:
                continue
            add(text[at : match.start()])
            add(match.group(0), time=moment, style="relative" if match["style"] == "R" else "absolute")
        at = match.end()
    add(text[at:])
    return parts


def rendered(text: Any, names: dict[str, dict[str, str]], limit: int) -> list[dict[str, Any]]:
    """``text`` as parts for the template, which escapes them: plain text; mentions
    (``<@id>``, ``<#id>``, ``<@&id>``) as "@name" / "#name" when the id is known (an unknown
    one stays as written); ``<t:unix:style>`` as a time (``time``, shown in the viewer's zone);
    each part ``bold`` inside ``**...**``. Shortened to ``limit`` characters first."""
    text = _shorten(str(text or ""), limit)
    parts: list[dict[str, Any]] = []
    at = 0
    for match in BOLD.finditer(text):
        parts += _inline(text[at : match.start()], names, bold=False)
        parts += _inline(match.group(1), names, bold=True)
        at = match.end()
    return parts + _inline(text[at:], names, bold=False)


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
