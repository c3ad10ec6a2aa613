"""Host settings from the environment (and an optional .env file).

Plugins have their own settings models (``settings_model`` in their manifest) with
their own env prefix; this holds only what the host itself needs.
"""

import secrets
import typing
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class HostSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(None, description="PostgreSQL URL; unset = embedded PostgreSQL")
    redis_url: str | None = Field(None, description="Redis URL; set = arq queue and shared rate limits")
    database_connect_timeout: float = Field(5.0, gt=0, description="seconds to open a connection")
    database_pool_timeout: float = Field(10.0, gt=0, description="seconds to wait for a pooled connection")
    database_command_timeout: float = Field(30.0, gt=0, description="seconds any one statement may take")
    # Inside a web request (a visitor waits): a stalled database answers 503 in seconds. Jobs,
    # the bot and CLI commands keep the longer limits above.
    database_request_pool_timeout: float = Field(
        5.0, gt=0, description="seconds a web request waits for a pooled connection"
    )
    database_request_command_timeout: float = Field(
        5.0, gt=0, description="seconds any one statement of a web request may take"
    )
    # Connections kept open per process, plus how many more a burst may open (closed again after
    # use). Opening one costs far more than waiting a moment for a pooled one, so the pool should
    # cover the usual concurrency; keep the sum over all processes under PostgreSQL's max_connections.
    database_pool_size: int = Field(20, ge=1, le=1000, description="pooled connections per process")
    database_max_overflow: int = Field(10, ge=0, le=1000, description="extra connections in a burst")
    patt_data_dir: Path = Path("var")
    patt_site: str = "patt"
    app_env: str = "development"
    app_host: str = "127.0.0.1"
    app_port: int = 8100
    base_url: str | None = None
    # Addresses (or networks, CIDR) of the reverse proxies whose X-Forwarded-For/-Proto are
    # believed: the client address rate limits see. Behind Docker's port forwarding nginx
    # reaches the app from the bridge network's gateway, not from 127.0.0.1.
    trusted_proxies: str = Field("127.0.0.1", description="comma-separated proxy addresses or networks")
    jwt_secret_key: SecretStr | None = None
    # HMAC only: the one secret signs and checks (an RS/ES name would fail at the first login).
    jwt_algorithm: typing.Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_expire_minutes: int = 60 * 24 * 14
    discord_bot_token: SecretStr | None = None
    discord_guild_id: int | None = None
    patt_disabled_plugins: str = ""
    # Installed plugins to enable on top of the site's list (validated like it: unknown names,
    # missing requirements and load errors stop startup with one message).
    patt_extra_plugins: str = ""
    patt_safe_mode: bool = False
    # Set by `patt demo` (not by operators): plugins serve in-process fakes of outside services
    # (guild_sync's Battle.net) so the demo's pages agree with its seeded data.
    patt_demo: bool = False
    patt_trace_plugins: bool = False
    patt_api_docs: bool | None = None
    # /-/plugins lists routes and jobs: officers only unless this is set.
    patt_public_introspection: bool = False
    # /api/health's checks (version, configured integrations, outbox counts) for everyone;
    # unset: yes in development, no in production (the public then sees only the status).
    patt_public_health_details: bool | None = None
    patt_run_scheduler: bool | None = None
    patt_run_bot: bool | None = None  # unset: `patt serve` runs the bot when a token is set
    patt_max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="request body limit (routes may raise it)"
    )

    @field_validator("database_url", "redis_url", "discord_bot_token", "jwt_secret_key", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        import ipaddress

        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item == "*":
                continue  # any peer: only when the app is unreachable except through the proxy
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an address or network") from None
        return ",".join(items)

    @field_validator("discord_guild_id", mode="before")
    @classmethod
    def _blank_guild(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def disabled_plugins(self) -> list[str]:
        return [p.strip() for p in self.patt_disabled_plugins.split(",") if p.strip()]

    @property
    def extra_plugins(self) -> list[str]:
        return [p.strip() for p in self.patt_extra_plugins.split(",") if p.strip()]

    @property
    def public_health_details(self) -> bool:
        return (
            (not self.production)
            if self.patt_public_health_details is None
            else self.patt_public_health_details
        )

    @property
    def api_docs_enabled(self) -> bool:
        return (not self.production) if self.patt_api_docs is None else self.patt_api_docs

    @property
    def public_base_url(self) -> str:
        return (self.base_url or f"http://{self.app_host}:{self.app_port}").rstrip("/")

    def secret_key(self) -> str:
        """The signing secret. Production must set JWT_SECRET_KEY; development keeps one in the data dir."""
        if self.jwt_secret_key is not None:
            value = self.jwt_secret_key.get_secret_value()
            if len(value) < 32:
                raise ValueError("JWT_SECRET_KEY must be at least 32 characters")
            return value
        if self.production:
            raise ValueError("JWT_SECRET_KEY is required when APP_ENV=production")
        path = self.patt_data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def env_name(model: type[BaseSettings], field: str) -> str:
    """The environment variable an operator sets for ``field`` of ``model``."""
    info = model.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    if info is None:  # pydantic located the error by an alias already
        return field
    return (model.model_config.get("env_prefix", "") + field).upper()


def _secret(model: type[BaseSettings], field: str) -> bool:
    info = model.model_fields.get(field)
    annotation = info.annotation if info is not None else None
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def describe_settings_error(model: type[BaseSettings], exc: ValidationError) -> str:
    """pydantic's error as an operator reads it: each bad variable by its environment name,
    what is wrong and the value given (never a secret's), without pydantic's links."""
    parts = []
    for error in exc.errors(include_url=False):
        loc = error.get("loc") or ()
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if not loc:  # a check of the whole model: its message says what to set
            parts.append(message)
            continue
        field = str(loc[0])
        name = env_name(model, field)
        value = error.get("input")
        got = ""
        if isinstance(value, str | int | float) and not _secret(model, field) and len(str(value)) <= 100:
            got = f" (got {value!r})"
        # A check of ours names the variable and quotes the value itself.
        parts.append(message if message.startswith(name) else f"{name}: {message}{got}")
    return "; ".join(parts)
