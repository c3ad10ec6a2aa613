"""Identity: players, characters, Discord users, ranks (the one rank rule) and link suggestions.

Services take an ``AsyncSession`` and plain values; they flush, never commit. See
``docs/sv_common/identity.md``. ``ranks.ranks`` is exported as ``list_ranks`` so the name
``sv_common.identity.ranks`` stays the module.
"""

from sv_common.identity.aliases import add_note_alias, note_aliases_of, remove_note_alias
from sv_common.identity.characters import (
    find_character,
    get_character,
    owner_of,
    set_character_removed,
    upsert_character,
)
from sv_common.identity.discord_users import (
    discord_user_left,
    find_discord_user,
    mark_discord_user_left,
    upsert_discord_user,
)
from sv_common.identity.matching import (
    DEFAULT_RULES,
    CharacterNameRule,
    MatchContext,
    MatchingReport,
    MatchingRule,
    NoteKeyRule,
    Suggestion,
    apply_suggestion,
    pending_suggestions,
    reject_suggestion,
    rule_set,
    run_matching,
)
from sv_common.identity.normalise import name_key, realm_slug
from sv_common.identity.players import (
    characters_of,
    create_player,
    deactivate_player,
    get_player,
    link_character,
    link_discord,
    player_for_discord_user,
    player_for_website_user,
    reactivate_player,
    rename_player,
    set_main_and_offspec,
    unlink_character,
)
from sv_common.identity.ranks import (
    RankChange,
    decide_rank,
    discord_role_for_rank,
    drain_rank_changes,
    rank_for_discord_roles,
    rank_for_wow_index,
    recompute_all,
    recompute_for_characters,
    recompute_for_discord_user,
    recompute_player_rank,
    set_character_wow_rank,
    set_rank_override,
)
from sv_common.identity.ranks import ranks as list_ranks

__all__ = [
    "DEFAULT_RULES",
    "CharacterNameRule",
    "MatchContext",
    "MatchingReport",
    "MatchingRule",
    "NoteKeyRule",
    "RankChange",
    "Suggestion",
    "add_note_alias",
    "apply_suggestion",
    "characters_of",
    "create_player",
    "deactivate_player",
    "decide_rank",
    "discord_role_for_rank",
    "discord_user_left",
    "drain_rank_changes",
    "find_character",
    "find_discord_user",
    "get_character",
    "get_player",
    "link_character",
    "link_discord",
    "list_ranks",
    "mark_discord_user_left",
    "name_key",
    "note_aliases_of",
    "owner_of",
    "pending_suggestions",
    "player_for_discord_user",
    "player_for_website_user",
    "rank_for_discord_roles",
    "rank_for_wow_index",
    "reactivate_player",
    "realm_slug",
    "recompute_all",
    "recompute_for_characters",
    "recompute_for_discord_user",
    "recompute_player_rank",
    "reject_suggestion",
    "remove_note_alias",
    "rename_player",
    "rule_set",
    "run_matching",
    "set_character_removed",
    "set_character_wow_rank",
    "set_main_and_offspec",
    "set_rank_override",
    "unlink_character",
    "upsert_character",
    "upsert_discord_user",
]
