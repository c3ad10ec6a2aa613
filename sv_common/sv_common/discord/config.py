"""The single ``common.discord_config`` row officers edit at run time."""

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.errors import ValidationFailed
from sv_common.identity.models import DiscordConfig

ROLE_SYNC_MODES = ("off", "to_site", "to_discord", "dry_run")
FEATURE_PREFIX, FEATURE_SUFFIX = "feature_", "_dm"


async def load_discord_config(session: AsyncSession) -> DiscordConfig:
    """The config row, created with the defaults (everything off) when missing."""
    config = await session.scalar(select(DiscordConfig).order_by(DiscordConfig.id).limit(1))
    if config is None:
        # Two first requests at once must not create two rows: id 1 is the row.
        await session.execute(insert(DiscordConfig).values(id=1).on_conflict_do_nothing())
        config = await session.scalar(select(DiscordConfig).order_by(DiscordConfig.id).limit(1))
    return config


def dm_feature_names() -> list[str]:
    """Features with a DM switch: every ``feature_<name>_dm`` column of the config."""
    names = []
    for column in sa_inspect(DiscordConfig).columns:
        key = column.key
        if key.startswith(FEATURE_PREFIX) and key.endswith(FEATURE_SUFFIX):
            names.append(key[len(FEATURE_PREFIX) : -len(FEATURE_SUFFIX)])
    return sorted(names)


def feature_column(feature: str) -> str:
    """The switch column of a DM feature; unknown features are refused."""
    if feature not in dm_feature_names():
        known = ", ".join(dm_feature_names())
        raise ValidationFailed(f"Unknown DM feature {feature!r} (known: {known}).", code="unknown_feature")
    return f"{FEATURE_PREFIX}{feature}{FEATURE_SUFFIX}"


def _snowflake_or_none(field: str, value: object) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit() or not 15 <= len(text) <= 21:
        raise ValidationFailed(f"{field} must be a Discord id (digits).", code="invalid_id")
    return text


async def update_discord_config(session: AsyncSession, **changes: object) -> DiscordConfig:
    """Apply officer edits: role-sync mode, interval, guild and channel ids, DM switches."""
    config = await load_discord_config(session)
    switches = {feature_column(name) for name in dm_feature_names()}
    for field, value in changes.items():
        if field in ("guild_discord_id", "default_announcement_channel_id", "audit_channel_id"):
            setattr(config, field, _snowflake_or_none(field, value))
        elif field == "role_sync_mode":
            if value not in ROLE_SYNC_MODES:
                raise ValidationFailed(f"role_sync_mode must be one of {', '.join(ROLE_SYNC_MODES)}.")
            config.role_sync_mode = str(value)
        elif field == "role_sync_interval_hours":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 24 * 7:
                raise ValidationFailed("role_sync_interval_hours must be a whole number from 1 to 168.")
            config.role_sync_interval_hours = value
        elif field == "bot_dm_enabled" or field in switches:
            if not isinstance(value, bool):
                raise ValidationFailed(f"{field} must be true or false.")
            setattr(config, field, value)
        else:
            raise ValidationFailed(f"{field} is not a Discord setting.", code="unknown_field")
    await session.flush()
    return config
