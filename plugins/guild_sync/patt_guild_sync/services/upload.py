"""Processing an addon upload: validate every entry, then apply notes and last-seen in one go.

Realm-aware: an entry is matched on (realm, name) case-insensitively among the guild's
current characters; the realm is the addon's display name ("Sen'jin"), resolved through
the realm names Blizzard reported, else slugged. Idempotent: the same upload twice leaves
the same state (a relative "last online" only moves last-seen when it says more than its
own precision). Unknown characters are reported as ``not_found`` and never created: the
Blizzard sync owns membership.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.models import SOURCE_ADDON, SUCCESS, SyncLog
from patt_guild_sync.schemas import UploadCharacter, UploadEnvelope, parse_timestamp
from sv_common.db import utcnow
from sv_common.errors import ValidationFailed
from sv_common.identity.models import WowCharacter
from sv_common.identity.normalise import realm_key
from sv_common.identity.normalise import realm_slug as slugify

NOTE_FIELDS = ("guild_note", "officer_note")
_RELATIVE = re.compile(r"(\d+)\s*([ymdh])", re.IGNORECASE)
_UNITS = {"y": timedelta(days=365), "m": timedelta(days=30), "d": timedelta(days=1), "h": timedelta(hours=1)}
ONLINE_PRECISION = timedelta(minutes=15)
# Last-seen times outside [WoW's release, export + skew] are noise (and would overflow later).
WOW_RELEASE = datetime(2004, 11, 23, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)
MAX_REPORTED_ERRORS = 200
UPLOAD_LOCK_KEY = int.from_bytes(hashlib.sha256(b"guild_sync.addon_upload").digest()[:8], "big", signed=True)


@dataclass
class UploadReport:
    received: int
    results: list[dict[str, Any]]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    log_id: int | None = None
    stale_fields: tuple[str, ...] = ()  # a newer export applied already carried these: kept

    @property
    def stale(self) -> bool:
        return bool(self.stale_fields)

    def count(self, result: str) -> int:
        return sum(1 for r in self.results if r["result"] == result)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "processed",
            "stale": self.stale,
            "stale_fields": list(self.stale_fields),
            "characters_received": self.received,
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "not_found": self.count("not_found"),
            "results": self.results,
            "sync_log_id": self.log_id,
            "timestamp": utcnow().isoformat(),
        }


def _error_list(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(p) for p in e.get("loc", ())),
            "message": e.get("msg", "").removeprefix("Value error, "),
        }
        for e in exc.errors()
    ]


def validate_upload(body: Any, *, max_characters: int) -> tuple[UploadEnvelope, list[UploadCharacter]]:
    """Parse the body; a ValidationFailed (422) names every bad entry by index and name."""
    if not isinstance(body, dict):
        raise ValidationFailed("The upload must be a JSON object with a characters list.")
    try:
        envelope = UploadEnvelope.model_validate(body)
    except ValidationError as exc:
        errors = _error_list(exc)
        summary = "; ".join(f"{e['field']} {e['message']}" for e in errors[:3])
        raise ValidationFailed(f"The upload is not valid: {summary}.", details={"body": errors}) from None
    if len(envelope.characters) > max_characters:
        raise ValidationFailed(f"At most {max_characters} characters per upload.")
    entries: list[UploadCharacter] = []
    bad: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(envelope.characters):
        label = raw.get("name") if isinstance(raw, dict) and isinstance(raw.get("name"), str) else None
        try:
            entry = UploadCharacter.model_validate(raw)
        except ValidationError as exc:
            bad.append({"index": index, "name": label, "errors": _error_list(exc)})
            continue
        # realm_key, as apply_upload matches: "Area52" and "Area 52" are one realm.
        identity = (entry.name.strip().lower(), realm_key(entry.realm or ""))
        if identity in seen:
            bad.append(
                {
                    "index": index,
                    "name": label,
                    "errors": [{"field": "name", "message": f"duplicate of entry {seen[identity]}"}],
                }
            )
            continue
        seen[identity] = index
        entries.append(entry)
    if bad:
        raise ValidationFailed(
            f"{len(bad)} of {len(envelope.characters)} entries are not valid; nothing was saved.",
            details={"entries": bad[:MAX_REPORTED_ERRORS], "bad_entries": len(bad)},
        )
    return envelope, entries


def _parse_time(value: Any) -> datetime | None:
    """A last-online time, or None when it is not one (it is optional: never a 422)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def export_time_of(envelope: UploadEnvelope, received_at: datetime) -> datetime | None:
    """The addon's export time when it sent a sane one (not ahead, not over a year old)."""
    stamp = envelope.export_time
    if (
        stamp is None
        or stamp > received_at + timedelta(minutes=5)
        or stamp < received_at - timedelta(days=366)
    ):
        return None
    return stamp


def export_anchor(envelope: UploadEnvelope, received_at: datetime) -> datetime:
    """When the export was taken: the addon's export time when sane, else the upload's arrival."""
    return export_time_of(envelope, received_at) or received_at


def carried_fields(entries: list[UploadCharacter]) -> list[str]:
    """The note fields this export carries: some entry has a non-empty value. An uploader
    who cannot read officer notes sends none (absent or empty), and that must not make an
    older export's officer notes look outdated."""
    return [column for column in NOTE_FIELDS if any(getattr(e, column) for e in entries)]


async def _newest_export_times(session: AsyncSession) -> dict[str, datetime]:
    """Per note field, the latest export time of an applied upload that carried it (uploads
    without an export time are not compared; rows from before ``note_fields`` carried both)."""
    declared = SyncLog.details["export_time"].astext
    fields = SyncLog.details["note_fields"]
    row = (
        await session.execute(
            select(
                *(
                    func.max(declared).filter(fields.is_(None) | fields.has_key(column))
                    for column in NOTE_FIELDS
                )
            ).where(SyncLog.source == SOURCE_ADDON, declared.is_not(None))
        )
    ).one()
    return {column: datetime.fromisoformat(v) for column, v in zip(NOTE_FIELDS, row, strict=True) if v}


def last_seen(entry: UploadCharacter, anchor: datetime) -> tuple[datetime, timedelta] | None:
    """``(when, precision)`` the character was last online, from ``isOnline``/``lastOnline``.

    None when unknown or not believable (before WoW existed, or after the export).
    """
    value = entry.last_online
    if entry.is_online or (isinstance(value, str) and value.strip().lower() == "online"):
        return anchor, ONLINE_PRECISION
    seen = None
    try:
        if isinstance(value, str):
            parts = _RELATIVE.findall(value)
            if parts and _RELATIVE.sub("", value).strip() == "":
                delta = sum((int(n) * _UNITS[u.lower()] for n, u in parts), timedelta())
                seen = anchor - delta, min(_UNITS[u.lower()] for _n, u in parts)
        if seen is None:
            stamp = _parse_time(value)
            seen = (stamp, timedelta(minutes=1)) if stamp is not None else None
    except (OverflowError, ValueError):  # "99999y", thousands of digits: past datetime's range
        return None
    if seen is None or not WOW_RELEASE <= seen[0] <= anchor + CLOCK_SKEW:
        return None
    return min(seen[0], anchor), seen[1]


async def _realm_names(session: AsyncSession) -> dict[str, str]:
    """Lowercased realm display names Blizzard reported -> their slugs."""
    rows = await session.execute(
        select(func.lower(WowCharacter.realm_name), WowCharacter.realm_slug)
        .where(WowCharacter.realm_name.is_not(None))
        .distinct()
    )
    return dict(rows.all())


async def apply_upload(
    session: AsyncSession,
    envelope: UploadEnvelope,
    entries: list[UploadCharacter],
    *,
    key_id: int | None,
    default_realm: str | None,
    key_owner: int | None = None,
) -> UploadReport:
    """Apply validated entries (flushes; the caller's transaction commits or rolls back all of it)."""
    started = time.monotonic()
    # One upload at a time (released at commit): two copies of one export racing each other
    # must not both read the old notes, report "updated" and emit note_changed twice.
    await session.execute(select(func.pg_advisory_xact_lock(UPLOAD_LOCK_KEY)))
    received_at = utcnow()
    export_time = export_time_of(envelope, received_at)
    anchor = export_time or received_at
    # An export older than one already applied (another officer's stale file) must not put
    # old notes back, field by field: only those the newer export carried are kept. Its
    # last-seen times still merge (they only ever move forward).
    carried = carried_fields(entries)
    newest = await _newest_export_times(session) if export_time is not None else {}
    stale = tuple(c for c in NOTE_FIELDS if c in newest and export_time < newest[c])
    realms = await _realm_names(session)
    active = (await session.scalars(select(WowCharacter).where(WowCharacter.removed_at.is_(None)))).all()
    # Keyed on realm_key: the game spells "Area 52" as "Area52" in "Name-Realm".
    by_identity = {(c.character_name.lower(), realm_key(c.realm_slug)): c for c in active}
    report = UploadReport(received=len(entries), results=[], stale_fields=stale)
    for index, entry in enumerate(entries):
        realm = (entry.realm or "").strip()
        slug = realms.get(realm.lower()) or slugify(realm) or (default_realm or "")
        character = by_identity.get((entry.name.strip().lower(), realm_key(slug)))
        result: dict[str, Any] = {"index": index, "name": entry.name, "realm": slug}
        if character is None:
            result["result"] = "not_found"
            report.results.append(result)
            continue
        changed = []
        for column in NOTE_FIELDS:
            new = getattr(entry, column)
            if new is None or column in stale or column not in carried:
                # Not sent, older than what we have, or a field this export does not carry
                # (all empty: its uploader could not read it): keep what we have.
                continue
            old = getattr(character, column)
            if (old or "") != new:
                setattr(character, column, new)
                changed.append(column)
                report.events.append(
                    (
                        "character.note_changed",
                        {
                            "character_id": character.id,
                            "character_name": character.character_name,
                            "realm_slug": character.realm_slug,
                            "field": column,
                            "old": old,
                            "new": new,
                            "source": "addon",
                        },
                    )
                )
        seen = last_seen(entry, anchor)
        if seen is not None:
            when, precision = seen
            previous = character.addon_last_seen
            if previous is None or when - precision > previous:  # no overflow: when >= 2004
                character.addon_last_seen = when
                changed.append("last_seen")
        character.addon_last_sync = received_at
        result.update(
            result="updated" if changed else "unchanged", character_id=character.id, changed=changed
        )
        report.results.append(result)
    log_row = SyncLog(
        source=SOURCE_ADDON,
        status=SUCCESS,
        trigger="upload",
        triggered_by=f"key:{key_id} {envelope.uploaded_by}"[:100],
        triggered_by_player_id=key_owner,
        characters_found=len(entries) - report.count("not_found"),
        characters_updated=report.count("updated"),
        characters_new=0,
        characters_removed=0,
        started_at=received_at,
        completed_at=utcnow(),
        duration_seconds=time.monotonic() - started,
        details={
            "addon_version": envelope.addon_version,
            "not_found": report.count("not_found"),
            # ISO in UTC (one offset): max() over the text orders them by time.
            "export_time": export_time.astimezone(UTC).isoformat() if export_time else None,
            "stale": report.stale,
            "stale_fields": list(stale),
            "note_fields": carried,  # what a later, older export is compared against
        },
    )
    session.add(log_row)
    await session.flush()
    report.log_id = log_row.id
    return report
