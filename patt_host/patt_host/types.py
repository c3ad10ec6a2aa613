"""Small value types that plugins return from hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from patt_host.api import HostAPI


@dataclass(frozen=True)
class MenuLink:
    """A navigation entry. ``min_rank_level`` None = everyone; 0 = any logged-in user."""

    label: str
    href: str
    order: int = 100
    min_rank_level: int | None = None
    icon: str = ""
    anonymous_only: bool = False

    def visible_to(self, actor: Any) -> bool:
        if self.anonymous_only:
            return actor is None
        if self.min_rank_level is None:
            return True
        return actor is not None and actor.rank_level >= self.min_rank_level


@dataclass(frozen=True)
class Permission:
    """A named capability and the minimum rank level that holds it."""

    name: str
    min_rank_level: int
    description: str = ""


@dataclass
class HealthResult:
    status: str  # ok | degraded | down | off
    detail: str = ""

    @property
    def healthy(self) -> bool:
        return self.status in ("ok", "off")


@dataclass(frozen=True)
class HealthCheck:
    """``check(host)`` returns a HealthResult (or awaitable). ``critical`` failures make health 503."""

    name: str
    check: Callable[[HostAPI], HealthResult | Awaitable[HealthResult]]
    critical: bool = False


@dataclass(frozen=True)
class Event:
    """A domain event delivered to every plugin's ``handle_event``."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
