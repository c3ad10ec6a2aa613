"""Settings of the identity plugin (environment variables ``PATT_IDENTITY_*``).

Guild-specific values (armory region, realm) come from the site package's
``site.config``; these are operational knobs.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RateLimit(BaseModel):
    """``limit`` attempts per ``window_seconds``."""

    limit: int = Field(ge=1)
    window_seconds: int = Field(ge=1)


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_IDENTITY_", env_nested_delimiter="__", extra="ignore")

    # Matching: apply non-ambiguous "high" confidence suggestions without an officer's review.
    auto_apply_high_confidence: bool = False

    # Rate limits (per client IP unless named otherwise). Counters live in Redis when
    # REDIS_URL is set, so every web process shares them.
    login_per_ip: RateLimit = RateLimit(limit=20, window_seconds=300)
    login_per_username: RateLimit = RateLimit(limit=10, window_seconds=900)
    register_per_ip: RateLimit = RateLimit(limit=10, window_seconds=3600)
    password_per_user: RateLimit = RateLimit(limit=10, window_seconds=900)

    invite_expiry_hours: int = Field(72, ge=1, le=24 * 30)

    # The public roster is served from an in-process cache for this long (and dropped at
    # once on identity domain events), so a burst of visitors costs one query.
    roster_cache_seconds: float = Field(10.0, ge=0)
    armory_url_template: str = (
        "https://worldofwarcraft.blizzard.com/{locale}/character/{region}/{realm}/{name}"
    )
