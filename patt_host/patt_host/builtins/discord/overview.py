"""What the Discord admin page and status API show: bot, settings, syncs, queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from sv_common import notify
from sv_common.discord.channel_sync import channel_dict, list_channels
from sv_common.discord.config import ROLE_SYNC_MODES, dm_feature_names, feature_column, load_discord_config
from sv_common.discord.role_access import cached_role_access
from sv_common.discord.role_sync import latest_run, rank_role_map, run_dict
from sv_common.identity.models import DiscordUser, GuildRank

if TYPE_CHECKING:
    from patt_host.api import HostAPI


BOT_OFF_TEXT = "The Discord bot is off (DISCORD_BOT_TOKEN is not set): nothing is sent to Discord."


def bot_state(host: HostAPI) -> dict[str, Any]:
    state = host.status.get("bot", "off")
    bot = host.bot
    return {
        "status": state,
        "token_set": host.settings.discord_bot_token is not None,
        "off_text": BOT_OFF_TEXT if host.settings.discord_bot_token is None else None,
        "user": str(bot.user) if bot is not None and bot.user is not None else None,
        "cogs": dict(getattr(bot, "cog_status", {}) or {}),
        "commands": dict(getattr(bot, "plugin_commands", {}) or {}),
    }


def config_dict(config: Any) -> dict[str, Any]:
    return {
        "guild_discord_id": config.guild_discord_id,
        "role_sync_mode": config.role_sync_mode,
        "role_sync_modes": list(ROLE_SYNC_MODES),
        "role_sync_interval_hours": config.role_sync_interval_hours,
        "last_role_sync_at": config.last_role_sync_at,
        "default_announcement_channel_id": config.default_announcement_channel_id,
        "audit_channel_id": config.audit_channel_id,
        "bot_dm_enabled": config.bot_dm_enabled,
        "dm_features": {name: bool(getattr(config, feature_column(name))) for name in dm_feature_names()},
    }


async def overview(host: HostAPI, session: Any) -> dict[str, Any]:
    """Everything the Discord admin page shows, in one dict (also the status API)."""
    config = await load_discord_config(session)
    members_present = await session.scalar(
        select(func.count()).select_from(DiscordUser).where(DiscordUser.is_present.is_(True))
    )
    members_total = await session.scalar(select(func.count()).select_from(DiscordUser))
    last_member_sync = await session.scalar(select(func.max(DiscordUser.last_sync)))
    mapping = await rank_role_map(session)
    ranks = (await session.scalars(select(GuildRank).order_by(GuildRank.level.desc()))).all()
    run = await latest_run(session)
    # From the connected bot's cache only: a page view must not call Discord.
    access = cached_role_access(host.bot, [r.discord_role_id for r in ranks if r.discord_role_id])
    return {
        "bot": bot_state(host),
        "demo": host.demo_discord is not None,
        "guild_id": config.guild_discord_id
        or (str(host.settings.discord_guild_id) if host.settings.discord_guild_id else None),
        "config": config_dict(config),
        "members": {"present": members_present, "total": members_total, "last_sync": last_member_sync},
        "ranks": [
            {
                "id": r.id,
                "name": r.name,
                "level": r.level,
                "discord_role_id": r.discord_role_id,
                "access": access[r.discord_role_id].as_dict()
                if access is not None and r.discord_role_id
                else None,
            }
            for r in ranks
        ],
        "mapped_roles": len(mapping),
        "role_sync": run_dict(run, plan_limit=300) if run is not None else None,
        "channels": [channel_dict(c) for c in await list_channels(session)],
        "notifications": await notify.status_counts(session),
    }


async def outbox_recipients(session: Any, rows: list[dict[str, Any]]) -> dict[int, str]:
    """Names for the outbox's "To" column (a row id -> "Player (@user)" or "#channel"):
    a bare Discord id reads like a bug to an officer. Unknown targets are left out.

    An ``edit`` row changes a message sent earlier and has that message's target: it is
    named like it (a channel by its name, a member's DM by the member)."""
    from sv_common.identity.models import DiscordChannel, Player

    player_ids = {r["player_id"] for r in rows if r.get("player_id")}
    dm_ids = {r["target"] for r in rows if r["kind"] in ("dm", "edit") and r.get("target")}
    channel_ids = {r["target"] for r in rows if r["kind"] in ("channel", "edit") and r.get("target")}
    players = dict(
        (await session.execute(select(Player.id, Player.display_name).where(Player.id.in_(player_ids)))).all()
    )
    users = dict(
        (
            await session.execute(
                select(DiscordUser.discord_id, DiscordUser.username).where(DiscordUser.discord_id.in_(dm_ids))
            )
        ).all()
    )
    channels = dict(
        (
            await session.execute(
                select(DiscordChannel.discord_channel_id, DiscordChannel.name).where(
                    DiscordChannel.discord_channel_id.in_(channel_ids)
                )
            )
        ).all()
    )
    names: dict[int, str] = {}
    for row in rows:
        if row["kind"] == "edit" and row.get("target") in channels:
            names[row["id"]] = f"#{channels[row['target']]}"
            continue
        if row["kind"] == "channel":
            if row.get("target") in channels:
                names[row["id"]] = f"#{channels[row['target']]}"
            continue
        player, user = players.get(row.get("player_id")), users.get(row.get("target"))
        if player and user:
            names[row["id"]] = f"{player} (@{user})"
        elif player or user:
            names[row["id"]] = player or f"@{user}"
    return names
