"""Operator settings (env prefix ``PATT_CRAFTING_``, also read from ``.env``).

The Blizzard credentials and the guild come from the guild-sync plugin's settings: both
syncs share one client id and therefore one request budget.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CraftingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_CRAFTING_", extra="ignore")

    # Five-field UTC cron of the sync check: on a daily cadence each run syncs, on a weekly one
    # it syncs only when the last sync is 7 days old (see services/cadence.py).
    schedule: str = "0 3 * * *"
    # One order per member and recipe within this many seconds (a second click is a 429).
    order_cooldown_seconds: int = Field(1800, ge=0, le=7 * 86400)
    # Search answers at most this many recipes.
    search_limit: int = Field(50, ge=1, le=200)
