"""Interactions in the fake Discord: what the bot answered, and the routes that take the answers.

A test builds an interaction with
:class:`~.fake_discord_interaction_builder.InteractionBuilder`, hands it to a running bot
with :meth:`FakeDiscord.interact <sv_common.testing.fake_discord.FakeDiscord.interact>`
and reads what the bot replied from the returned :class:`InteractionRecord`::

    builder = fake.interaction_builder(GUILD_ID, GENERAL_CHANNEL_ID)
    record = await fake.interact(builder.slash_command(ALICE, "events signup", slot=2))
    assert record.content == "Signed up." and record.ephemeral

    # a button on a message the bot posted earlier
    message = fake.messages_in(GENERAL_CHANNEL_ID)[-1]
    record = await fake.interact(builder.button(ALICE, message, "events:join"))

The routes follow Discord: the callback and the follow-up webhooks need no
``Authorization``; an interaction is acknowledged once (400 40060 after that) within
:attr:`FakeDiscord.interaction_ack_timeout` seconds of being sent (404 10062 after that,
or for an unknown id/token); a follow-up before the acknowledgement is 404 10015, and
one more than 15 minutes after the interaction 401 50027.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .fake_discord_routes import ApiError, route, validate_message_body
from .fake_discord_state import iso, message_payload
from .fake_discord_validation import FormError, validate_modal

if TYPE_CHECKING:
    from .fake_discord import FakeDiscord

# Interaction types
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Callback types
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = (
    1,
    4,
    5,
    6,
    7,
    8,
    9,
)
EPHEMERAL, LOADING = 1 << 6, 1 << 7
TOKEN_TTL = 15 * 60  # seconds an interaction token stays valid for follow-ups
# Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}


# --------------------------------------------------------------------------- records


@dataclass
class InteractionRecord:
    """One interaction as the fake knows it, and everything the bot answered to it.

    ``callbacks`` lists every callback the bot attempted, refused ones included (each
    ``{"type", "data", "status"}``), so a test can assert the bot replied exactly once.
    """

    payload: dict
    sent_at: float | None = None  # monotonic time it was dispatched to the bot
    callbacks: list[dict] = field(default_factory=list)
    original: dict | None = None  # the message the callback created or updated
    followups: list[dict] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def token(self) -> str:
        return self.payload["token"]

    @property
    def acknowledged(self) -> dict | None:
        """The accepted callback (``{"type", "data", "status"}``), or None."""
        return next((c for c in self.callbacks if 200 <= c["status"] < 300), None)

    @property
    def response_type(self) -> int | None:
        ack = self.acknowledged
        return None if ack is None else ack["type"]

    @property
    def messages(self) -> list[dict]:
        """The original response (when it is a message) and the follow-ups, in order."""
        return ([self.original] if self.original is not None else []) + self.followups

    @property
    def replies(self) -> list[dict]:
        """Messages the user can read: :attr:`messages` without a still-loading deferral."""
        return [m for m in self.messages if not int(m.get("flags") or 0) & LOADING]

    @property
    def content(self) -> str | None:
        """Content of the first readable reply (None when there is none yet)."""
        replies = self.replies
        return replies[0]["content"] if replies else None

    @property
    def ephemeral(self) -> bool:
        replies = self.replies
        return bool(replies) and bool(int(replies[0].get("flags") or 0) & EPHEMERAL)

    @property
    def choices(self) -> list[dict] | None:
        """Autocomplete choices the bot returned (callback type 8)."""
        ack = self.acknowledged
        return (ack["data"] or {}).get("choices") if ack and ack["type"] == AUTOCOMPLETE_RESULT else None

    @property
    def modal(self) -> dict | None:
        """The modal the bot opened (callback type 9): ``custom_id``, ``title``, ``components``."""
        ack = self.acknowledged
        return ack["data"] if ack and ack["type"] == MODAL else None

    def finished(self) -> bool:
        """Acknowledged, and a deferred reply has since been followed up or edited."""
        ack = self.acknowledged
        if ack is None:
            return False
        if ack["type"] == DEFERRED_MESSAGE:
            return bool(self.followups) or not int(self.original["flags"]) & LOADING
        if ack["type"] == DEFERRED_UPDATE:
            return bool(self.followups) or bool(self.original and self.original.get("edited_timestamp"))
        return True


# --------------------------------------------------------------------------- routes


def _interaction(fake: FakeDiscord, interaction_id: str, token: str) -> InteractionRecord:
    try:
        record = fake.interactions.get(int(interaction_id))
    except ValueError:
        record = None
    if record is None or record.token != token:
        raise ApiError(404, 10062, "Unknown interaction")
    return record


def _by_webhook(fake: FakeDiscord, application_id: str, token: str) -> InteractionRecord:
    """Follow-ups use the application id and the interaction token; unacknowledged is unknown,
    and the token expires 15 minutes after the interaction (401 50027)."""
    if application_id == str(fake.application_id):
        for record in fake.interactions.values():
            if record.token == token and record.acknowledged is not None:
                if record.sent_at is not None and time.monotonic() - record.sent_at > TOKEN_TTL:
                    raise ApiError(401, 50027, "Invalid Webhook Token")
                return record
    raise ApiError(404, 10015, "Unknown Webhook")


def _reply_message(fake: FakeDiscord, record: InteractionRecord, body: dict, flags: int) -> dict:
    """A message sent by the application's webhook in reply to ``record``."""
    payload = record.payload
    author = fake.users[fake.bot_user_id]
    message = message_payload(fake.snowflake(), payload["channel_id"], author, body, [])
    message.update(
        type=20 if payload["type"] == APPLICATION_COMMAND else 0,  # 20: chat input command reply
        flags=flags,
        webhook_id=str(fake.application_id),
        application_id=str(fake.application_id),
        interaction_metadata={
            "id": payload["id"],
            "type": payload["type"],
            "user": payload["member"]["user"] if "member" in payload else payload["user"],
            "authorizing_integration_owners": payload["authorizing_integration_owners"],
        },
    )
    return message


async def _publish(fake: FakeDiscord, message: dict) -> None:
    """Non-ephemeral replies are channel messages everyone sees; ephemeral ones are not."""
    if int(message["flags"]) & EPHEMERAL:
        return
    fake.messages[int(message["id"])] = message
    fake.sent_messages.append(message)
    await fake._announce_message(message)


def _callback_check(record: InteractionRecord, kind: Any, fake: FakeDiscord) -> int:
    if record.acknowledged is not None:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    sent_at = record.sent_at
    if sent_at is not None and time.monotonic() - sent_at > fake.interaction_ack_timeout:
        raise ApiError(404, 10062, "Unknown interaction")
    if not isinstance(kind, int) or kind not in ALLOWED_CALLBACKS[record.payload["type"]]:
        raise ApiError(400, 50035, "Invalid Form Body", errors={"type": "Interaction response type invalid"})
    return kind


@route("POST", "/interactions/{iid}/{token}/callback", auth=False)
async def _callback(fake, ctx):
    record = _interaction(fake, ctx.params["iid"], ctx.params["token"])
    body = ctx.json if isinstance(ctx.json, dict) else {}
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    entry = {"type": body.get("type"), "data": data, "status": 0}
    record.callbacks.append(entry)
    try:
        status, out = await _acknowledge(fake, ctx, record, body.get("type"), data)
    except ApiError as exc:
        status, out = exc.status, exc.body
    entry["status"] = status
    await fake._note_interaction()
    return status, out


async def _acknowledge(fake: FakeDiscord, ctx: Any, record: InteractionRecord, kind: Any, data: dict):
    kind = _callback_check(record, kind, fake)
    flags = int(data.get("flags") or 0) & EPHEMERAL
    if kind == MESSAGE:
        validate_message_body(data, ctx.files, prefix="data.")
        record.original = _reply_message(fake, record, data, flags)
        await _publish(fake, record.original)
    elif kind == DEFERRED_MESSAGE:
        record.original = _reply_message(fake, record, {}, flags | LOADING)
        await _publish(fake, record.original)
    elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
        if kind == UPDATE_MESSAGE:
            validate_message_body(data, ctx.files, prefix="data.", edit=True)
        record.original = _component_message(fake, record)
        if kind == UPDATE_MESSAGE:
            _apply_edit(record.original, data)
    elif kind == MODAL:
        try:
            validate_modal(data)
        except FormError as exc:
            raise ApiError(400, 50035, "Invalid Form Body", errors=exc.errors) from None
    if ctx.query.get("with_response") not in ("1", "true", "True"):
        return 204, None
    return 200, _callback_response(record, kind)


def _component_message(fake: FakeDiscord, record: InteractionRecord) -> dict:
    shown = record.payload.get("message")
    if shown is None:  # a modal opened from a slash command has no message to update
        raise ApiError(400, 50035, "Invalid Form Body", errors={"type": "Interaction has no message"})
    return fake.messages.get(int(shown["id"]), shown)


def _apply_edit(message: dict, body: dict) -> None:
    for key in ("content", "embeds", "components"):
        if key in body:
            message[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
    flags = int(message.get("flags") or 0) & EPHEMERAL  # editing cannot change ephemerality
    if body.get("flags"):
        flags |= int(body["flags"]) & ~(EPHEMERAL | LOADING)
    message["flags"] = flags  # an edit ends the "thinking..." state of a deferral
    message["edited_timestamp"] = iso()


def _callback_response(record: InteractionRecord, kind: int) -> dict:
    info: dict[str, Any] = {"id": str(record.id), "type": record.payload["type"]}
    out: dict[str, Any] = {"interaction": info}
    message = record.original if kind in (MESSAGE, DEFERRED_MESSAGE, UPDATE_MESSAGE) else None
    if message is not None:
        info.update(
            response_message_id=message["id"],
            response_message_loading=kind == DEFERRED_MESSAGE,
            response_message_ephemeral=bool(int(message["flags"]) & EPHEMERAL),
        )
    if kind != DEFERRED_UPDATE:
        out["resource"] = {"type": kind}
        if message is not None:
            out["resource"]["message"] = message
    return out


@route("POST", "/webhooks/{app}/{token}", auth=False)
async def _followup(fake, ctx):
    """A follow-up always answers with its message (Discord: ``wait`` is always true).

    Directly after a deferral (type 5) it is no new message: it edits the "thinking..."
    message, whose ephemeral flag stays what the deferral said (documented behaviour,
    kept for backwards compatibility)."""
    record = _by_webhook(fake, ctx.params["app"], ctx.params["token"])
    body = ctx.json if isinstance(ctx.json, dict) else {}
    validate_message_body(body, ctx.files)
    loading = record.original
    if record.response_type == DEFERRED_MESSAGE and loading is not None and int(loading["flags"]) & LOADING:
        _apply_edit(loading, body)
        await _announce_edit(fake, loading)
        message = loading
    else:
        message = _reply_message(fake, record, body, int(body.get("flags") or 0) & EPHEMERAL)
        record.followups.append(message)
        await _publish(fake, message)
    await fake._note_interaction()
    return 200, message


async def _announce_edit(fake: FakeDiscord, message: dict) -> None:
    """MESSAGE_UPDATE for an edited channel message (ephemeral ones are the user's alone)."""
    if not int(message["flags"]) & EPHEMERAL:
        await fake._announce_message(message, "MESSAGE_UPDATE")


def _webhook_message(fake: FakeDiscord, ctx: Any) -> tuple[InteractionRecord, dict]:
    record = _by_webhook(fake, ctx.params["app"], ctx.params["token"])
    mid = ctx.params["mid"]
    found = record.original if mid == "@original" else None
    if mid != "@original":
        found = next((m for m in record.messages if m["id"] == mid), None)
    if found is None:
        raise ApiError(404, 10008, "Unknown Message")
    return record, found


@route("GET", "/webhooks/{app}/{token}/messages/{mid}", auth=False)
async def _get_reply(fake, ctx):
    return 200, _webhook_message(fake, ctx)[1]


@route("PATCH", "/webhooks/{app}/{token}/messages/{mid}", auth=False)
async def _edit_reply(fake, ctx):
    _, message = _webhook_message(fake, ctx)
    body = ctx.json if isinstance(ctx.json, dict) else {}
    validate_message_body(body, ctx.files, edit=True)
    _apply_edit(message, body)
    await _announce_edit(fake, message)
    await fake._note_interaction()
    return 200, message


@route("DELETE", "/webhooks/{app}/{token}/messages/{mid}", auth=False)
async def _delete_reply(fake, ctx):
    record, message = _webhook_message(fake, ctx)
    fake.messages.pop(int(message["id"]), None)
    if message is record.original:
        record.original = None
    else:
        record.followups.remove(message)
    await fake._note_interaction()
    return 204, None


async def wait_for_interaction(
    fake: FakeDiscord,
    record: InteractionRecord,
    until: str,
    timeout: float,  # noqa: ASYNC109
) -> None:
    """Wait for ``until`` = "ack" (any accepted callback) or "reply" (:meth:`InteractionRecord.finished`)."""
    check = (lambda: record.acknowledged is not None) if until == "ack" else record.finished
    async with asyncio.timeout(timeout):
        async with fake._interaction_cond:
            await fake._interaction_cond.wait_for(check)
