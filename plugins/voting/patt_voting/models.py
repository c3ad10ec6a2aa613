"""Tables the voting plugin owns (lineage ``voting``), in the seed's ``patt`` schema.

Columns follow the seed so an existing PATT database can be adopted; additions are
marked. ``votes.rankings`` is the ordered list of entry ids (best first).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base, TimestampMixin

STATUSES = ("draft", "live", "closed", "archived")
CHATTINESS = ("quiet", "normal", "hype")


class Campaign(TimestampMixin, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'live', 'closed', 'archived')", name="status_known"),
        CheckConstraint("picks_per_voter BETWEEN 1 AND 50", name="picks_range"),
        CheckConstraint("duration_hours BETWEEN 1 AND 8784", name="duration_range"),
        CheckConstraint("live_results_every BETWEEN 0 AND 1000", name="live_results_every_range"),
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20), server_default="ranked_choice")
    picks_per_voter: Mapped[int] = mapped_column(Integer, server_default="3")
    min_rank_to_vote: Mapped[int] = mapped_column(Integer)
    min_rank_to_view: Mapped[int | None] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), server_default="draft", index=True)
    early_close_if_all_voted: Mapped[bool] = mapped_column(Boolean, server_default="true")
    discord_channel_id: Mapped[str | None] = mapped_column(String(20))
    agent_enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    agent_chattiness: Mapped[str] = mapped_column(String(10), server_default="normal")
    created_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    # Additions: how ballots are counted and what they may look like.
    counting_method: Mapped[str] = mapped_column(String(20), server_default="points")
    exact_picks: Mapped[bool] = mapped_column(Boolean, server_default="false")
    allow_ballot_change: Mapped[bool] = mapped_column(Boolean, server_default="true")
    # Addition: set when the campaign goes live / closes (start_at is the plan, these are facts).
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(String(20))  # officer | schedule | all_voted
    # Addition: eligible voters counted at launch. "Everyone voted" needs at least one of them,
    # or a campaign launched before anyone had an account would close at its first ballot.
    eligible_at_launch: Mapped[int | None] = mapped_column(Integer)
    # Addition: live standings are published in batches, so a poll right after a known member
    # votes cannot reveal their choice. They are recounted after every ``live_results_every``
    # new or changed ballots (0: turnout only while live); ``live_snapshot`` is what viewers
    # see, counted when the campaign had ``live_snapshot_events`` ballot events (ballots + changes).
    live_results_every: Mapped[int] = mapped_column(Integer, server_default="5")
    live_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    live_snapshot_events: Mapped[int | None] = mapped_column(Integer)


class CampaignEntry(Base):
    __tablename__ = "campaign_entries"
    __table_args__ = (UniqueConstraint("campaign_id", "name"), {"schema": "patt"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("patt.campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0")
    player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Vote(Base):
    """One ballot per voter and campaign: ``rankings`` = entry ids, best first.

    ``player_id`` is NULL for a ballot whose voter deleted their account after the campaign
    closed: the ballot stays (the published BLT must keep matching the result), unlinked."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("campaign_id", "player_id"), {"schema": "patt"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("patt.campaigns.id", ondelete="CASCADE"))
    player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    rankings: Mapped[list[int]] = mapped_column(JSONB)
    changes: Mapped[int] = mapped_column(Integer, server_default="0")  # addition: times changed while live
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )  # addition


class CampaignEligibleVoter(Base):
    """Addition: the eligible voters, computed once at activation (members who qualify later join)."""

    __tablename__ = "campaign_eligible_voters"
    __table_args__ = {"schema": "patt"}

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("patt.campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    player_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="CASCADE"), primary_key=True
    )


class CampaignResult(Base):
    """The stored count: the counting core's result (rounds, standings, pairwise) by entry id."""

    __tablename__ = "campaign_results"
    __table_args__ = {"schema": "patt"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("patt.campaigns.id", ondelete="CASCADE"), unique=True)
    results: Mapped[dict[str, Any]] = mapped_column(JSONB)
    total_votes: Mapped[int | None] = mapped_column(Integer)
    calculated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CampaignDeletion(Base):
    """Addition: a deleted campaign (only the guild leader deletes one that has ballots): who, when."""

    __tablename__ = "campaign_deletions"
    __table_args__ = {"schema": "patt"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer)  # the row is gone: no foreign key
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    ballots: Mapped[int] = mapped_column(Integer)
    deleted_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ContestAgentLog(Base):
    """One row per milestone announced. Each milestone except ``lead_change`` exists once."""

    __tablename__ = "contest_agent_log"
    __table_args__ = (
        Index(
            "uq_contest_agent_log_once",
            "campaign_id",
            "event_type",
            unique=True,
            postgresql_where=text("event_type <> 'lead_change'"),
        ),
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("patt.campaigns.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(50))
    message_sent: Mapped[str | None] = mapped_column(Text)
    discord_message_id: Mapped[str | None] = mapped_column(String(25))
    # Additions: the leader as a column (not parsed from the text) and the outbox row.
    leader_entry_id: Mapped[int | None] = mapped_column(Integer)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("common.notification_outbox.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
