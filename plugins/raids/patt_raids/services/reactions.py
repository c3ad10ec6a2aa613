"""What happens outside the site when a raid event is created or changes.

The raids core emits ``raids.event_created`` and ``raids.event_changed`` after its commit
(``services/notify.py``); ``plugin.handle_event`` hands them here:

- created: the bot's post of the event, with its signup buttons (for an auto-booked event
  the post is the announcement), and the Raid-Helper sync when that connector is on;
- changed: the post is edited to show the new signups (or the cancellation), and Raid-Helper
  gets the changed signup.

Everything is queued (outbox rows, a background job): a Discord or Raid-Helper outage never
fails the change that caused it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from patt_host.jobs import trigger_job
from patt_raids.services import discord_post
from patt_raids.services.notify import EVENT_CHANGED, EVENT_CREATED
from patt_raids.services.raid_helper import DEFAULT_TEMPLATE, Connection
from patt_raids.services.raid_helper_sync import RaidHelperConfig
from sv_common.discord.config import load_discord_config

if TYPE_CHECKING:
    from patt_host import HostAPI
    from patt_raids.config import RaidsSettings

log = logging.getLogger("patt.raids")
RAID_HELPER_JOB = "raids.raid_helper_sync"
TARGET_KEYS = {
    "tank": "target_tank",
    "healer": "target_healer",
    "melee": "target_melee",
    "ranged": "target_ranged",
}
AUTO_BOOKED_TEXT = "📅 Next week's raid has been posted! Sign up with the buttons below or on the site."
CREATED_TEXT = "📅 A new raid is up for signups."
# The discord plugin's full member sync, run when the bot connects.
MEMBERS_SYNCED = "discord.members_synced"


async def role_targets(host: HostAPI) -> dict[str, int]:
    """The site's composition targets (officer-edited site settings), by role."""
    values = await host.site_settings()
    targets = {}
    for role, key in TARGET_KEYS.items():
        value = values.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            targets[role] = value
    return targets


def raid_helper_settings(host: HostAPI) -> RaidsSettings:
    """The raids settings in effect for the Raid-Helper connector: the configured ones, or those
    ``patt demo`` points at its fake Raid-Helper when none is configured (``state.py``)."""
    return host.plugin_state("raids").settings


def raid_helper_config(host: HostAPI, guild_timezone: str) -> RaidHelperConfig | None:
    """The connector's settings, or None while it is not configured (it is optional)."""
    settings = raid_helper_settings(host)
    if not settings.raid_helper_configured:
        return None
    key = settings.raid_helper_api_key
    return RaidHelperConfig(
        connection=Connection(
            base_url=settings.raid_helper_base_url,
            api_key=key.get_secret_value(),
            server_id=settings.raid_helper_server_id,
            timeout=settings.raid_helper_timeout_seconds,
        ),
        leader_id=settings.raid_helper_leader_id,
        template_id=settings.raid_helper_template_id or DEFAULT_TEMPLATE,
        timezone=settings.raid_helper_timezone or guild_timezone,
        channel_id=settings.raid_helper_channel_id,
    )


async def on_event(event: Any, host: HostAPI) -> None:
    if event.name == EVENT_CREATED:
        await _post(host, event.data)
    elif event.name == EVENT_CHANGED:
        await _refresh(host, event.data)
    elif event.name == MEMBERS_SYNCED:  # the bot (re)connected: post what it missed meanwhile
        await post_missing(host)
        return
    else:
        return
    if raid_helper_settings(host).raid_helper_configured and event.data.get("reason") != "attendance":
        await trigger_job(
            host, RAID_HELPER_JOB, triggered_by=event.name, kwargs={"event_id": event.data["event_id"]}
        )


async def post_missing(host: HostAPI) -> int:
    """Post every upcoming event that has no post yet (see ``discord_post.post_missing``)."""
    targets = await role_targets(host)
    async with host.db.session() as session:
        channel = (await load_discord_config(session)).default_announcement_channel_id
        return await discord_post.post_missing(
            session, channel_id=channel, base_url=host.settings.public_base_url, targets=targets
        )


async def _post(host: HostAPI, data: dict[str, Any]) -> None:
    targets = await role_targets(host)
    async with host.db.session() as session:
        fallback = (
            data.get("channel_id") or (await load_discord_config(session)).default_announcement_channel_id
        )
        post = await discord_post.post_event(
            session,
            data["event_id"],
            channel_id=fallback,
            base_url=host.settings.public_base_url,
            targets=targets,
            announcement=AUTO_BOOKED_TEXT if data.get("auto_booked") else CREATED_TEXT,
        )
    if post is None:
        log.info(
            "raid event %s has no channel (nor a default announcement channel): not posted", data["event_id"]
        )


async def _refresh(host: HostAPI, data: dict[str, Any]) -> None:
    targets = await role_targets(host)
    async with host.db.session() as session:
        await discord_post.refresh_post(
            session, data["event_id"], base_url=host.settings.public_base_url, targets=targets
        )
