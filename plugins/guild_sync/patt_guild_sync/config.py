"""Settings of the guild-sync plugin.

The Blizzard and guild variables keep the original deployment's names
(``BLIZZARD_CLIENT_ID``, ``BLIZZARD_CLIENT_SECRET``, ``BLIZZARD_REGION``,
``PATT_GUILD_REALM_SLUG``, ``PATT_GUILD_NAME_SLUG``) so an existing ``.env`` keeps working;
everything else is ``PATT_GUILD_SYNC_*``.
"""

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from sv_common.blizzard import BlizzardConfig, default_api_url


def _env(name: str, *more: str):
    return Field(default=None, validation_alias=AliasChoices(name, *more))


class GuildSyncSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_GUILD_SYNC_", extra="ignore", populate_by_name=True)

    blizzard_client_id: str | None = _env("BLIZZARD_CLIENT_ID", "blizzard_client_id")
    blizzard_client_secret: SecretStr | None = _env("BLIZZARD_CLIENT_SECRET", "blizzard_client_secret")
    blizzard_region: Literal["us", "eu", "kr", "tw"] = Field(
        "us", validation_alias=AliasChoices("BLIZZARD_REGION", "blizzard_region")
    )
    guild_realm_slug: str | None = _env("PATT_GUILD_REALM_SLUG", "guild_realm_slug")
    guild_name_slug: str | None = _env("PATT_GUILD_NAME_SLUG", "guild_name_slug")
    # Point these at a local fake (tests, `patt demo`); default: Blizzard's regional hosts.
    blizzard_api_url: str | None = _env("BLIZZARD_API_URL", "blizzard_api_url")
    blizzard_oauth_url: str | None = _env("BLIZZARD_OAUTH_URL", "blizzard_oauth_url")
    locale: str = Field("en_US", pattern=r"^[a-z]{2}_[A-Z]{2}$")

    # Five-field UTC cron for the roster sync.
    schedule: str = "0 */6 * * *"
    # A run that would remove more than this share of the active roster waits for an officer.
    removal_guard_share: float = Field(0.20, ge=0.0, le=1.0)

    # Blizzard's documented limits; the whole deployment shares them (through Redis when set).
    # 90/s by default: a 10 % margin under Blizzard's 100 absorbs arrival jitter (see
    # sv_common.blizzard.config); the roster and the profession sync share this budget.
    requests_per_second: int = Field(90, ge=1, le=100)
    requests_per_hour: int = Field(36_000, ge=1, le=36_000)
    # In flight at once: 25 sustain 100 req/s at up to ~200 ms latency; more only costs CPU
    # (httpcore's pool work grows with the number of connections).
    concurrency: int = Field(25, ge=1, le=200)
    max_retries: int = Field(4, ge=0, le=10)
    request_timeout_seconds: float = Field(10.0, gt=0, le=120)

    # A 1,000-member export is ~300 kB of JSON; 4 MB leaves room for long notes and extra fields.
    upload_max_bytes: int = Field(4_000_000, ge=1024, le=50_000_000)
    upload_max_characters: int = Field(5_000, ge=1, le=50_000)
    uploads_per_key_per_hour: int = Field(120, ge=1)
    # Wrong upload keys an IP may send before it must wait (30 s, doubling to 15 min;
    # forgotten 15 minutes after its last failure).
    failed_key_attempts_per_ip: int = Field(20, ge=1)

    @property
    def configured(self) -> bool:
        """True when the Blizzard sync can run (credentials and the guild are set)."""
        return not self.missing()

    def missing(self) -> list[str]:
        """Names of the environment variables still to set before the sync can run."""
        names = []
        if not self.blizzard_client_id:
            names.append("BLIZZARD_CLIENT_ID")
        if not self.blizzard_client_secret or not self.blizzard_client_secret.get_secret_value():
            names.append("BLIZZARD_CLIENT_SECRET")
        if not self.guild_realm_slug:
            names.append("PATT_GUILD_REALM_SLUG")
        if not self.guild_name_slug:
            names.append("PATT_GUILD_NAME_SLUG")
        return names

    def blizzard_config(self) -> BlizzardConfig:
        return BlizzardConfig(
            client_id=self.blizzard_client_id or "",
            client_secret=self.blizzard_client_secret.get_secret_value()
            if self.blizzard_client_secret
            else "",
            region=self.blizzard_region,
            api_url=self.blizzard_api_url or default_api_url(self.blizzard_region),
            oauth_url=self.blizzard_oauth_url or "https://oauth.battle.net/token",
            locale=self.locale,
            requests_per_second=self.requests_per_second,
            requests_per_hour=self.requests_per_hour,
            concurrency=self.concurrency,
            max_retries=self.max_retries,
            timeout_seconds=self.request_timeout_seconds,
        )
