"""In-memory Discord state for :mod:`sv_common.testing.fake_discord`.

Everything is kept in Discord's own JSON shape (string snowflakes, ISO
timestamps) so REST and gateway payloads are plain copies of the stored
dicts and discord.py parses exactly what the real API would send.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_PRESENCES_INTENT = 1 << 8
GUILD_MESSAGES_INTENT = 1 << 9
DIRECT_MESSAGES_INTENT = 1 << 12
MESSAGE_CONTENT_INTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS_INTENT | GUILD_PRESENCES_INTENT | MESSAGE_CONTENT_INTENT

# VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
# | ADD_REACTIONS | USE_APPLICATION_COMMANDS: a realistic @everyone default that
# is far from administrator, so permission checks in code under test still bite.
DEFAULT_EVERYONE_PERMISSIONS = 0x400 | 0x800 | 0x4000 | 0x8000 | 0x10000 | 0x40 | 0x80000000


class SnowflakeFactory:
    """Monotonic snowflakes so created objects sort like real ones (by time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0
        self._counter = itertools.count()

    def __call__(self) -> int:
        with self._lock:
            ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
            value = (ms << 22) | (next(self._counter) & 0xFFF)
            if value <= self._last:
                value = self._last + 1
            self._last = value
            return value


def iso(value: Any = None) -> str:
    """Discord timestamps are ISO 8601 with an explicit UTC offset."""
    if value is None:
        value = _dt.datetime.now(_dt.UTC)
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.UTC)
    return value.isoformat()


def user_payload(user_id: int, username: str, *, global_name: str | None = None, bot: bool = False) -> dict:
    return {
        "id": str(user_id),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def role_payload(role_id: int, name: str, *, position: int, permissions: int, managed: bool) -> dict:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }


def overwrite_payload(ow: Any) -> dict:
    """Accepts Discord-shaped dicts with int or str ids/bitsets."""
    return {
        "id": str(ow["id"]),
        "type": int(ow.get("type", 0)),
        "allow": str(ow.get("allow", 0)),
        "deny": str(ow.get("deny", 0)),
    }


def channel_payload(
    guild_id: int,
    channel_id: int,
    name: str,
    *,
    type: int,
    parent_id: int | None,
    position: int,
    permission_overwrites: Iterable[Any],
) -> dict:
    data = {
        "id": str(channel_id),
        "type": type,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "parent_id": None if parent_id is None else str(parent_id),
        "permission_overwrites": [overwrite_payload(o) for o in permission_overwrites],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    if type in (2, 13):  # voice / stage need these or discord.py's parser fails
        data.update(bitrate=64000, user_limit=0, rtc_region=None, video_quality_mode=1)
    if type in (15, 16):  # forum / media
        data.update(
            available_tags=[], default_reaction_emoji=None, default_sort_order=None, default_forum_layout=0
        )
    return data


def member_payload(user: dict, *, nick: str | None, roles: Iterable[int], joined_at: Any) -> dict:
    return {
        "user": user,
        "nick": nick,
        "roles": [str(r) for r in roles],
        "joined_at": iso(joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "avatar": None,
        "banner": None,
        "communication_disabled_until": None,
    }


def dm_channel_payload(channel_id: int, recipient: dict) -> dict:
    return {"id": str(channel_id), "type": 1, "last_message_id": None, "recipients": [recipient], "flags": 0}


def attachment_payload(attachment_id: int, file: dict, base_url: str) -> dict:
    url = f"{base_url}/{attachment_id}/{file['filename']}"
    return {
        "id": str(attachment_id),
        "filename": file["filename"],
        "size": len(file["data"]),
        "content_type": file["content_type"],
        "url": url,
        "proxy_url": url,
    }


def message_payload(message_id: int, channel_id: str, author: dict, body: dict, attachments: list) -> dict:
    """What POST /channels/{id}/messages answers, built from the request body."""
    message = {
        "id": str(message_id),
        "channel_id": channel_id,
        "author": author,
        "content": body.get("content") or "",
        "timestamp": iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 19 if body.get("message_reference") else 0,  # 19 = reply
        "flags": int(body.get("flags") or 0),
    }
    for key in ("nonce", "message_reference"):
        if body.get(key) is not None:
            message[key] = body[key]
    return message


def application_payload(application_id: int, bot_user: dict, owner_id: int) -> dict:
    return {
        "id": str(application_id),
        "name": bot_user["username"],
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(owner_id, "owner"),
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        "bot": bot_user,
        "redirect_uris": [],
        # Must stay None: with a URL set, discord.py warns that interactions won't reach the gateway.
        "interactions_endpoint_url": None,
    }


@dataclass
class FakeGuild:
    """A guild as the fake knows it; mutate through FakeDiscord so events stay consistent."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, dict] = field(default_factory=dict)
    channels: dict[int, dict] = field(default_factory=dict)
    members: dict[int, dict] = field(default_factory=dict)
    commands: dict[int, dict] = field(default_factory=dict)

    def base_payload(self) -> dict:
        """GET /guilds/{id} shape: no channels or members, like the real endpoint."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def create_payload(self, joined_at: str, members: list[dict], *, large: bool) -> dict:
        """GUILD_CREATE shape with the ``members`` the session may see at once; ``large``
        is Discord's flag for more members than the client's ``large_threshold``."""
        data = self.base_payload()
        data.update(
            joined_at=joined_at,
            large=large,
            unavailable=False,
            member_count=len(self.members),
            voice_states=[],
            members=members,
            channels=list(self.channels.values()),
            threads=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return data


@dataclass
class RecordedRequest:
    """One REST call as it reached the fake (path is relative to base_url)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    files: list[dict] = field(default_factory=list)
    status_returned: int | None = None


@dataclass
class InjectedFailure:
    method: str
    pattern: Any  # compiled regex
    status: int
    retry_after: float
    is_global: bool
    times: int
    body: dict | None
    cloudflare: bool = False
    processed: bool = False  # the request took effect before the error came back


# Discord's bodies for bare errors; a 403 is always a JSON error with a real code.
DEFAULT_ERRORS = {
    400: ("400: Bad Request", 0),
    401: ("401: Unauthorized", 0),
    403: ("Missing Permissions", 50013),
    404: ("404: Not Found", 0),
    500: ("500: Internal Server Error", 0),
}


def error_body(status: int, code: int | None = None, message: str | None = None) -> dict:
    default_message, default_code = DEFAULT_ERRORS.get(status, (str(status), 0))
    return {"message": message or default_message, "code": default_code if code is None else code}
