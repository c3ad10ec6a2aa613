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


@dataclass(frozen=True)
class SiteSetting:
    """A value officers edit at run time on ``/admin/settings`` (stored in ``common.site_settings``).

    A site package declares them (``Site.settings``); ``await host.site_settings()`` returns
    the stored value or ``default``. ``kind``: ``text``, ``textarea``, ``url`` (http/https
    or empty) or ``int`` (``0 <= n <= 1000``). ``demo``: the value ``patt demo`` stores when
    no officer set one (a well-formed stand-in, e.g. a made-up Discord invite), None: the
    default.
    """

    key: str
    label: str
    default: Any = ""
    kind: str = "text"
    help: str = ""
    demo: Any = None


@dataclass(frozen=True)
class DashboardItem:
    """One count on the officers' dashboard, linking to where it is dealt with.

    ``severity``: ``ok`` (nothing to do), ``info``, ``warn`` or ``danger``; ``detail`` is a
    short line under the count (e.g. "last run 5 minutes ago").
    """

    label: str
    count: int | str
    url: str = ""
    severity: str = "info"
    detail: str = ""
    order: int = 100


STANDALONE_ATTRIBUTE = "__patt_standalone__"


def standalone(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a plugin CLI command that needs no host: ``patt`` runs it as it is, without opening
    the database (no embedded PostgreSQL is started), Redis or the ``startup`` hooks. For
    commands that work on files alone, e.g. ``patt voting tally FILE``. Put it below
    ``@group.command(...)``'s other decorators, directly on the function."""
    setattr(callback, STANDALONE_ATTRIBUTE, True)
    return callback
