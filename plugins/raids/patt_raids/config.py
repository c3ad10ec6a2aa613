"""Operator settings (env prefix ``PATT_RAIDS_``, also read from ``.env``).

The guild's time zone and the role targets are officer-edited site settings
(``schedule_timezone``, ``target_tank`` ...); ``default_timezone`` is used only on a site
without a ``schedule_timezone`` setting.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RaidsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_RAIDS_", extra="ignore")

    # Five-field UTC cron of the auto-booking pass (services/booking.py). Hourly is plenty:
    # an occurrence is booked once it is within ``booking_horizon_days``.
    booking_schedule: str = "17 * * * *"
    # Book each recurring event's occurrences this many days ahead ("next week's event").
    booking_horizon_days: int = Field(7, ge=1, le=28)
    default_timezone: str = "America/New_York"
