"""Verification and provisioning with a logged-in discord.py client (the bot, or a REST-only
client in a worker): the rank's role through the role-sync layer and a website invite."""

from __future__ import annotations

import logging
from typing import Any

import discord

from patt_onboarding.config import texts
from patt_onboarding.services import sessions

log = logging.getLogger("patt.onboarding")


async def verify_and_provision(
    host: Any, client: discord.Client, discord_id: str, display_name: str
) -> str | None:
    """Verify against the roster; once verified: role, invite, provisioned. The text to show
    the member, or None while their main is not on the roster (or not theirs) yet."""
    async with host.db.session() as session:
        onboarding = await sessions.get_session(session, discord_id, lock=True)
        if onboarding.state != "pending_verification":
            return None
        player = await sessions.verify(session, onboarding, display_name=display_name)
        if player is None:
            return None
        player_id = player.id
    role_assigned = await assign_role(host, client, discord_id)
    code = await invite(host, player_id)
    async with host.db.session() as session:
        onboarding = await sessions.get_session(session, discord_id, lock=True)
        await sessions.mark_provisioned(
            session, onboarding, role_assigned=role_assigned, invite_code=code, invite_sent=code is not None
        )
    words = texts(host.site.texts.get("onboarding"))
    parts = [f"**{words['done_title']}** {words['done']}"]
    if code is not None:
        register_url = f"{host.settings.public_base_url}/register?code={code}"
        parts.append(words["invite"].format(register_url=register_url, code=code))
    if words["schedule"]:
        parts.append(words["schedule"])
    return "\n".join(parts)


async def assign_role(host: Any, client: discord.Client, discord_id: str) -> bool:
    """The rank's Discord role through the role-sync layer (pre-flight; 50013 reported, not raised)."""
    from sv_common.discord.config import load_discord_config
    from sv_common.discord.role_access import fetch_role_access
    from sv_common.discord.role_sync import apply_role_plan, compute_role_plan, rank_role_map, split_blocked

    guild_id = host.settings.discord_guild_id
    if guild_id is None:
        return False
    guild = client.get_guild(guild_id)
    member = guild.get_member(int(discord_id)) if guild is not None else None
    try:
        if member is None:
            member = await (guild or await client.fetch_guild(guild_id)).fetch_member(int(discord_id))
    except discord.HTTPException:
        return False  # gone from the server meanwhile
    async with host.db.session() as session:
        if (await load_discord_config(session)).role_sync_mode == "to_site":
            return False  # Discord's roles are the source of truth there: nothing is pushed
        plan = await compute_role_plan(session, {discord_id: [str(r.id) for r in member.roles]})
        ranks = await rank_role_map(session)
    access = await fetch_role_access(client, guild_id, ranks.keys())
    sendable, blocked, _notes = split_blocked(plan, access, ranks, describe_all=False)
    results = await apply_role_plan(client.http, guild_id, sendable)
    for result in [*results, *blocked]:
        if result.status != "sent":
            log.warning("onboarding role for %s: %s %s", discord_id, result.status, result.error)
    return any(r.status == "sent" and r.change.action == "add" for r in results)


async def invite(host: Any, player_id: int) -> str | None:
    """A fresh website invite code, unless the player has an account already."""
    from sv_common.auth.service import create_invite
    from sv_common.identity.players import get_player

    async with host.db.session() as session:
        if (await get_player(session, player_id)).website_user_id is not None:
            return None
        created = await create_invite(session, player_id=player_id, generated_by="onboarding")
        return created.code
