"""Connection settings of a :class:`~sv_common.blizzard.BlizzardClient` (plain values, no env)."""

from dataclasses import dataclass

REGIONS = ("us", "eu", "kr", "tw")


def default_api_url(region: str) -> str:
    """Blizzard's API host for ``region`` (us, eu, kr, tw)."""
    if region not in REGIONS:
        raise ValueError(f"unknown Blizzard region {region!r}; one of {', '.join(REGIONS)}")
    return f"https://{region}.api.blizzard.com"


@dataclass(frozen=True)
class BlizzardConfig:
    client_id: str
    client_secret: str
    region: str = "us"
    api_url: str = "https://us.api.blizzard.com"
    oauth_url: str = "https://oauth.battle.net/token"
    locale: str = "en_US"
    # Blizzard allows 100 requests/s and 36,000/hour per client; the whole deployment shares them.
    # The pacer aims at 90/s: a pacer allowing exactly 100 in its own window was seen to land
    # 101 within one second at the server (arrival jitter), so it keeps a 10 % margin.
    requests_per_second: int = 90
    requests_per_hour: int = 36_000
    # A request holds its per-second slot until this long after its response (see pacing.py).
    rate_window_seconds: float = 1.02
    concurrency: int = 25
    max_retries: int = 4
    timeout_seconds: float = 10.0
    backoff_base_seconds: float = 0.25
    backoff_max_seconds: float = 30.0
    # Refresh the token this long before Blizzard says it expires.
    token_refresh_margin_seconds: float = 300.0
    # Rate-limit keys are per client id, so two sites with different apps do not share.
    rate_limit_namespace: str = "blizzard"

    @property
    def namespace_region(self) -> str:
        return self.region
