"""The bot's post of a raid event: an embed of who signed up, by role and status, with buttons.

The post and its later edits go through the notification outbox (``sv_common.notify``), so
they are sent by whichever process delivers notifications, retried when Discord fails, and
listed for officers when they cannot be sent. One post per event (dedupe key
``raids:post:<event id>``); every change to the event's signups edits that post, and
edits waiting to be sent collapse into one, so a burst of clicks costs one edit.

The buttons' ``custom_id`` is ``raids:signup:<event id>:<status>``: the cog handles every
id of that shape (a dynamic item registered when the bot starts), so the buttons of posts
made before a restart keep working.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_raids.models import ABSENT, ACCEPTED, BENCH, TENTATIVE, RaidAttendance, RaidEvent
from patt_raids.services import events as event_service
from patt_raids.services.raiders import ROLES, raiders
from sv_common import notify
from sv_common.identity.models import Player
from sv_common.notify.models import NotificationOutbox

FEATURE = "raids"
BUTTON_ID = re.compile(r"raids:signup:(?P<event_id>[0-9]{1,10}):(?P<status>accepted|tentative|bench|absent)")
BUTTONS = (
    (ACCEPTED, "Accept", "success", "✅"),
    (TENTATIVE, "Tentative", "secondary", "❔"),
    (BENCH, "Bench", "secondary", "🪑"),
    (ABSENT, "Absent", "danger", "❌"),
)
ROLE_TITLES = {"tank": "🛡️ Tanks", "healer": "💚 Healers", "melee": "⚔️ Melee", "ranged": "🏹 Ranged"}
STATUS_TITLES = {TENTATIVE: "❔ Tentative", BENCH: "🪑 Bench", ABSENT: "❌ Absent"}
FIELD_LIMIT = 1024
DESCRIPTION_LIMIT = 1500
COLOUR, CANCELLED_COLOUR = 0xD4A017, 0x777777


CANCELLED_TEXT = "❌ This raid was cancelled."


def post_key(event_id: int) -> str:
    return f"raids:post:{event_id}"


def button_id(event_id: int, status: str) -> str:
    return f"raids:signup:{event_id}:{status}"


def event_url(base_url: str, event_id: int) -> str:
    return f"{base_url.rstrip('/')}/raids/events/{event_id}"


def _plain(name: str) -> str:
    """A member's name shown in an embed: no markdown, no mentions."""
    return re.sub(r"([\\*_~`|>])", r"\\\1", name).replace("@", "@\u200b")


def _names(names: list[str]) -> str:
    """Comma-separated names within a field's limit ("… and 3 more" when cut)."""
    shown: list[str] = []
    for index, name in enumerate(names):
        candidate = ", ".join([*shown, name])
        rest = len(names) - index - 1
        if len(candidate) + len(f" … and {rest + 1} more") > FIELD_LIMIT:
            return ", ".join(shown) + f" … and {len(names) - len(shown)} more"
        shown.append(name)
    return ", ".join(shown) or "—"


async def signups_by_slot(session: AsyncSession, event_id: int) -> dict[str, list[str]]:
    """Names per slot: the four roles for accepted players (``other`` without a known role),
    and ``tentative``, ``bench``, ``absent``."""
    rows = (
        await session.execute(
            select(RaidAttendance.player_id, RaidAttendance.status, Player.display_name)
            .join(Player, Player.id == RaidAttendance.player_id)
            .where(RaidAttendance.event_id == event_id)
            .order_by(Player.display_name, Player.id)
        )
    ).all()
    roles = (
        {r.player_id: r.role for r in await raiders(session, [row.player_id for row in rows])} if rows else {}
    )
    slots: dict[str, list[str]] = {key: [] for key in (*ROLES, "other", TENTATIVE, BENCH, ABSENT)}
    for player_id, status, name in rows:
        if status == ACCEPTED:
            slots[roles.get(player_id) or "other"].append(_plain(name))
        elif status in slots:
            slots[status].append(_plain(name))
    return slots


async def render(
    session: AsyncSession, event: RaidEvent, *, base_url: str, targets: dict[str, int] | None = None
) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """The embed and the buttons of ``event``'s post (no buttons once it is cancelled or over)."""
    slots = await signups_by_slot(session, event.id)
    targets = targets or {}
    start = int(event.start_time_utc.timestamp())
    minutes = event_service.duration_minutes(event)
    # Discord shows <t:...> in each reader's own time zone.
    lines = [f"<t:{start}:F> · <t:{start}:R> · {minutes} min"]
    if event.description:
        lines.append(event.description[:DESCRIPTION_LIMIT])
    accepted = sum(len(slots[r]) for r in (*ROLES, "other"))
    fields = []
    for role in ROLES:
        target = targets.get(role)
        count = f"{len(slots[role])}/{target}" if target else str(len(slots[role]))
        fields.append({"name": f"{ROLE_TITLES[role]} {count}", "value": _names(slots[role]), "inline": True})
    if slots["other"]:
        fields.append(
            {"name": f"Role unknown {len(slots['other'])}", "value": _names(slots["other"]), "inline": True}
        )
    for status, title in STATUS_TITLES.items():
        fields.append(
            {"name": f"{title} {len(slots[status])}", "value": _names(slots[status]), "inline": False}
        )
    url = event_url(base_url, event.id)
    closed = event.cancelled_at is not None or event.end_time_utc <= datetime.now(UTC)
    title = event.title if event.cancelled_at is None else f"{event.title} (cancelled)"
    embed = {
        "title": title[:256],
        "description": "\n".join(lines),
        "url": url,
        "colour": CANCELLED_COLOUR if event.cancelled_at is not None else COLOUR,
        "fields": fields,
        "footer": f"{accepted} accepted · sign up with the buttons or on the site",
        "timestamp": event.start_time_utc,
    }
    link = {"label": "Open on the site", "url": url}
    if closed:
        return embed, [[link]]
    row = [
        {"label": label, "custom_id": button_id(event.id, status), "style": style, "emoji": emoji}
        for status, label, style, emoji in BUTTONS
    ]
    return embed, [row, [link]]


async def find_post(session: AsyncSession, event_id: int) -> NotificationOutbox | None:
    return await session.scalar(
        select(NotificationOutbox).where(NotificationOutbox.dedupe_key == post_key(event_id))
    )


async def post_event(
    session: AsyncSession,
    event_id: int,
    *,
    channel_id: str | None,
    base_url: str,
    targets: dict[str, int] | None = None,
    announcement: str | None = None,
) -> NotificationOutbox | None:
    """Queue the event's post (once: a second call returns the first post). None without a channel."""
    existing = await find_post(session, event_id)
    if existing is not None:
        return existing
    event = await event_service.get_event(session, event_id)
    channel = event.discord_channel_id or channel_id
    if not channel:
        return None
    embed, buttons = await render(session, event, base_url=base_url, targets=targets)
    return await notify.post_channel(
        session,
        channel_id=channel,
        content=announcement,
        embed=embed,
        buttons=buttons,
        feature=FEATURE,
        dedupe_key=post_key(event_id),
    )


async def refresh_post(
    session: AsyncSession, event_id: int, *, base_url: str, targets: dict[str, int] | None = None
) -> NotificationOutbox | None:
    """Bring the event's post up to date (an edit through the outbox); None when it has no post."""
    post = await find_post(session, event_id)
    if post is None:
        return None
    event = await event_service.get_event(session, event_id)
    await record_message_id(session, event, post)
    embed, buttons = await render(session, event, base_url=base_url, targets=targets)
    # A cancelled event's post no longer invites signups (its first words did).
    content = CANCELLED_TEXT if event.cancelled_at is not None else (post.payload or {}).get("content")
    return await notify.edit_message(
        session,
        notification_id=post.id,
        content=content,
        embed=embed,
        buttons=buttons,
        feature=FEATURE,
    )


async def record_message_id(session: AsyncSession, event: RaidEvent, post: NotificationOutbox) -> None:
    """Copy the Discord message id of a delivered post onto the event (the site links to it)."""
    if (
        post.status == "sent"
        and post.discord_message_id
        and event.discord_message_id != post.discord_message_id
    ):
        await event_service.set_discord_post(session, event.id, post.target, post.discord_message_id)


async def record_delivered_posts(session: AsyncSession) -> int:
    """Every upcoming event whose post was delivered since: its message id recorded. Returns how many."""
    rows = (
        await session.execute(
            select(RaidEvent, NotificationOutbox)
            .join(
                NotificationOutbox, NotificationOutbox.dedupe_key == func.concat("raids:post:", RaidEvent.id)
            )
            .where(
                NotificationOutbox.status == "sent",
                RaidEvent.discord_message_id.is_(None),
                RaidEvent.end_time_utc > datetime.now(UTC),
            )
        )
    ).all()
    for event, post in rows:
        await record_message_id(session, event, post)
    return len(rows)


CATCH_UP_LIMIT = 20


async def post_missing(
    session: AsyncSession, *, channel_id: str | None, base_url: str, targets: dict[str, int] | None = None
) -> int:
    """Post the upcoming events that have no post yet (made while no bot could hear of them,
    e.g. by ``patt demo`` or an adopted database, or whose post was never queued). Returns how many."""
    missing = await session.scalars(
        select(RaidEvent.id)
        .outerjoin(
            NotificationOutbox, NotificationOutbox.dedupe_key == func.concat("raids:post:", RaidEvent.id)
        )
        .where(
            RaidEvent.start_time_utc > datetime.now(UTC),
            RaidEvent.cancelled_at.is_(None),
            NotificationOutbox.id.is_(None),
        )
        .order_by(RaidEvent.start_time_utc)
        .limit(CATCH_UP_LIMIT)
    )
    posted = 0
    for event_id in list(missing):
        if await post_event(session, event_id, channel_id=channel_id, base_url=base_url, targets=targets):
            posted += 1
    return posted


async def post_status(session: AsyncSession, event_id: int) -> dict[str, Any]:
    """For officers: where the event's post stands (``none``, ``pending``, ``sent``, ``failed``) and
    why it failed, including a waiting or failed edit of it."""
    post = await find_post(session, event_id)
    if post is None:
        return {"status": "none", "error": None, "channel_id": None}
    edit = await session.scalar(
        select(NotificationOutbox)
        .where(
            NotificationOutbox.kind == "edit", NotificationOutbox.payload["edit_of"].as_integer() == post.id
        )
        .order_by(NotificationOutbox.id.desc())
        .limit(1)
    )
    status, error = post.status, post.last_error
    if status == "sent" and edit is not None and edit.status != "sent":
        status, error = f"edit {edit.status}", edit.last_error
    return {"status": status, "error": error, "channel_id": post.target}
