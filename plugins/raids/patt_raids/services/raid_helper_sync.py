"""Mirroring our raid events into Raid-Helper (optional; off unless configured).

Our event is committed first and never depends on Raid-Helper: the sync runs afterwards as
a job (``raids.raid_helper_sync``), started when an event is created or a signup changes,
and again by its cron pass, which retries whatever an outage left undone. What was sent is
kept on the event (``raid_helper_event_id``, ``raid_helper_payload``):

``{"event": <create body>, "signups": {"<player id>": <signup body>}, "last_error": str|None,
"synced_at": iso}``

so a retry creates the Raid-Helper event only once and posts only the signups that are new
or changed since; the last error is shown to officers on the event. An officer's edit of the
event (a create body that differs from the one sent) is sent as the changed fields, once; a
cancelled event is deleted there (``"deleted": true`` once done, or once Raid-Helper says it
no longer has it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from patt_raids.models import RaidAttendance, RaidEvent
from patt_raids.services import events as event_service
from patt_raids.services.raid_helper import (
    Connection,
    RaidHelperClient,
    RaidHelperError,
    event_body,
    signup_body,
)
from patt_raids.services.raiders import raiders
from sv_common.discord.config import load_discord_config
from sv_common.errors import DomainError, NotConfigured, ServiceUnavailable
from sv_common.identity.models import DiscordUser, Player

UPCOMING_LIMIT = 50
DELETE_GRACE = timedelta(days=7)
log = logging.getLogger("patt.raids")


@dataclass(frozen=True)
class RaidHelperConfig:
    connection: Connection
    leader_id: str
    template_id: str
    timezone: str  # the Raid-Helper server's zone: date and time are sent in it
    channel_id: str | None  # where Raid-Helper posts when the event names no channel


@dataclass
class SyncReport:
    created: int = 0
    edited: int = 0
    deleted: int = 0
    signups: int = 0
    no_discord: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "edited": self.edited,
            "deleted": self.deleted,
            "signups": self.signups,
            "no_discord": self.no_discord,
            "skipped": self.skipped,
            "errors": len(self.errors),
        }


async def wanted_signups(session: Any, event_id: int) -> tuple[dict[str, dict[str, Any]], int]:
    """Player id -> the signup Raid-Helper should have; and how many have no Discord account."""
    rows = (
        await session.execute(
            select(RaidAttendance.player_id, RaidAttendance.status, DiscordUser.discord_id)
            .join(Player, Player.id == RaidAttendance.player_id)
            .outerjoin(DiscordUser, DiscordUser.id == Player.discord_user_id)
            .where(RaidAttendance.event_id == event_id)
        )
    ).all()
    info = {r.player_id: r for r in await raiders(session, [row.player_id for row in rows])} if rows else {}
    wanted, no_discord = {}, 0
    for player_id, status, discord_id in rows:
        if not discord_id:
            no_discord += 1  # Raid-Helper knows members by their Discord id only
            continue
        raider = info.get(player_id)
        wanted[str(player_id)] = signup_body(
            discord_id=discord_id,
            status=status,
            role=raider.role if raider else None,
            class_name=raider.class_name if raider else None,
            spec=raider.spec_name if raider else None,
        )
    return wanted, no_discord


async def _channel(session: Any, event: RaidEvent, config: RaidHelperConfig) -> str | None:
    if event.discord_channel_id:
        return event.discord_channel_id
    if config.channel_id:
        return config.channel_id
    return (await load_discord_config(session)).default_announcement_channel_id


async def _store(db: Any, event_id: int, rh_id: str | None, payload: dict[str, Any]) -> None:
    async with db.session() as session:
        await event_service.set_raid_helper_event(session, event_id, rh_id, payload)


async def sync_event(
    db: Any, event_id: int, config: RaidHelperConfig, client: RaidHelperClient, report: SyncReport
) -> None:
    """Create ``event_id`` in Raid-Helper if it is not there yet, then post the signups it lacks.

    Each network call happens outside a database transaction; its result is stored right
    after, so a failure halfway keeps what was done (and says why the rest was not)."""
    now = datetime.now(UTC)
    async with db.session() as session:
        event = await event_service.get_event(session, event_id)
        rh_id = event.raid_helper_event_id
        payload = own_payload(event.raid_helper_payload)
        if event.cancelled_at is not None and rh_id is not None and not payload.get("deleted"):
            await _delete(db, event_id, rh_id, payload, client, report)
            return
        if event.cancelled_at is not None or event.end_time_utc <= now:
            report.skipped += 1
            return
        wanted, no_discord = await wanted_signups(session, event_id)
        channel = await _channel(session, event, config)
        body = event_body(
            leader_id=config.leader_id,
            template_id=config.template_id,
            title=event.title,
            description=event.description,
            duration_minutes=event_service.duration_minutes(event),
            start_utc=event.start_time_utc,
            timezone=config.timezone,
        )
    report.no_discord += no_discord
    sent: dict[str, Any] = dict(payload.get("signups") or {})
    error = None
    try:
        if rh_id is None:
            if not channel:
                raise RaidHelperError("No channel for the Raid-Helper event: give the event a channel.")
            rh_id = await client.create_event(channel, body)
            payload.update(event=body, signups={}, channel_id=channel)
            sent = {}
            await _store(db, event_id, rh_id, payload)  # never create it twice
            report.created += 1
        elif payload.get("event") != body:
            # An officer's edit; or an adopted event (the original's record is not ours):
            # the whole body once, so Raid-Helper's copy matches from then on.
            await client.edit_event(rh_id, edited_fields(payload.get("event") or {}, body))
            payload["event"] = body
            report.edited += 1
        for player_id, signup in wanted.items():
            if sent.get(player_id) != signup:
                await client.add_signup(rh_id, signup)  # one request per player, as documented
                sent[player_id] = signup
                report.signups += 1
    except RaidHelperError as exc:
        error = exc.message
        report.errors.append(f"event {event_id}: {exc.message}")
    payload.update(signups=sent, last_error=error, synced_at=datetime.now(UTC).isoformat())
    await _store(db, event_id, rh_id, payload)


def own_payload(stored: Any) -> dict[str, Any]:
    """``raid_helper_payload`` as this connector writes it. What another writer left there (the
    original system's create body, with its list of signups) counts as nothing sent: the
    event's fields are sent again and every signup posted."""
    payload = dict(stored) if isinstance(stored, dict) else {}
    if not isinstance(payload.get("event"), dict):
        payload.pop("event", None)
    if not isinstance(payload.get("signups"), dict):
        payload["signups"] = {}
    return payload


def edited_fields(sent: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``body`` that differ from the create body ``sent`` (a description taken
    away is sent empty, which clears it)."""
    changes = {k: v for k, v in body.items() if sent.get(k) != v}
    if "description" in sent and "description" not in body:
        changes["description"] = ""
    return changes


async def _delete(
    db: Any, event_id: int, rh_id: str, payload: dict[str, Any], client: RaidHelperClient, report: SyncReport
) -> None:
    """Delete a cancelled event's Raid-Helper copy (retried by the next pass when it fails)."""
    error = None
    try:
        await client.delete_event(rh_id)  # False: gone there already, which is what we want
        payload["deleted"] = True
        report.deleted += 1
    except RaidHelperError as exc:
        error = exc.message
        report.errors.append(f"event {event_id}: {exc.message}")
    payload.update(last_error=error, synced_at=datetime.now(UTC).isoformat())
    await _store(db, event_id, rh_id, payload)


async def sync_upcoming(
    db: Any, config: RaidHelperConfig, client: RaidHelperClient, *, event_id: int | None = None
) -> SyncReport:
    """Sync one event, or every upcoming one (the cron pass: only differences cost requests)."""
    report = SyncReport()
    now = datetime.now(UTC)
    if event_id is not None:
        ids = [event_id]
    else:
        async with db.session() as session:
            ids = list(
                await session.scalars(
                    select(RaidEvent.id)
                    .where(
                        or_(
                            RaidEvent.cancelled_at.is_(None) & (RaidEvent.end_time_utc > now),
                            # cancelled, but its Raid-Helper copy is not deleted yet (also for a
                            # while after its end: an outage may have outlasted the event)
                            RaidEvent.cancelled_at.is_not(None)
                            & (RaidEvent.end_time_utc > now - DELETE_GRACE)
                            & RaidEvent.raid_helper_event_id.is_not(None)
                            & or_(
                                RaidEvent.raid_helper_payload.is_(None),
                                ~RaidEvent.raid_helper_payload.has_key("deleted"),
                            ),
                        ),
                    )
                    .order_by(RaidEvent.start_time_utc)
                    .limit(UPCOMING_LIMIT)
                )
            )
    for one in ids:
        try:
            await sync_event(db, one, config, client, report)
        except Exception as exc:  # noqa: BLE001 - one odd event must not stop the others' sync
            log.exception("Raid-Helper sync of event %s failed", one)
            report.errors.append(f"event {one}: {type(exc).__name__}")
    return report


async def forget_player(session: Any, player_id: int) -> int:
    """Member data: drop the player's entry (their Discord id) from what was sent to Raid-Helper.

    Raid-Helper keeps its own copy; removing it there is the guild's to do in Raid-Helper."""
    key = str(player_id)
    events = (
        await session.scalars(select(RaidEvent).where(RaidEvent.raid_helper_payload["signups"].has_key(key)))
    ).all()
    for event in events:
        payload = dict(event.raid_helper_payload)
        payload["signups"] = {k: v for k, v in (payload.get("signups") or {}).items() if k != key}
        event.raid_helper_payload = payload
    await session.flush()
    return len(events)


async def export_player(session: Any, player_id: int) -> list[dict[str, Any]]:
    """Member data export: the signups sent to Raid-Helper for the player, by event."""
    key = str(player_id)
    rows = await session.execute(
        select(RaidEvent.id, RaidEvent.raid_helper_event_id, RaidEvent.raid_helper_payload)
        .where(RaidEvent.raid_helper_payload["signups"].has_key(key))
        .order_by(RaidEvent.start_time_utc)
    )
    return [
        {"event_id": event_id, "raid_helper_event_id": rh_id, "sent": payload["signups"][key]}
        for event_id, rh_id, payload in rows
    ]


def status_of(event: RaidEvent) -> dict[str, Any] | None:
    """For officers: what the connector did for ``event`` (None when it never ran for it)."""
    if not event.raid_helper_payload and not event.raid_helper_event_id:
        return None
    payload = own_payload(event.raid_helper_payload)
    return {
        "event_id": event.raid_helper_event_id,
        "signups": len(payload.get("signups") or {}),
        "deleted": bool(payload.get("deleted")),
        "error": payload.get("last_error"),
        "synced_at": payload.get("synced_at"),
    }


# --- the officers' connection test -----------------------------------------------------------

# The settings the connector needs before it does anything (env names, for the officers' page).
REQUIRED_SETTINGS = {
    "raid_helper_api_key": "PATT_RAIDS_RAID_HELPER_API_KEY",
    "raid_helper_server_id": "PATT_RAIDS_RAID_HELPER_SERVER_ID",
    "raid_helper_leader_id": "PATT_RAIDS_RAID_HELPER_LEADER_ID",
}
# What to check when Raid-Helper refuses the test, by its answer's status.
HINTS = {
    401: " Check the API key (/apikey in Discord).",
    403: " Check the server id: the key belongs to another server.",
    404: " Check the base URL and the server id.",
}


class RaidHelperRefused(DomainError):
    """Raid-Helper answered, but refused the call (key, server id or base URL are wrong)."""

    status = 502
    code = "raid_helper_refused"


def connector_summary(settings: Any, guild_timezone: str, *, demo: bool = False) -> dict[str, Any]:
    """What officers see of the connector's settings (never the key): on or off, what is missing,
    what is set but unusable (``invalid``: env name -> what is wrong); ``demo``: the settings
    point at ``patt demo``'s in-process fake Raid-Helper, not a real one."""
    missing = [env for name, env in REQUIRED_SETTINGS.items() if not getattr(settings, name)]
    invalid = settings.raid_helper_problems()
    return {
        "configured": not missing and not invalid,
        "demo": demo,
        "missing": missing,
        "invalid": invalid,
        "server_id": settings.raid_helper_server_id,
        "base_url": settings.raid_helper_base_url,
        "template_id": settings.raid_helper_template_id,
        "timezone": settings.raid_helper_timezone or guild_timezone,
        "schedule": settings.raid_helper_schedule,
    }


def not_configured(settings: Any) -> NotConfigured:
    """The 409 ``raid_helper_not_configured`` naming each setting still to set and each one set
    but unusable, with what is wrong (``details``: ``{"setting", "problem"}``; no value shown)."""
    missing = [env for name, env in REQUIRED_SETTINGS.items() if not getattr(settings, name)]
    invalid = settings.raid_helper_problems()
    parts = [f"{env} {why}" for env, why in invalid.items()]
    if missing:
        parts.append("set " + ", ".join(missing))
    details = [{"setting": env, "problem": why} for env, why in invalid.items()]
    details += [{"setting": env, "problem": "is not set"} for env in missing]
    return NotConfigured(
        "Raid-Helper is not configured: "
        + "; ".join(parts)
        + " (in the site's environment, then restart it).",
        code="raid_helper_not_configured",
        details=details,
    )


async def check_connection(config: RaidHelperConfig | None, settings: Any) -> dict[str, Any]:
    """Ask Raid-Helper for the server's events with the configured key (nothing is changed there).

    Not configured (``config`` None: a setting missing or unusable, see ``settings``): 409
    ``raid_helper_not_configured`` naming them. Unreachable, 429 or 5xx: 503
    ``raid_helper_unavailable`` (worth trying again). Refused (a wrong key or server id, a base
    URL that is not Raid-Helper's API, a request that cannot be made): 502 ``raid_helper_refused``.
    Each with Raid-Helper's reason.
    """
    if config is None:
        raise not_configured(settings)
    try:
        async with RaidHelperClient(config.connection) as client:
            count = await client.test_connection()
    except RaidHelperError as exc:
        if exc.retryable:
            raise ServiceUnavailable(
                f"{exc.message.rstrip('.')}. Try again in a moment.", code="raid_helper_unavailable"
            ) from exc
        reason = exc.message if exc.message.endswith((".", "?", "!")) else f"{exc.message}."
        raise RaidHelperRefused(reason + HINTS.get(exc.status, "")) from exc
    return {
        "connected": True,
        "server_id": config.connection.server_id,
        "event_count": count,
        "base_url": config.connection.base_url,
    }
