"""Settings of the voting plugin (environment variables ``PATT_VOTING_*``).

Texts (contest-agent posts, page wording) come from the site package
(``site.texts["voting"]``); these are operational knobs.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class VotingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_VOTING_", extra="ignore")

    # Live standings: only to members who already voted (the original rule) unless False.
    live_results_for_voters_only: bool = True
    # Ballot submissions per member per minute (a ballot can be changed while live).
    ballot_rate_limit: int = Field(30, ge=1)
    # An uploaded BLT file's count (POST /api/v1/admin/voting/tally) is stopped after this long.
    tally_time_limit_seconds: float = Field(30.0, gt=0, le=600)
    # How often the lifecycle + contest-agent job runs (minutes, cron step).
    check_every_minutes: int = Field(1, ge=1, le=59)
