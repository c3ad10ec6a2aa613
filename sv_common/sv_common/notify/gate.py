"""THE place where the DM switches are enforced.

Both enqueueing (``dm_player``) and delivery (the worker, in case an officer turned DMs
off while messages were waiting) ask :func:`dm_block_reason`; nothing else decides
whether the bot may DM someone.
"""

from __future__ import annotations

from sv_common.discord.config import dm_feature_names, feature_column
from sv_common.identity.models import DiscordConfig

__all__ = ["dm_block_reason", "dm_feature_names"]


def dm_block_reason(config: DiscordConfig, feature: str) -> str | None:
    """Why a DM for ``feature`` may not be sent now, or None when it may.

    Raises ValidationFailed for a feature that has no switch (unknown features are
    refused, never sent by default).
    """
    column = feature_column(feature)
    if not config.bot_dm_enabled:
        return "Bot DMs are switched off (Discord settings: bot DMs)."
    if not getattr(config, column):
        return f"DMs for '{feature}' are switched off (Discord settings: {column})."
    return None
