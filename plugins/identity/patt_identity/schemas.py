"""Request bodies of the identity JSON API (responses are plain dicts in the envelope)."""

from typing import Annotated, Literal

from fastapi import Query
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from sv_common.validation import DbId, JsonBool, JsonInt, NonBlankStr


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class LoginRequest(Body):
    # "discord_username" is what the original API called it.
    username: str = Field(
        min_length=1, max_length=64, validation_alias=AliasChoices("username", "discord_username")
    )
    password: str = Field(min_length=1, max_length=256)


class RegisterRequest(Body):
    code: str = Field(min_length=1, max_length=64)
    username: str = Field(
        min_length=1, max_length=64, validation_alias=AliasChoices("username", "discord_username")
    )
    password: str = Field(min_length=1, max_length=256)


class PasswordChange(Body):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class DeleteAccount(Body):
    password: str = Field(min_length=1, max_length=256)


# --- officers ----------------------------------------------------------------------------


class PlayerCreate(Body):
    display_name: NonBlankStr = Field(min_length=1, max_length=100)
    notes: str | None = Field(None, max_length=2000)


class PlayerUpdate(Body):
    """Only the fields sent are changed; ``rank_override_id: null`` clears the override."""

    display_name: NonBlankStr | None = Field(None, min_length=1, max_length=100)
    is_active: JsonBool | None = None
    rank_override_id: DbId | None = None
    notes: str | None = Field(None, max_length=2000)


class DiscordLink(Body):
    # guild_identity.discord_users.id; null unlinks.
    discord_user_id: DbId | None


class CharacterRole(Body):
    """How the Player Manager marks one of a player's characters."""

    role: Literal["main", "offspec", "alt"]


class CharacterOwner(Body):
    # guild_identity.players.id; null unlinks.
    player_id: DbId | None


class RankCreate(Body):
    name: NonBlankStr = Field(min_length=1, max_length=50)
    level: JsonInt = Field(ge=1, le=100)
    description: str | None = Field(None, max_length=500)
    wow_rank_index: JsonInt | None = Field(None, ge=0, le=9)
    discord_role_id: str | None = Field(None, max_length=20, pattern=r"^\d{1,20}$")
    scheduling_weight: JsonInt = Field(0, ge=0, le=100)


class RankUpdate(Body):
    """Only the fields sent are changed; null clears ``wow_rank_index``/``discord_role_id``."""

    name: NonBlankStr | None = Field(None, min_length=1, max_length=50)
    level: JsonInt | None = Field(None, ge=1, le=100)
    description: str | None = Field(None, max_length=500)
    wow_rank_index: JsonInt | None = Field(None, ge=0, le=9)
    discord_role_id: str | None = Field(None, max_length=20, pattern=r"^\d{1,20}$")
    scheduling_weight: JsonInt | None = Field(None, ge=0, le=100)


class RoleRename(Body):
    name: NonBlankStr = Field(min_length=1, max_length=20)


# A row id in a JSON body: a plain JSON integer (true, "15", 15.0 are 422).
RowId = DbId


class BulkRank(Body):
    """The Player Manager's bulk action: one rank override (null: automatic) for many players."""

    player_ids: list[RowId] = Field(min_length=1, max_length=500)
    rank_override_id: RowId | None


class BulkApply(Body):
    """Suggestions applied in one action (an adoption brings ~300)."""

    suggestion_ids: list[RowId] = Field(min_length=1, max_length=2000)


class NoteAliasCreate(Body):
    player_id: RowId
    alias: str = Field(min_length=2, max_length=50)


# "Run matching" limited to characters of this in-game rank or above (a rank's level, as
# RankCreate bounds it; a level no rank has is refused by matching.service.check_rank_level,
# also 422). The page's ?min_rank_level= and the job's kwargs share the bounds.
RANK_LEVEL_MIN, RANK_LEVEL_MAX = 1, 100
MinRankLevel = Annotated[int | None, Query(ge=RANK_LEVEL_MIN, le=RANK_LEVEL_MAX)]


class MatchingKwargs(Body):
    """The ``identity.run_matching`` job's arguments: the host checks them before a run is
    queued (``POST /api/v1/jobs/identity.run_matching/run`` answers 422 naming the field) and
    when it starts; a plain JSON integer (not "5", true or 5.0)."""

    min_rank_level: Annotated[JsonInt, Field(ge=RANK_LEVEL_MIN, le=RANK_LEVEL_MAX)] | None = None
