"""Data layer: one async SQLAlchemy 2 stack on PostgreSQL."""

from sv_common.db.base import Base, TimestampMixin, table_owner, utcnow
from sv_common.db.engine import Database, async_url, request_scope

__all__ = ["Base", "Database", "TimestampMixin", "async_url", "request_scope", "table_owner", "utcnow"]
