"""Records of role-sync runs: the plan computed, what was sent, what failed.

Officers see the last plan and its result on the admin page; a change that failed
is visible here and is sent again by the next run (the plan is recomputed from the
difference between the ranks and the members' current roles, so nothing is lost).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base


class RoleSyncRun(Base):
    __tablename__ = "discord_role_sync_runs"
    __table_args__ = {"schema": "common"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))  # to_site | to_discord | dry_run
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default="false")
    status: Mapped[str] = mapped_column(String(20), server_default="running")  # running|done|partial|failed
    triggered_by: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    planned: Mapped[int] = mapped_column(Integer, server_default="0")
    sent: Mapped[int] = mapped_column(Integer, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, server_default="0")
    # [{"discord_id", "player_id", "display_name", "action": "add"|"remove", "role_id", "status", "error"}]
    plan: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    notes: Mapped[list[str] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
