"""Mito's tables (lineage ``mito``), in the seed's ``patt`` schema so an old database is adopted."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base

QUOTE_MAX = 500
TITLE_MAX = 200


class MitoQuote(Base):
    __tablename__ = "mito_quotes"
    # One row per quote ignoring case: the service's check alone lost races (mito_0002).
    __table_args__ = (
        Index("uq_mito_quotes_lower_quote", func.lower("quote"), unique=True),
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quote: Mapped[str] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text)
    # Who added it; set to NULL when that member's data is deleted (the quote is Mito's, not theirs).
    added_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MitoTitle(Base):
    __tablename__ = "mito_titles"
    __table_args__ = (
        Index("uq_mito_titles_lower_title", func.lower("title"), unique=True),
        {"schema": "patt"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    added_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
