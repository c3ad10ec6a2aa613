"""Tables the drift plugin owns (lineage ``drift``).

``guild_identity.audit_issues`` keeps the original's name and columns (type, severity,
character, Discord user, summary, details, ``issue_hash``, resolved_at/by, notified_at);
the columns after them are additions. The original's ``UNIQUE(issue_hash, resolved_at)``
never stopped two open rows (NULLs are distinct); a partial unique index on the open and
dismissed rows does.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base

OPEN = "open"
DISMISSED = "dismissed"
RESOLVED = "resolved"
STATUSES = (OPEN, DISMISSED, RESOLVED)

# How a finding was resolved (audit_issues.resolution).
AUTO = "auto"  # the detector no longer sees it
MITIGATED = "mitigated"  # a mitigation fixed it (automatic or confirmed)
OFFICER = "officer"  # an officer marked it resolved, with a reason


class AuditIssue(Base):
    """One finding of one rule about one subject, updated in place while it holds."""

    __tablename__ = "audit_issues"
    __table_args__ = (
        Index(
            "uq_audit_issues_live_hash",
            "issue_hash",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_audit_issues_status_type", "status", "issue_type"),
        CheckConstraint("status IN ('open', 'dismissed', 'resolved')", name="status"),
        CheckConstraint("severity IN ('info', 'warning', 'error')", name="severity"),
        {"schema": "guild_identity"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_type: Mapped[str] = mapped_column(String(50))  # the rule's name
    severity: Mapped[str] = mapped_column(String(10), server_default="info")
    wow_character_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="CASCADE"), index=True
    )
    discord_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.discord_users.id", ondelete="CASCADE"), index=True
    )
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    issue_hash: Mapped[str] = mapped_column(String(64))  # sha256 of dedupe_key
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(50))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # --- additions ---
    dedupe_key: Mapped[str] = mapped_column(String(200))  # "<rule>:<subject key>"
    player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), server_default=OPEN)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of details (the facts)
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # what a confirmed fix would do
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolution: Mapped[str | None] = mapped_column(String(20))  # auto | mitigated | officer
    resolved_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    resolution_note: Mapped[str | None] = mapped_column(Text)
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dismissed_by: Mapped[str | None] = mapped_column(String(50))
    dismissed_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    dismissed_reason: Mapped[str | None] = mapped_column(Text)
    # The facts when dismissed: the finding stays dismissed while they are unchanged.
    dismissed_fingerprint: Mapped[str | None] = mapped_column(String(64))


class AuditIssueEvent(Base):
    """The audit log: every opening, change, resolution, dismissal and mitigation of a finding."""

    __tablename__ = "audit_issue_events"
    __table_args__ = (Index("ix_audit_issue_events_at", "at"), {"schema": "guild_identity"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.audit_issues.id", ondelete="CASCADE"), index=True
    )
    issue_type: Mapped[str] = mapped_column(String(50))
    # opened | updated | reopened | resolved | dismissed | mitigated | mitigation_failed
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str | None] = mapped_column(String(50))  # "scan", "auto", an officer's name
    actor_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    job_run_id: Mapped[int | None] = mapped_column(Integer)  # the recorded job that did it
    note: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class AuditSnapshot(Base):
    """Open findings per rule after a scan that changed something: the trend chart's points.

    A scan that changed nothing writes no snapshot (the previous one still holds).
    """

    __tablename__ = "audit_snapshots"
    __table_args__ = (Index("ix_audit_snapshots_taken_at", "taken_at"), {"schema": "guild_identity"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    source: Mapped[str | None] = mapped_column(String(30))  # roster | addon | discord | schedule | manual
    open_counts: Mapped[dict[str, int]] = mapped_column(JSONB)  # {rule: open}
    new_counts: Mapped[dict[str, int] | None] = mapped_column(JSONB)
    resolved_counts: Mapped[dict[str, int] | None] = mapped_column(JSONB)
    errors: Mapped[dict[str, str] | None] = mapped_column(JSONB)
