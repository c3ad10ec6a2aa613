"""Operator settings (env prefix ``PATT_RAIDS_``, also read from ``.env``).

The guild's time zone and the role targets are officer-edited site settings
(``schedule_timezone``, ``target_tank`` ...); ``default_timezone`` is used only on a site
without a ``schedule_timezone`` setting.

The Raid-Helper connector's settings are checked here too, but a bad value does not stop the
site: the connector is optional, so it stays off and :meth:`RaidsSettings.raid_helper_problems`
says which setting is wrong and how (logged at start, shown on ``/admin/raids``, the 409 of the
connection test), never with the key's value.
"""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

RAID_HELPER_URL = "https://raid-helper.xyz/api/v4"
ENV_PREFIX = "PATT_RAIDS_"
# The connector's settings whose values are checked, as the operator spells them.
RAID_HELPER_CHECKED = (
    "raid_helper_api_key",
    "raid_helper_base_url",
    "raid_helper_server_id",
    "raid_helper_leader_id",
    "raid_helper_channel_id",
    "raid_helper_timezone",
)


def env_name(field: str) -> str:
    """The environment variable of a settings field (``PATT_RAIDS_RAID_HELPER_API_KEY``)."""
    return ENV_PREFIX + field.upper()


def api_key_problem(key: str) -> str | None:
    """What is wrong with a Raid-Helper API key (None: nothing), without repeating it.

    It is sent as the ``Authorization`` header as it is: printable ASCII, and nothing around it
    (a space or line break pasted with it makes every call fail in a misleading way)."""
    if not key:
        return "is empty"
    if key != key.strip():
        return "has a space or line break at its start or end"
    if not all(" " <= ch <= "~" for ch in key):
        return "holds characters other than printable ASCII (letters, digits, punctuation)"
    return None


def base_url_problem(url: str) -> str | None:
    """What is wrong with the connector's base URL (None: an http(s) URL the client can use)."""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return "holds spaces or control characters"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "http://[::1": an unclosed IPv6 address
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("https", "http"):
        return "must be an http(s) URL (https://...)"
    if not parts.hostname:
        return "has no host name"
    try:
        port = parts.port  # parsed on access: out of range or not a number raises here
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        return "has a port that is not a number from 1 to 65535"
    return None


def _discord_id_problem(value: str) -> str | None:
    if value.isascii() and value.isdigit() and 15 <= len(value) <= 21:
        return None
    return "must be a Discord id (15 to 21 digits)"


def _zone_problem(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "must be an IANA time zone such as America/New_York"
    return None


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
        """The connector is on: a key, the server and the events' leader are set, and no
        connector setting is malformed (:meth:`raid_helper_problems`)."""
        present = self.raid_helper_api_key and self.raid_helper_server_id and self.raid_helper_leader_id
        return bool(present) and not self.raid_helper_problems()

    def raid_helper_problems(self) -> dict[str, str]:
        """Environment variable -> what is wrong with its value, for the connector's settings
        that are set but unusable (empty: none). Never holds the key's value.

        Computed from the values in effect (``patt demo`` swaps them with ``model_copy``)."""
        problems: dict[str, str] = {}
        key = self.raid_helper_api_key
        found = {
            "raid_helper_api_key": api_key_problem(key.get_secret_value()) if key is not None else None,
            "raid_helper_base_url": base_url_problem(self.raid_helper_base_url),
            "raid_helper_timezone": _zone_problem(self.raid_helper_timezone)
            if self.raid_helper_timezone is not None
            else None,
        }
        for field in ("raid_helper_server_id", "raid_helper_leader_id", "raid_helper_channel_id"):
            value = getattr(self, field)
            found[field] = _discord_id_problem(value) if value is not None else None
        for field in RAID_HELPER_CHECKED:
            if found.get(field):
                problems[env_name(field)] = found[field]
        return problems

    # The connector's values are only tidied here, never refused: a bad one turns the optional
    # connector off (raid_helper_problems) instead of stopping the whole site at start.
    @field_validator(
        "raid_helper_server_id",
        "raid_helper_leader_id",
        "raid_helper_channel_id",
        "raid_helper_timezone",
        mode="before",
    )
    @classmethod
    def _optional_text(cls, value: object) -> object:
        if value in (None, ""):
            return None
        return str(value).strip() or None

    # Refused at start: a typo would otherwise put every event silently in UTC.
    @field_validator("default_timezone")
    @classmethod
    def _default_zone(cls, value: str) -> str:
        problem = _zone_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("raid_helper_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("raid_helper_api_key", mode="before")
    @classmethod
    def _blank_key(cls, value: object) -> object:
        return None if value in (None, "") else value
