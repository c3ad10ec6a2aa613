"""Every model sv_common owns, imported in one place for the migration checks."""

from sv_common.discord.models import RoleSyncRun
from sv_common.identity.models import (
    DiscordChannel,
    DiscordConfig,
    DiscordUser,
    GuildRank,
    InviteCode,
    LinkSuggestion,
    Player,
    PlayerCharacter,
    PlayerNoteAlias,
    Role,
    Specialization,
    User,
    WowCharacter,
    WowClass,
)
from sv_common.notify.models import NotificationOutbox
from sv_common.seasons import RaidSeason

__all__ = [
    "DiscordChannel",
    "DiscordConfig",
    "DiscordUser",
    "GuildRank",
    "InviteCode",
    "LinkSuggestion",
    "NotificationOutbox",
    "Player",
    "PlayerCharacter",
    "PlayerNoteAlias",
    "RaidSeason",
    "Role",
    "RoleSyncRun",
    "Specialization",
    "User",
    "WowCharacter",
    "WowClass",
]
