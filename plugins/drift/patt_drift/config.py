"""Settings of the drift plugin (environment variables ``PATT_DRIFT_*``)."""

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DriftSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_DRIFT_", extra="ignore")

    # stale_character: no login (Blizzard) and no addon sighting for this many days.
    stale_days: int = Field(30, ge=1, le=3650)
    # The scheduled scan (UTC cron); scans also follow every roster sync, addon upload and
    # Discord member sync.
    schedule: str = "23 * * * *"
    # At most this many new findings in one audit-channel report; the rest are counted in
    # its last line (the page has them all).
    report_max_findings: int = Field(30, ge=1, le=200)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from patt_host.jobs import Cron, CronError

        try:
            Cron.parse(value)
        except CronError as exc:
            raise ValueError(str(exc)) from exc
        return value

    def as_rule_settings(self) -> dict:
        return {"stale_days": self.stale_days}
