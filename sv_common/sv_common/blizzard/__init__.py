"""A Blizzard (Battle.net) World of Warcraft API client shared by every plugin.

- :class:`BlizzardClient`: one reused ``httpx.AsyncClient``; OAuth2 client credentials
  refreshed before expiry and on 401; one rate limit for the whole deployment (Redis when
  given); jittered retries on 429 (``Retry-After`` honoured), 5xx and timeouts; conditional
  requests (``If-Modified-Since``); results as :class:`FetchResult` outcomes, never
  exceptions, for per-character calls.
- Lenient parsers (:mod:`sv_common.blizzard.parsing`) that read optional fields across the
  response shapes Blizzard has used over the years, keyed on numeric ids.

See ``docs/sv_common/blizzard.md``.
"""

from sv_common.blizzard.client import (
    BlizzardClient,
    BlizzardError,
    FetchResult,
    Outcome,
    RequestStats,
)
from sv_common.blizzard.config import BlizzardConfig, default_api_url
from sv_common.blizzard.pacing import RequestPacer
from sv_common.blizzard.parsing import (
    CharacterProfile,
    Roster,
    RosterMember,
    parse_profile,
    parse_roster,
)

__all__ = [
    "BlizzardClient",
    "BlizzardConfig",
    "BlizzardError",
    "CharacterProfile",
    "FetchResult",
    "Outcome",
    "RequestPacer",
    "RequestStats",
    "Roster",
    "RosterMember",
    "default_api_url",
    "parse_profile",
    "parse_roster",
]
