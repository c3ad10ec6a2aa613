"""Can the bot assign a role? The pre-flight of role sync and the rank-mapping pages.

Discord lets a bot add or remove a role only when the bot has Manage Roles and the role
sits below the bot's highest role; @everyone and roles managed by an integration (other
bots' roles, the booster role) can never be assigned. Asking first turns what would be a
403 per member on every run into one clear explanation per role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import discord


MOVE_BOT_ROLE = "drag the bot's role above it in Server Settings → Roles"


@dataclass(frozen=True)
class RoleAccess:
    role_id: str
    name: str | None
    problem: str | None  # None: the bot can assign it
    never: bool = False  # no change of role order or permissions can fix it

    @property
    def assignable(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {"role_id": self.role_id, "name": self.name, "problem": self.problem, "never": self.never}


def access_in_guild(
    guild: discord.Guild, me: discord.Member, role_ids: Iterable[str]
) -> dict[str, RoleAccess]:
    """Per role id, whether ``me`` (the bot's member) can assign it in ``guild``."""
    out: dict[str, RoleAccess] = {}
    for role_id in role_ids:
        role = guild.get_role(int(role_id))
        out[str(role_id)] = _access(guild, me, str(role_id), role)
    return out


def _access(guild: discord.Guild, me: discord.Member, role_id: str, role: discord.Role | None) -> RoleAccess:
    if role is None:
        return RoleAccess(role_id, None, "No such role on the Discord server (was it deleted?).", never=True)
    if role.is_default():
        return RoleAccess(role_id, role.name, "@everyone cannot be assigned; map a real role.", never=True)
    if role.managed:
        text = "Managed by an integration (a bot's or the booster role): Discord lets no one assign it."
        return RoleAccess(role_id, role.name, text, never=True)
    if guild.owner_id == me.id:
        return RoleAccess(role_id, role.name, None)
    if not me.guild_permissions.manage_roles:
        text = "The bot lacks the Manage Roles permission: grant it to the bot's role in Server Settings → Roles."
        return RoleAccess(role_id, role.name, text)
    if role >= me.top_role:
        text = f"Not below the bot's highest role ({me.top_role.name}): {MOVE_BOT_ROLE}."
        return RoleAccess(role_id, role.name, text)
    return RoleAccess(role_id, role.name, None)


async def fetch_role_access(
    client: discord.Client, guild_id: int, role_ids: Iterable[str]
) -> dict[str, RoleAccess]:
    """From the bot's cache when it is connected, else over REST (guild roles + the bot's member)."""
    guild = client.get_guild(guild_id)
    me = guild.me if guild is not None else None
    if guild is None or me is None:
        guild = await client.fetch_guild(guild_id)
        assert client.user is not None
        me = await guild.fetch_member(client.user.id)
    return access_in_guild(guild, me, role_ids)


def cached_role_access(
    client: discord.Client | None, role_ids: Iterable[str]
) -> dict[str, RoleAccess] | None:
    """From a connected bot's cache, looking in every guild it is in; None without a bot.

    For pages and form checks, which must not call Discord on every request.
    """
    if client is None or client.is_closed() or not client.is_ready():
        return None
    wanted = [str(r) for r in role_ids]
    out: dict[str, RoleAccess] = {}
    for role_id in wanted:
        for guild in client.guilds:
            if guild.get_role(int(role_id)) is not None and guild.me is not None:
                out.update(access_in_guild(guild, guild.me, [role_id]))
                break
        else:
            out[role_id] = RoleAccess(role_id, None, "No such role on the bot's Discord server.", never=True)
    return out


def never_assignable(client: discord.Client | None, guild_id: Any, role_id: str) -> str | None:
    """Why mapping a rank to ``role_id`` can never work (None when it can, or is unknown).

    @everyone is recognised without Discord (its id is the guild's); managed or unknown
    roles only when a connected bot's cache says so. Placement problems are fixable and
    not reported here.
    """
    if guild_id is not None and str(guild_id) == str(role_id):
        return "@everyone cannot be assigned; map a real role."
    access = cached_role_access(client, [role_id])
    if access is not None and access[str(role_id)].never:
        return access[str(role_id)].problem
    return None
