"""Every model sv_common owns, imported in one place for the migration checks."""

from sv_common.identity.models import (
    DiscordChannel,
    DiscordConfig,
    DiscordUser,
    GuildRank,
    InviteCode,
    Player,
    PlayerCharacter,
    Role,
    Specialization,
    User,
    WowCharacter,
    WowClass,
)

__all__ = [
    "DiscordChannel",
    "DiscordConfig",
    "DiscordUser",
    "GuildRank",
    "InviteCode",
    "Player",
    "PlayerCharacter",
    "Role",
    "Specialization",
    "User",
    "WowCharacter",
    "WowClass",
]
