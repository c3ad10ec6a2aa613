"""Declarative base shared by every package's models.

One MetaData for the whole platform (cross-package foreign keys resolve by name), but
every table records the distribution that owns it in ``table.info["owner"]`` so the
migration checks can compare only the tables of the packages a site enables.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        table = cls.__dict__.get("__table__")
        if table is not None:
            table.info.setdefault("owner", cls.__module__.split(".")[0])


def table_owner(table) -> str | None:
    """The top-level package that owns ``table`` (e.g. ``sv_common``, ``patt_voting``)."""
    return table.info.get("owner")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=utcnow
    )
