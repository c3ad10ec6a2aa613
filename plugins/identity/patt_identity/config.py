"""Settings of the identity plugin (environment variables ``PATT_IDENTITY_*``).

Guild-specific values (armory region, realm) come from the site package's
``site.config``; these are operational knobs.
"""

from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


@dataclass(frozen=True)
class RateLimit:
    """``limit`` attempts per ``window_seconds``."""

    limit: int
    window_seconds: int


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_IDENTITY_", extra="ignore")

    # Matching: apply non-ambiguous "high" confidence suggestions without an officer's review.
    auto_apply_high_confidence: bool = False

    # Rate limits: N attempts per window (seconds). Counters live in Redis when REDIS_URL
    # is set, so every web process shares them; otherwise they are per process.
    login_ip_limit: int = Field(20, ge=1)  # per client IP
    login_ip_window: int = Field(300, ge=1)
    # Failed logins per (username, client IP): the first `free` cost nothing, then each one
    # doubles the wait (1 s, 2 s, 4 s ... up to `max`). Never a lock on the account itself.
    login_backoff_free: int = Field(3, ge=0)
    login_backoff_max_seconds: int = Field(900, ge=1)
    register_ip_limit: int = Field(10, ge=1)  # registrations = invite redemptions, per IP
    register_ip_window: int = Field(3600, ge=1)
    password_limit: int = Field(10, ge=1)  # password checks (change, delete account) per user
    password_window: int = Field(900, ge=1)

    # A session (cookie or bearer token) unused for this long is refused, however long the token
    # itself lives (JWT_EXPIRE_MINUTES, 14 days): a forgotten login on a shared machine ends.
    session_idle_minutes: int = Field(60 * 24 * 3, ge=5, le=60 * 24 * 365)

    invite_expiry_hours: int = Field(72, ge=1, le=24 * 30)
    # Password-reset links (officer-issued or "forgot password" by DM): lifetime, and
    # attempts per client IP (asking for a link or using one) per window.
    reset_expiry_hours: int = Field(24, ge=1, le=24 * 7)
    reset_ip_limit: int = Field(10, ge=1)
    reset_ip_window: int = Field(3600, ge=1)

    # The public roster is served from an in-process cache: dropped at once on identity
    # events in this process, re-validated by a one-row fingerprint query at most every
    # `roster_recheck_seconds`, and never older than `roster_cache_seconds` (0 = no cache).
    roster_cache_seconds: float = Field(60.0, ge=0)
    roster_recheck_seconds: float = Field(1.0, ge=0)
    armory_url_template: str = (
        "https://worldofwarcraft.blizzard.com/{locale}/character/{region}/{realm}/{name}"
    )

    @property
    def login_per_ip(self) -> RateLimit:
        return RateLimit(self.login_ip_limit, self.login_ip_window)

    @property
    def register_per_ip(self) -> RateLimit:
        return RateLimit(self.register_ip_limit, self.register_ip_window)

    @property
    def reset_per_ip(self) -> RateLimit:
        return RateLimit(self.reset_ip_limit, self.reset_ip_window)

    @property
    def password_per_user(self) -> RateLimit:
        return RateLimit(self.password_limit, self.password_window)
