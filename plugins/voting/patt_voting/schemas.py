"""Request bodies of the voting API, validated at the edge (responses are plain dicts)."""

import re
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from patt_voting.services.counting import METHODS
from patt_voting.services.images import displayable_image_url
from sv_common.validation import DbId, JsonBool, JsonInt, is_blank

MAX_ID = 2**31 - 1
# A row id in a JSON body: a plain JSON integer (the pages' forms convert theirs first).
Id = DbId
RankLevel = Annotated[JsonInt, Field(ge=0, le=100)]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_NEWLINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,10}")


def form_int(value: str) -> int | None:
    """A form field as a whole number, or None. ASCII digits only: ``"²".isdigit()`` is True
    but ``int("²")`` raises."""
    return int(value) if _WHOLE_NUMBER.fullmatch(value) else None


def _single_line(value: str) -> str:
    """One line, trimmed; blank (spaces or invisible characters only) is refused."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if is_blank(value):
        raise ValueError("must not be blank")
    return value.strip()


def _multi_line(value: str) -> str:
    if _CONTROL_EXCEPT_NEWLINES.search(value):
        raise ValueError("must not contain control characters")
    return value


def _image_url(value: str) -> str:
    """A direct https image URL; share links of common hosts (Google Drive, Dropbox, Imgur,
    GitHub) become their direct form."""
    return displayable_image_url(_single_line(value))


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a timezone (e.g. 2026-12-24T18:00:00Z)")
    value = value.astimezone(UTC)
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return value


Line200 = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_single_line)]
Text = Annotated[str, Field(max_length=5000), AfterValidator(_multi_line)]
ImageUrl = Annotated[str, Field(max_length=2000), AfterValidator(_image_url)]
ChannelId = Annotated[str, Field(pattern=r"^\d{15,21}$")]
StartAt = Annotated[datetime, AfterValidator(_aware)]
Method = Literal[METHODS]  # type: ignore[valid-type]
Chattiness = Literal["quiet", "normal", "hype"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartialBody(Body):
    """A PATCH body: only the fields sent change; those in ``NULLABLE`` may be sent as null."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _sent_fields_not_null(self):
        nulls = sorted(n for n in self.model_fields_set - self.NULLABLE if getattr(self, n) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self

    def changes(self) -> dict:
        return self.model_dump(include=self.model_fields_set)


class CampaignFields(PartialBody):
    """Every field optional: PATCH sends only what changes."""

    NULLABLE = frozenset({"description", "min_rank_to_view", "discord_channel_id"})

    title: Line200 | None = None
    description: Text | None = None
    picks_per_voter: JsonInt | None = Field(None, ge=1, le=50)
    min_rank_to_vote: RankLevel | None = None
    min_rank_to_view: RankLevel | None = None
    start_at: StartAt | None = None
    duration_hours: JsonInt | None = Field(None, ge=1, le=8784)
    early_close_if_all_voted: JsonBool | None = None
    discord_channel_id: ChannelId | None = None
    agent_enabled: JsonBool | None = None
    agent_chattiness: Chattiness | None = None
    counting_method: Method | None = None
    exact_picks: JsonBool | None = None
    allow_ballot_change: JsonBool | None = None
    # Live standings are recounted after this many new or changed ballots; 0: turnout only.
    live_results_every: JsonInt | None = Field(None, ge=0, le=1000)


class CampaignCreate(CampaignFields):
    title: Line200
    min_rank_to_vote: RankLevel = 1
    start_at: StartAt
    duration_hours: JsonInt = Field(ge=1, le=8784)
    picks_per_voter: JsonInt = Field(3, ge=1, le=50)

    def values(self) -> dict:
        return self.model_dump(exclude_none=True) | {
            "min_rank_to_view": self.min_rank_to_view,
            "description": self.description,
            "discord_channel_id": self.discord_channel_id,
        }


class EntryFields(PartialBody):
    NULLABLE = frozenset({"description", "image_url", "player_id"})

    name: Line200 | None = None
    description: Text | None = None
    image_url: ImageUrl | None = None
    sort_order: JsonInt | None = Field(None, ge=-10_000, le=10_000)
    player_id: Id | None = None


class EntryCreate(EntryFields):
    name: Line200
    sort_order: JsonInt = Field(0, ge=-10_000, le=10_000)

    def values(self) -> dict:
        return self.model_dump()


class Pick(Body):
    entry_id: Id
    rank: JsonInt = Field(ge=1, le=50)


class BallotIn(Body):
    """``{"picks": [{"entry_id": 7, "rank": 1}, ...]}`` (the original shape), or ``{"entry_ids": [...]}``."""

    picks: list[Pick] | None = Field(None, max_length=50)
    entry_ids: list[Id] | None = Field(None, max_length=50)

    @model_validator(mode="after")
    def _one_form(self):
        if (self.picks is None) == (self.entry_ids is None):
            raise ValueError("send either picks or entry_ids")
        if self.picks is not None:
            ranks = sorted(p.rank for p in self.picks)
            if ranks != list(range(1, len(ranks) + 1)):
                raise ValueError("ranks must be 1, 2, 3 ... without gaps or repeats")
        return self

    def ranking(self) -> list[int]:
        if self.entry_ids is not None:
            return list(self.entry_ids)
        return [p.entry_id for p in sorted(self.picks or [], key=lambda p: p.rank)]
