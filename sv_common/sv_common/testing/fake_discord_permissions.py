"""Discord's permission arithmetic for the fake: base permissions, channel overwrites, role hierarchy.

Follows the algorithm in Discord's permissions documentation: @everyone's permissions
OR-ed with the member's roles; the owner and Administrators have everything; in a
channel, the @everyone overwrite, then the roles' overwrites together, then the
member's own overwrite. A role can be assigned only by a member holding Manage Roles
whose highest role is above it, and never when it is @everyone or managed by an
integration.
"""

from __future__ import annotations

from typing import Any

ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_ROLES = 1 << 28
ALL_PERMISSIONS = (1 << 53) - 1


def base_permissions(guild: Any, user_id: int) -> int:
    if user_id == guild.owner_id:
        return ALL_PERMISSIONS
    member = guild.members[user_id]
    value = int(guild.roles[guild.id]["permissions"])
    for role_id in member["roles"]:
        role = guild.roles.get(int(role_id))
        if role is not None:
            value |= int(role["permissions"])
    return ALL_PERMISSIONS if value & ADMINISTRATOR else value


def channel_permissions(guild: Any, user_id: int, channel: dict) -> int:
    value = base_permissions(guild, user_id)
    if value & ADMINISTRATOR or value == ALL_PERMISSIONS:
        return ALL_PERMISSIONS
    overwrites = {int(o["id"]): o for o in channel.get("permission_overwrites") or []}
    everyone = overwrites.get(guild.id)
    if everyone is not None:
        value = (value & ~int(everyone["deny"])) | int(everyone["allow"])
    allow = deny = 0
    for role_id in guild.members[user_id]["roles"]:
        overwrite = overwrites.get(int(role_id))
        if overwrite is not None and overwrite.get("type", 0) == 0:
            allow |= int(overwrite["allow"])
            deny |= int(overwrite["deny"])
    value = (value & ~deny) | allow
    own = overwrites.get(user_id)
    if own is not None and own.get("type") == 1:
        value = (value & ~int(own["deny"])) | int(own["allow"])
    return value


def top_role_position(guild: Any, user_id: int) -> int:
    """Position of the member's highest role (0, @everyone's, when they have none)."""
    positions = [
        guild.roles[int(r)]["position"] for r in guild.members[user_id]["roles"] if int(r) in guild.roles
    ]
    return max(positions, default=0)


def why_role_unmanageable(guild: Any, bot_user_id: int, role_id: int) -> str | None:
    """Why the bot cannot assign ``role_id`` (None when it can)."""
    role = guild.roles[role_id]
    if role_id == guild.id:
        return "@everyone cannot be assigned"
    if role["managed"]:
        return "managed by an integration"
    if bot_user_id == guild.owner_id:
        return None
    if not base_permissions(guild, bot_user_id) & MANAGE_ROLES:
        return "the bot lacks Manage Roles"
    if role["position"] >= top_role_position(guild, bot_user_id):
        return "the role is not below the bot's highest role"
    return None
