"""Route table and handlers of the fake Discord REST API.

Handlers mutate :class:`~sv_common.testing.fake_discord.FakeDiscord` state
through its helpers (so gateway events follow) and answer with
``(status, json_body)``; errors are raised as :class:`ApiError` carrying
Discord's JSON error codes, which discord.py surfaces as ``exc.code``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .fake_discord_permissions import SEND_MESSAGES, VIEW_CHANNEL, channel_permissions, why_role_unmanageable
from .fake_discord_state import GUILD_MEMBERS_INTENT, error_body, iso
from .fake_discord_validation import EmptyMessage, FormError, validate_message

if TYPE_CHECKING:
    from .fake_discord import FakeDiscord


class ApiError(Exception):
    """Raised by handlers to answer with one of Discord's JSON errors.

    ``errors`` maps a dotted field path to a message, nested the way Discord nests
    its 50035 "Invalid Form Body" details (discord.py prints them in the exception).
    """

    def __init__(
        self,
        status: int,
        code: int | None = None,
        message: str | None = None,
        errors: dict[str, str | tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.body = error_body(status, code, message)
        if errors:
            self.body["errors"] = _nested_errors(errors)


def _nested_errors(errors: dict[str, str | tuple[str, str]]) -> dict:
    out: dict = {}
    for path, detail in errors.items():
        code, text = detail if isinstance(detail, tuple) else ("BASE_TYPE_INVALID", detail)
        node = out
        for part in path.split("."):
            node = node.setdefault(part, {})
        node["_errors"] = [{"code": code, "message": text}]
    return out


def validate_message_body(body: dict, files: list[dict], *, prefix: str = "", edit: bool = False) -> None:
    """Discord's checks on a message (see :mod:`.fake_discord_validation`) as its API errors."""
    try:
        validate_message(body, files, prefix=prefix, edit=edit)
    except FormError as exc:
        raise ApiError(400, 50035, "Invalid Form Body", errors=exc.errors) from None
    except EmptyMessage:
        raise ApiError(400, 50006, "Cannot send an empty message") from None


@dataclass
class Ctx:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[dict] = field(default_factory=list)


Handler = Callable[["FakeDiscord", Ctx], Awaitable[tuple[int, Any]]]
ROUTES: list[tuple[str, re.Pattern, str, Handler, bool]] = []


def route(method: str, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    """Register a handler; {name} in the template captures one path segment.

    ``auth=False`` for the routes Discord serves without a bot token (interaction
    callbacks and webhooks authenticated by the token in their URL).
    """
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")

    def deco(fn: Handler) -> Handler:
        ROUTES.append((method, pattern, template, fn, auth))
        return fn

    return deco


# --------------------------------------------------------------------------- lookups


def _int(value: str, *, missing: ApiError) -> int:
    try:
        return int(value)
    except ValueError:
        raise missing from None


def guild_of(fake: FakeDiscord, ctx: Ctx):
    gid = _int(ctx.params["gid"], missing=ApiError(404, 10004, "Unknown Guild"))
    if gid not in fake.guilds:
        raise ApiError(404, 10004, "Unknown Guild")
    return fake.guilds[gid]


def member_of(fake: FakeDiscord, ctx: Ctx):
    guild = guild_of(fake, ctx)
    raw = ctx.params["uid"]
    uid = fake.bot_user_id if raw == "@me" else _int(raw, missing=ApiError(404, 10013, "Unknown User"))
    member = guild.members.get(uid)
    if member is None:
        raise ApiError(404, 10007, "Unknown Member")
    return guild, uid, member


def channel_of(fake: FakeDiscord, ctx: Ctx, needs: int = VIEW_CHANNEL) -> dict:
    """The channel, if the bot may use it: 50001 when it cannot see it, 50013 when it
    lacks another permission in ``needs``."""
    cid = _int(ctx.params["cid"], missing=ApiError(404, 10003, "Unknown Channel"))
    channel = fake._find_channel(cid)
    if channel is None:
        raise ApiError(404, 10003, "Unknown Channel")
    if channel.get("guild_id"):
        guild = fake.guilds[int(channel["guild_id"])]
        allowed = channel_permissions(guild, fake.bot_user_id, channel)
        if not allowed & VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if needs & ~allowed:
            raise ApiError(403, 50013, "Missing Permissions")
    return channel


def check_role_manageable(fake: FakeDiscord, guild: Any, role_id: int) -> None:
    if why_role_unmanageable(guild, fake.bot_user_id, role_id) is not None:
        raise ApiError(403, 50013, "Missing Permissions")


def message_of(fake: FakeDiscord, ctx: Ctx) -> dict:
    channel = channel_of(fake, ctx)
    message = fake.messages.get(_int(ctx.params["mid"], missing=ApiError(404, 10008, "Unknown Message")))
    if message is None or message["channel_id"] != channel["id"]:
        raise ApiError(404, 10008, "Unknown Message")
    return message


# --------------------------------------------------------------------------- users / app / gateway


@route("GET", "/users/@me")
async def _me(fake, ctx):
    return 200, dict(fake.users[fake.bot_user_id], verified=True, mfa_enabled=False, flags=0, locale="en-US")


@route("GET", "/users/{uid}")
async def _user(fake, ctx):
    user = fake.users.get(_int(ctx.params["uid"], missing=ApiError(404, 10013, "Unknown User")))
    if user is None:
        raise ApiError(404, 10013, "Unknown User")
    return 200, user


@route("GET", "/oauth2/applications/@me")
async def _app_info(fake, ctx):
    return 200, fake.application_payload()


@route("GET", "/gateway")
async def _gateway(fake, ctx):
    return 200, {"url": fake.gateway_url}


@route("GET", "/gateway/bot")
async def _gateway_bot(fake, ctx):
    limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
    return 200, {"url": fake.gateway_url, "shards": 1, "session_start_limit": limit}


# --------------------------------------------------------------------------- guilds, roles, members


@route("GET", "/guilds/{gid}")
async def _guild(fake, ctx):
    guild = guild_of(fake, ctx)
    data = guild.base_payload()
    if ctx.query.get("with_counts") in ("1", "true", "True"):
        data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
    return 200, data


@route("GET", "/guilds/{gid}/channels")
async def _guild_channels(fake, ctx):
    return 200, list(guild_of(fake, ctx).channels.values())


@route("GET", "/guilds/{gid}/roles")
async def _guild_roles(fake, ctx):
    return 200, list(guild_of(fake, ctx).roles.values())


@route("GET", "/guilds/{gid}/roles/{rid}")
async def _guild_role(fake, ctx):
    role = guild_of(fake, ctx).roles.get(
        _int(ctx.params["rid"], missing=ApiError(404, 10011, "Unknown Role"))
    )
    if role is None:
        raise ApiError(404, 10011, "Unknown Role")
    return 200, role


@route("GET", "/guilds/{gid}/members")
async def _guild_members(fake, ctx):
    guild = guild_of(fake, ctx)
    if not fake.portal_intents & GUILD_MEMBERS_INTENT:
        raise ApiError(403, 50001, "Missing Access")  # the Server Members intent is off in the portal
    limit = max(1, min(1000, int(ctx.query.get("limit", 1))))  # Discord's default limit really is 1
    after = int(ctx.query.get("after", 0))
    ids = sorted(uid for uid in guild.members if uid > after)[:limit]
    return 200, [guild.members[uid] for uid in ids]


@route("GET", "/guilds/{gid}/members/{uid}")
async def _guild_member(fake, ctx):
    return 200, member_of(fake, ctx)[2]


async def _change_role(fake, ctx, add: bool):
    guild, uid, member = member_of(fake, ctx)
    rid = _int(ctx.params["rid"], missing=ApiError(404, 10011, "Unknown Role"))
    if rid not in guild.roles:
        raise ApiError(404, 10011, "Unknown Role")
    check_role_manageable(fake, guild, rid)
    roles = [int(r) for r in member["roles"]]
    if add and rid not in roles:
        roles.append(rid)
    elif not add and rid in roles:
        roles.remove(rid)
    await fake._set_member(guild.id, uid, roles=roles)
    return 204, None


@route("PUT", "/guilds/{gid}/members/{uid}/roles/{rid}")
async def _add_role(fake, ctx):
    return await _change_role(fake, ctx, True)


@route("DELETE", "/guilds/{gid}/members/{uid}/roles/{rid}")
async def _remove_role(fake, ctx):
    return await _change_role(fake, ctx, False)


@route("PATCH", "/guilds/{gid}/members/{uid}")
async def _edit_member(fake, ctx):
    guild, uid, _ = member_of(fake, ctx)
    body = ctx.json or {}
    changes: dict[str, Any] = {}
    if "roles" in body:
        unknown = [r for r in body["roles"] if int(r) not in guild.roles]
        if unknown:
            raise ApiError(400, 50035, "Invalid Form Body", errors={"roles": f"Unknown role {unknown[0]}"})
        changes["roles"] = [int(r) for r in body["roles"]]
        for changed in set(changes["roles"]) ^ {int(r) for r in guild.members[uid]["roles"]}:
            check_role_manageable(fake, guild, changed)
    if "nick" in body:
        changes["nick"] = body["nick"]
    return 200, await fake._set_member(guild.id, uid, **changes)


# --------------------------------------------------------------------------- channels and messages


@route("POST", "/users/@me/channels")
async def _open_dm(fake, ctx):
    recipient = int((ctx.json or {}).get("recipient_id", 0))
    if recipient not in fake.users:
        raise ApiError(400, 50033, "Invalid Recipient(s)")
    return 200, fake._dm_channel(recipient)


@route("GET", "/channels/{cid}")
async def _channel(fake, ctx):
    return 200, channel_of(fake, ctx)


@route("POST", "/channels/{cid}/typing")
async def _typing(fake, ctx):
    channel_of(fake, ctx)
    return 204, None


@route("GET", "/channels/{cid}/messages")
async def _history(fake, ctx):
    channel = channel_of(fake, ctx)
    limit = max(1, min(100, int(ctx.query.get("limit", 50))))
    before, after = ctx.query.get("before"), ctx.query.get("after")
    found = [m for m in fake.messages.values() if m["channel_id"] == channel["id"]]
    if before:
        found = [m for m in found if int(m["id"]) < int(before)]
    if after:
        found = [m for m in found if int(m["id"]) > int(after)]
        found.sort(key=lambda m: int(m["id"]))
        return 200, found[:limit][::-1]
    found.sort(key=lambda m: int(m["id"]), reverse=True)
    return 200, found[:limit]


@route("POST", "/channels/{cid}/messages")
async def _send(fake, ctx):
    channel = channel_of(fake, ctx, needs=VIEW_CHANNEL | SEND_MESSAGES)
    if channel["type"] == 1 and not fake.can_dm(int(channel["recipients"][0]["id"])):
        raise ApiError(403, 50007, "Cannot send messages to this user")
    if channel["type"] == 4:
        raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
    body = ctx.json if isinstance(ctx.json, dict) else {}
    validate_message_body(body, ctx.files)
    nonce = body.get("nonce")
    if body.get("enforce_nonce") and nonce is not None:
        # Discord returns the message it already created for this nonce (a retried send),
        # but remembers nonces only for a few minutes (fake.nonce_ttl).
        earlier = fake.nonces.get(str(nonce))
        if earlier is not None and time.monotonic() - earlier[0] <= fake.nonce_ttl:
            return 200, earlier[1]
    message = await fake._create_message(channel, body, ctx.files)
    if nonce is not None:
        fake.nonces[str(nonce)] = (time.monotonic(), message)
    return 200, message


@route("PATCH", "/channels/{cid}/messages/{mid}")
async def _edit(fake, ctx):
    message = message_of(fake, ctx)
    body = ctx.json if isinstance(ctx.json, dict) else {}
    validate_message_body(body, ctx.files, edit=True)
    for key in ("content", "embeds", "components", "flags"):
        if key in body:
            message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
    message["edited_timestamp"] = iso()
    await fake._announce_message(message, "MESSAGE_UPDATE")
    return 200, message


@route("DELETE", "/channels/{cid}/messages/{mid}")
async def _delete(fake, ctx):
    message = message_of(fake, ctx)
    del fake.messages[int(message["id"])]
    return 204, None


# --------------------------------------------------------------------------- application commands


def _commands_store(fake, ctx) -> tuple[dict[int, dict], int | None]:
    if int(ctx.params["app"]) != fake.application_id:
        raise ApiError(404, 10002, "Unknown Application")
    if "gid" in ctx.params:
        guild = guild_of(fake, ctx)
        return guild.commands, guild.id
    return fake.global_commands, None


@route("PUT", "/applications/{app}/commands")
@route("PUT", "/applications/{app}/guilds/{gid}/commands")
async def _put_commands(fake, ctx):
    store, gid = _commands_store(fake, ctx)
    previous = {(c["name"], c.get("type", 1)): c for c in store.values()}
    store.clear()
    for payload in ctx.json or []:
        kind = payload.get("type", 1)
        old = previous.get((payload["name"], kind))
        cid = int(old["id"]) if old else fake.snowflake()
        cmd = {
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "options": [],
            "description": "",
            "contexts": None,
            "integration_types": [0],
        }
        cmd.update(
            payload,
            id=str(cid),
            application_id=str(fake.application_id),
            type=kind,
            version=str(fake.snowflake()),
        )
        if gid is not None:
            cmd["guild_id"] = str(gid)
        store[cid] = cmd
    return 200, list(store.values())


@route("GET", "/applications/{app}/commands")
@route("GET", "/applications/{app}/guilds/{gid}/commands")
async def _get_commands(fake, ctx):
    return 200, list(_commands_store(fake, ctx)[0].values())
