"""Operator settings (env prefix ``PATT_MITO_``, also read from ``.env``)."""

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class MitoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_MITO_", extra="ignore")

    # Discord channel for the optional daily quote; unset = no daily post.
    daily_channel_id: int | None = Field(None, ge=1, le=2**63 - 1)
    # UTC cron schedule of the daily post.
    daily_schedule: str = "0 15 * * *"

    @field_validator("daily_channel_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value
