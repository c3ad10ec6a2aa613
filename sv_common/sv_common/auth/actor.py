"""Who is making a request: the one principal type every plugin checks against."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """An authenticated caller.

    ``rank_level`` comes from the database on every request (never trusted from a
    token), so promotions and demotions apply at once.
    """

    user_id: int | None
    player_id: int | None
    display_name: str
    rank_level: int = 0
    rank_name: str | None = None
    auth_method: str = "cookie"  # cookie | bearer | api_key | system
    scopes: frozenset[str] = field(default_factory=frozenset)

    def has_rank(self, level: int) -> bool:
        return self.rank_level >= level

    @property
    def uses_cookie(self) -> bool:
        return self.auth_method == "cookie"
