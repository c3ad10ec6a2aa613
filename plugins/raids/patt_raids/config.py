"""Operator settings (env prefix ``PATT_RAIDS_``, also read from ``.env``).

The guild's time zone and the role targets are officer-edited site settings
(``schedule_timezone``, ``target_tank`` ...); ``default_timezone`` is used only on a site
without a ``schedule_timezone`` setting.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

RAID_HELPER_URL = "https://raid-helper.xyz/api/v4"


class RaidsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_RAIDS_", extra="ignore")

    # Five-field UTC cron of the auto-booking pass (services/booking.py). Hourly is plenty:
    # an occurrence is booked once it is within ``booking_horizon_days``.
    booking_schedule: str = "17 * * * *"
    # Book each recurring event's occurrences this many days ahead ("next week's event").
    booking_horizon_days: int = Field(7, ge=1, le=28)
    default_timezone: str = "America/New_York"

    # --- Discord: the reminder DM (services/reminders.py) ---
    # Hours before an event that members still tentative get one reminder DM (0: never).
    # Officers change it at run time with the site setting ``raid_reminder_hours``.
    reminder_hours: int = Field(24, ge=0, le=168)
    reminder_schedule: str = "*/10 * * * *"

    # --- Raid-Helper connector (optional; on once the key, server and leader are set) ---
    raid_helper_api_key: SecretStr | None = None
    raid_helper_server_id: str | None = None  # the Discord server id Raid-Helper knows
    raid_helper_leader_id: str | None = None  # the Discord user id shown as the events' leader
    raid_helper_base_url: str = RAID_HELPER_URL
    raid_helper_template_id: str = "wowretail2"
    # Raid-Helper reads an event's date and time in its server's zone; unset: the guild's.
    raid_helper_timezone: str | None = None
    # Where Raid-Helper posts an event that names no channel (else the announcement channel).
    raid_helper_channel_id: str | None = None
    raid_helper_timeout_seconds: float = Field(10.0, gt=0, le=60)
    raid_helper_schedule: str = "*/15 * * * *"

    @property
    def raid_helper_configured(self) -> bool:
        """The connector is on: a key, the server and the events' leader are set."""
        return bool(self.raid_helper_api_key and self.raid_helper_server_id and self.raid_helper_leader_id)

    @field_validator(
        "raid_helper_server_id", "raid_helper_leader_id", "raid_helper_channel_id", mode="before"
    )
    @classmethod
    def _snowflake(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and 15 <= len(text) <= 21):
            raise ValueError("must be a Discord id (digits)")
        return text

    @field_validator("raid_helper_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("raid_helper_timezone", mode="before")
    @classmethod
    def _zone(cls, value: object) -> object:
        if value in (None, ""):
            return None
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as America/New_York") from exc
        return str(value)

    @field_validator("raid_helper_api_key", mode="before")
    @classmethod
    def _blank_key(cls, value: object) -> object:
        return None if value in (None, "") else value
