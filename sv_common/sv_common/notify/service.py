"""Enqueueing DMs and channel posts, and the officers' view of the outbox.

Every plugin calls :func:`dm_player` / :func:`post_channel`; the row is written in the
caller's transaction and delivered later by the worker (see ``delivery``). A DM the
switches forbid, or to a player without Discord, is recorded as ``skipped`` with the
reason, so officers can see why a message did not go out.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.discord.config import feature_column, load_discord_config
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.models import DiscordUser, Player
from sv_common.notify.embeds import SHOWN_AS, build_payload, scrubbed
from sv_common.notify.gate import dm_block_reason
from sv_common.notify.models import EDIT_OF, STATUSES, NotificationOutbox
from sv_common.notify.trigger import wake_after_commit

FEATURE_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEDUPE_LIMIT = 200


def _check_dedupe_key(dedupe_key: str | None) -> None:
    if dedupe_key is not None and (
        not isinstance(dedupe_key, str) or not 0 < len(dedupe_key) <= DEDUPE_LIMIT
    ):
        raise ValidationFailed(f"dedupe_key must be text of 1 to {DEDUPE_LIMIT} characters.")


def _channel_target(channel_id: int | str) -> str:
    text = str(channel_id).strip()
    if isinstance(channel_id, bool) or not text.isdigit() or not 15 <= len(text) <= 21:
        raise ValidationFailed("channel_id must be a Discord channel id.", code="invalid_channel")
    return text


async def _enqueue(session: AsyncSession, **values: Any) -> NotificationOutbox:
    """Insert a row; with a dedupe key, an existing row is returned instead of a duplicate.

    A previously *skipped* row with the same key is reused (its switches may have been
    turned on since), so deduplication never blocks a message that is now allowed.
    """
    dedupe_key = values.get("dedupe_key")
    now = datetime.now(UTC)
    values.setdefault("next_attempt_at", now)
    if dedupe_key is None:
        row = NotificationOutbox(**values)
        session.add(row)
        await session.flush()
    else:
        inserted = await session.scalar(
            insert(NotificationOutbox)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(NotificationOutbox.id)
        )
        row = await session.scalar(
            select(NotificationOutbox).where(NotificationOutbox.dedupe_key == dedupe_key).with_for_update()
        )
        if inserted is None and row.status == "skipped" and values.get("status") == "pending":
            for key, value in values.items():
                setattr(row, key, value)
            row.attempts, row.last_error = 0, None
            await session.flush()
        await session.refresh(row)
    if row.status == "pending":
        wake_after_commit(session)
    return row


async def dm_player(
    session: AsyncSession,
    *,
    player_id: int,
    content: str | None = None,
    embed: dict[str, Any] | None = None,
    feature: str,
    dedupe_key: str | None = None,
    shown_as: str | None = None,
) -> NotificationOutbox:
    """Queue a DM to a player's Discord account, subject to the DM switches.

    Unknown features are refused (ValidationFailed); an unknown player is NotFound. A DM
    that may not be sent (switch off, no Discord account, left the server) is stored
    as ``skipped`` with the reason instead of being silently dropped.

    ``shown_as``: the DM holds a secret (reset link, invite code). Officers' outbox views
    show this text instead, and the secret is dropped from the row once the DM is sent,
    skipped or failed (such a DM cannot be retried: issue a new link or code).
    """
    feature_column(feature)
    _check_dedupe_key(dedupe_key)
    payload = build_payload(content, embed)
    if shown_as is not None:
        payload[SHOWN_AS] = shown_as[:200]
    player = await session.get(Player, player_id)
    if player is None:
        raise NotFound("That player does not exist.")
    discord_user = None
    if player.discord_user_id is not None:
        discord_user = await session.get(DiscordUser, player.discord_user_id)
    config = await load_discord_config(session)
    reason = dm_block_reason(config, feature)
    if reason is None and discord_user is None:
        reason = "The player has no linked Discord account."
    elif reason is None and not discord_user.is_present:
        reason = "The player's Discord account is no longer on the server."
    elif reason is None and await _dms_closed(session, discord_user.discord_id):
        # Queued, it would fail the same way, and a code or link in it would reach nobody.
        reason = (
            "The player does not accept DMs from the bot (their last DM was refused, Discord code 50007)."
        )
    return await _enqueue(
        session,
        kind="dm",
        target=discord_user.discord_id if discord_user is not None else "",
        player_id=player_id,
        feature=feature,
        dedupe_key=dedupe_key,
        status="skipped" if reason else "pending",
        # Never sent: the secret need not be kept.
        payload=scrubbed(payload) if reason else payload,
        last_error=reason,
    )


async def _dms_closed(session: AsyncSession, discord_id: str) -> bool:
    """Whether the newest DM delivered or refused to this Discord user was refused as closed DMs."""
    last = await session.execute(
        select(NotificationOutbox.status, NotificationOutbox.last_error)
        .where(
            NotificationOutbox.kind == "dm",
            NotificationOutbox.target == discord_id,
            NotificationOutbox.status.in_(("sent", "failed")),
        )
        .order_by(NotificationOutbox.id.desc())
        .limit(1)
    )
    row = last.first()
    return row is not None and row.status == "failed" and "code 50007" in (row.last_error or "")


async def post_channel(
    session: AsyncSession,
    *,
    channel_id: int | str,
    content: str | None = None,
    embed: dict[str, Any] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    buttons: list[list[dict[str, Any]]] | None = None,
    feature: str,
    dedupe_key: str | None = None,
) -> NotificationOutbox:
    """Queue a message to a channel. ``feature`` labels the sender (e.g. ``contest``);
    ``embeds`` puts up to 10 embeds in one message; ``buttons`` adds rows of buttons
    (:mod:`sv_common.notify.components`). Keep the returned row's id to edit the message
    later with :func:`edit_message`."""
    _check_feature_label(feature)
    _check_dedupe_key(dedupe_key)
    payload = build_payload(content, embed, embeds, buttons)
    return await _enqueue(
        session,
        kind="channel",
        target=_channel_target(channel_id),
        payload=payload,
        feature=feature,
        dedupe_key=dedupe_key,
        status="pending",
    )


def _check_feature_label(feature: str) -> None:
    if not isinstance(feature, str) or not FEATURE_LABEL.match(feature):
        raise ValidationFailed("feature must be a lowercase name such as 'contest'.", code="unknown_feature")


async def edit_message(
    session: AsyncSession,
    *,
    notification_id: int,
    content: str | None = None,
    embed: dict[str, Any] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    buttons: list[list[dict[str, Any]]] | None = None,
    feature: str,
) -> NotificationOutbox:
    """Change a channel message queued with :func:`post_channel` (notification ``notification_id``).

    The message's content and embeds become the ones given; its buttons too when
    ``buttons`` is given (``[]`` removes them, ``None`` keeps them). Only the newest
    state matters, so:

    - a post still waiting to be sent simply takes the new payload (one message, no edit);
    - otherwise one ``edit`` row per message is queued, and a newer edit replaces the payload
      of one that is still waiting. The worker edits the Discord message the post became;
      an edit of a post that was never delivered fails with that reason (officers can
      retry the post, which then carries the newest payload).

    Returns the row that will carry the change (the post itself or the edit).
    """
    _check_feature_label(feature)
    payload = build_payload(content, embed, embeds, buttons)
    post = await session.get(NotificationOutbox, notification_id, with_for_update=True)
    if post is None or post.kind != "channel":
        raise NotFound("That channel message does not exist.")
    if post.status in ("pending", "failed", "skipped") and post.unsure_since is None:
        # Not on Discord (yet): the post goes out, or is retried, with the newest state.
        post.payload = _merged(post.payload, payload)
        await session.flush()
        return post
    waiting = await session.scalar(
        select(NotificationOutbox)
        .where(
            NotificationOutbox.kind == "edit",
            NotificationOutbox.status == "pending",
            NotificationOutbox.payload[EDIT_OF].as_integer() == post.id,
        )
        .order_by(NotificationOutbox.id.desc())
        .limit(1)
        .with_for_update(skip_locked=True)  # one being sent right now is left alone
    )
    if waiting is not None:
        waiting.payload = _merged(waiting.payload, payload)
        waiting.next_attempt_at = min(waiting.next_attempt_at, datetime.now(UTC))
        await session.flush()
        wake_after_commit(session)
        return waiting
    return await _enqueue(
        session,
        kind="edit",
        target=post.target,
        payload={**payload, EDIT_OF: post.id},
        feature=feature,
        status="pending",
    )


def _merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The new content and embeds; the old buttons unless new ones were given."""
    merged = {**old, "content": new["content"], "embeds": new["embeds"]}
    if "components" in new:
        merged["components"] = new["components"]
    return merged


# --- officers' view -------------------------------------------------------------------------


async def list_notifications(
    session: AsyncSession, *, status: str | None = None, limit: int = 100
) -> list[NotificationOutbox]:
    """Newest first; ``status`` filters (pending | sent | failed | skipped)."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}.")
    query = select(NotificationOutbox).order_by(NotificationOutbox.id.desc()).limit(max(1, min(limit, 500)))
    if status is not None:
        query = query.where(NotificationOutbox.status == status)
    return list((await session.scalars(query)).all())


async def status_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(NotificationOutbox.status, func.count()).group_by(NotificationOutbox.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts


async def oldest_pending_age_seconds(session: AsyncSession, now: datetime | None = None) -> float | None:
    oldest = await session.scalar(
        select(func.min(NotificationOutbox.created_at)).where(NotificationOutbox.status == "pending")
    )
    if oldest is None:
        return None
    return ((now or datetime.now(UTC)) - oldest).total_seconds()


async def retry_notification(session: AsyncSession, notification_id: int) -> NotificationOutbox:
    """Put a failed (or skipped) notification back in the queue, due now."""
    row = await session.get(NotificationOutbox, notification_id, with_for_update=True)
    if row is None:
        raise NotFound("That notification does not exist.")
    if row.status not in ("failed", "skipped"):
        raise Conflict(f"Only failed or skipped notifications can be retried (this one is {row.status}).")
    if row.kind == "dm" and not row.target:
        raise Conflict("This DM has no Discord recipient; link the player's Discord account first.")
    if SHOWN_AS in (row.payload or {}):
        raise Conflict("This DM held a secret that is no longer stored: issue a new link or code instead.")
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = datetime.now(UTC)
    await session.flush()
    wake_after_commit(session)
    return row


def notification_dict(row: NotificationOutbox) -> dict[str, Any]:
    """JSON-able view for the admin page and API."""
    payload = row.payload or {}
    embeds = payload.get("embeds") or []
    summary = (
        payload.get(SHOWN_AS)
        or payload.get("content")
        or (embeds[0].get("title") or embeds[0].get("description") if embeds else "")
    )
    return {
        "id": row.id,
        "kind": row.kind,
        "target": row.target,
        "player_id": row.player_id,
        "feature": row.feature,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "discord_message_id": row.discord_message_id,
        "dedupe_key": row.dedupe_key,
        "created_at": row.created_at,
        "sent_at": row.sent_at,
        "summary": (summary or "")[:200],
    }


# --- member data -----------------------------------------------------------------------------


async def list_notifications_for_player(session: AsyncSession, player_id: int) -> list[NotificationOutbox]:
    query = select(NotificationOutbox).where(NotificationOutbox.player_id == player_id)
    return list((await session.scalars(query.order_by(NotificationOutbox.id))).all())


async def delete_notifications_for_player(session: AsyncSession, player_id: int) -> int:
    """Delete the DMs stored for a player (their content is personal data)."""
    result = await session.execute(
        delete(NotificationOutbox).where(NotificationOutbox.player_id == player_id)
    )
    return result.rowcount or 0
