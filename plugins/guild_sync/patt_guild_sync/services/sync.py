"""The roster sync: Blizzard roster + profiles -> ``guild_identity.wow_characters``.

Safety rules (the original's flaws, reference §23.2, not repeated):

- removal only after a successful, non-empty roster fetch; a failed or empty fetch changes
  nobody;
- a 404 profile keeps the character (status ``unavailable``); only absence from the roster
  removes;
- the removal guard: more than ``removal_guard_share`` of the active roster gone in one run
  waits for an officer's confirmation (the run ends ``awaiting_confirmation``);
- characters are keyed on the Blizzard id first, then (realm, name) case-insensitively, so
  a rename or realm transfer keeps the row and its links; a returning character gets its
  old row (and links) back.

Profiles are fetched concurrently, paced by the client's shared rate limit, with
``If-Modified-Since`` from the last sync so an unchanged character costs a 304.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.models import (
    AWAITING_CONFIRMATION,
    FAILED,
    PARTIAL,
    RUNNING,
    SOURCE_BLIZZARD,
    SUCCESS,
    CharacterSyncState,
    SyncLog,
)
from sv_common.blizzard import BlizzardClient, BlizzardError, CharacterProfile, FetchResult, Outcome
from sv_common.blizzard.parsing import RosterMember
from sv_common.db import utcnow
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import GuildRank, Specialization, WowCharacter, WowClass
from sv_common.identity.ranks import drain_rank_changes, recompute_for_characters

if TYPE_CHECKING:
    from patt_host import HostAPI


ProgressFn = Callable[[int, int], Any]
_COUNT_KEY = {
    Outcome.UPDATED: "updated",
    Outcome.NOT_MODIFIED: "not_modified",
    Outcome.UNAVAILABLE: "unavailable",
    Outcome.ERROR: "errors",
}
MAX_ERROR_SAMPLES = 20
# What the columns hold: a longer value from a broken response fails its entry, not the run.
_COLUMNS = WowCharacter.__table__.c
NAME_MAX, REALM_MAX = _COLUMNS.character_name.type.length, _COLUMNS.realm_slug.type.length
REALM_NAME_MAX = _COLUMNS.realm_name.type.length


@dataclass
class SyncResult:
    log_id: int
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rank_changes: list[Any] = field(default_factory=list)
    error: str | None = None
    pending_removal: list[int] = field(default_factory=list)


@dataclass
class _Lookups:
    class_by_blizzard: dict[int, int]
    class_by_name: dict[str, int]
    spec_by_blizzard: dict[int, int]
    spec_by_class_name: dict[tuple[int, str], int]
    rank_by_index: dict[int, int]

    @classmethod
    async def load(cls, session: AsyncSession) -> _Lookups:
        classes = (await session.scalars(select(WowClass))).all()
        specs = (await session.scalars(select(Specialization))).all()
        ranks = (await session.scalars(select(GuildRank).where(GuildRank.wow_rank_index.is_not(None)))).all()
        return cls(
            class_by_blizzard={c.blizzard_class_id: c.id for c in classes if c.blizzard_class_id is not None},
            class_by_name={c.name.lower(): c.id for c in classes},
            spec_by_blizzard={s.blizzard_spec_id: s.id for s in specs if s.blizzard_spec_id is not None},
            spec_by_class_name={(s.class_id, s.name.lower()): s.id for s in specs},
            rank_by_index={r.wow_rank_index: r.id for r in ranks},
        )

    def class_id(self, blizzard_id: int | None, name: str | None = None) -> int | None:
        if blizzard_id is not None and blizzard_id in self.class_by_blizzard:
            return self.class_by_blizzard[blizzard_id]
        return self.class_by_name.get((name or "").lower())

    def spec_id(self, class_id: int | None, blizzard_id: int | None, name: str | None) -> int | None:
        if blizzard_id is not None and blizzard_id in self.spec_by_blizzard:
            return self.spec_by_blizzard[blizzard_id]
        return self.spec_by_class_name.get((class_id, (name or "").lower())) if class_id else None


# A running sync writes its elapsed time (duration_seconds) about every second; a row silent
# for longer than this was left by a process that died (OOM, SIGKILL) and is not running.
SILENT_AFTER = timedelta(minutes=5)


def last_sign_of_life():
    """SQL: when a sync_log row last showed its run alive (start + elapsed time written)."""
    return SyncLog.started_at + func.coalesce(SyncLog.duration_seconds, 0.0) * literal_column(
        "interval '1 second'"
    )


def is_alive():
    """SQL condition: the row is a Blizzard sync still running (not one whose process died)."""
    return and_(
        SyncLog.source == SOURCE_BLIZZARD,
        SyncLog.status == RUNNING,
        last_sign_of_life() > utcnow() - SILENT_AFTER,
    )


async def start_log(
    host: HostAPI, *, trigger: str, triggered_by: str | None, triggered_by_player_id: int | None = None
) -> int:
    """The run's sync_log row. Called holding the job's lock, so no other run is alive: rows
    still "running" belong to dead processes and are closed as failed."""
    async with host.db.session() as session:
        await session.execute(
            _fail_running(
                SyncLog.source == SOURCE_BLIZZARD,
                message="Stopped without finishing (its process ended); nobody changed.",
            )
        )
        row = SyncLog(
            source=SOURCE_BLIZZARD,
            status=RUNNING,
            trigger=trigger,
            triggered_by=triggered_by,
            triggered_by_player_id=triggered_by_player_id,
        )
        session.add(row)
        await session.flush()
        return row.id


async def _finish_log(host: HostAPI, log_id: int, **values: Any) -> None:
    async with host.db.session() as session:
        await session.execute(
            update(SyncLog).where(SyncLog.id == log_id).values(completed_at=utcnow(), **values)
        )


def _fail_running(*where: Any, message: str, **values: Any):
    """UPDATE: the still-running rows matching ``where`` end as failed with ``message``."""
    return (
        update(SyncLog)
        .where(SyncLog.status == RUNNING, *where)
        .values(status=FAILED, completed_at=utcnow(), error_message=message[:2000], **values)
    )


async def fail_log(host: HostAPI, log_id: int, message: str, duration_seconds: float) -> None:
    """End a run that broke off (crash, cancellation) unless it already recorded its outcome."""
    async with host.db.session() as session:
        await session.execute(
            _fail_running(SyncLog.id == log_id, message=message, duration_seconds=duration_seconds)
        )


async def _known_state(host: HostAPI) -> dict[int | tuple[str, str], str | None]:
    """Last-Modified per Blizzard id and per (name, realm), for conditional profile requests."""
    async with host.db.session() as session:
        rows = await session.execute(
            select(
                WowCharacter.blizzard_character_id,
                WowCharacter.character_name,
                WowCharacter.realm_slug,
                CharacterSyncState.last_modified,
            ).join(CharacterSyncState, CharacterSyncState.character_id == WowCharacter.id)
        )
        state: dict[int | tuple[str, str], str | None] = {}
        for blizzard_id, name, realm, last_modified in rows.all():
            state[(name.lower(), realm.lower())] = last_modified
            if blizzard_id is not None:
                state[blizzard_id] = last_modified
        return state


async def fetch_profiles(
    client: BlizzardClient,
    members: list[RosterMember],
    known: dict,
    *,
    full: bool,
    progress: ProgressFn | None,
) -> list[FetchResult]:
    """Every member's profile, concurrently (the client paces and bounds concurrency)."""
    done = 0
    total = len(members)

    async def one(member: RosterMember) -> FetchResult:
        nonlocal done
        since = None
        if not full:
            by_name = known.get((member.name.lower(), member.realm_slug))
            by_id = known.get(member.blizzard_id) if member.blizzard_id is not None else by_name
            # Conditional only when the id and the name agree: a renamed character's old
            # Last-Modified must not hide its new name behind a 304.
            since = by_name if by_id == by_name else None
        result = await client.character_profile(member.realm_slug, member.name, if_modified_since=since)
        profile = result.data if result.outcome is Outcome.UPDATED else None
        if (
            isinstance(profile, CharacterProfile)
            and None not in (profile.blizzard_id, member.blizzard_id)
            and profile.blizzard_id != member.blizzard_id
        ):
            # The roster lags behind renames: this name now belongs to another character,
            # whose class, level and item level must not land on the member's row.
            result = FetchResult(
                Outcome.ERROR,
                result.status,
                error=f"the profile under this name is another character ({profile.blizzard_id})",
                attempts=result.attempts,
            )
        done += 1
        if progress is not None:
            progress(done, total)
        return result

    return list(await asyncio.gather(*(one(m) for m in members)))


def _fields(member: RosterMember, result: FetchResult, lookups: _Lookups, now) -> dict[str, Any]:
    """The columns to write for one member: roster fields always, profile fields when fresh."""
    fields: dict[str, Any] = {"blizzard_last_sync": now, "removed_at": None}
    if member.rank is not None:  # an entry without a rank keeps the one we have
        fields["wow_rank_index"] = member.rank
        fields["guild_rank_id"] = lookups.rank_by_index.get(member.rank)
    if member.blizzard_id is not None:
        fields["blizzard_character_id"] = member.blizzard_id
    if member.realm_name and len(member.realm_name) <= REALM_NAME_MAX:
        fields["realm_name"] = member.realm_name
    if member.level is not None:
        fields["level"] = member.level
    class_id = lookups.class_id(member.class_id)
    if class_id is not None:
        fields["class_id"] = class_id
    if result.outcome is Outcome.UPDATED and isinstance(result.data, CharacterProfile):
        profile: CharacterProfile = result.data
        class_id = lookups.class_id(profile.class_id, profile.class_name) or class_id
        if class_id is not None:
            fields["class_id"] = class_id
        spec_id = lookups.spec_id(class_id, profile.spec_id, profile.spec_name)
        if spec_id is not None:
            fields["active_spec_id"] = spec_id
        if profile.level is not None:
            fields["level"] = profile.level
        if profile.item_level is not None:
            fields["item_level"] = profile.item_level
        if profile.last_login_ms is not None:
            fields["last_login_timestamp"] = profile.last_login_ms
        if profile.realm_name and len(profile.realm_name) <= REALM_NAME_MAX:
            fields["realm_name"] = profile.realm_name
    return fields


def _identity_of(character: WowCharacter) -> tuple[str, str]:
    return character.character_name.lower(), character.realm_slug.lower()


def _member_events(character: WowCharacter, member: RosterMember, created: bool, before: tuple | None):
    """joined / renamed / rank_changed for one written member (``before``: name, realm, rank, removed)."""
    base = {
        "character_id": character.id,
        "character_name": character.character_name,
        "realm_slug": character.realm_slug,
    }
    if created or before is None:
        return [("character.joined", {**base, "returning": False})]
    old_name, old_realm, old_rank, old_removed = before
    events = []
    if old_removed is not None:
        events.append(("character.joined", {**base, "returning": True}))
    if (old_name, old_realm) != (character.character_name, character.realm_slug):
        events.append(("character.renamed", {**base, "old_name": old_name, "old_realm_slug": old_realm}))
    if member.rank is not None and old_rank != member.rank and old_removed is None:
        events.append(
            ("character.rank_changed", {**base, "old_rank_index": old_rank, "new_rank_index": member.rank})
        )
    return events


def _released_name(row: WowCharacter) -> str:
    """The name a departed row gives up when a member renames into it. WoW names have no
    spaces, parentheses or digits, so this never meets a real name; the row id keeps two
    released rows of one name apart."""
    suffix = f" (left, #{row.id})"
    return row.character_name[: NAME_MAX - len(suffix)] + suffix


def _other_character(row: WowCharacter, member: RosterMember) -> bool:
    """The row found by name belongs to a different Blizzard character (name reused)."""
    return (
        row.blizzard_character_id is not None
        and member.blizzard_id is not None
        and row.blizzard_character_id != member.blizzard_id
    )


@dataclass
class Applied:
    """What writing one roster pull did."""

    counts: dict[str, int]
    events: list[tuple[str, dict[str, Any]]]
    removed: list[int]
    held_back: list[int]  # would have been removed; waiting for an officer
    error_samples: list[str]
    hold_reason: str | None = None
    released: list[dict[str, Any]] = field(default_factory=list)  # departed rows' names given up


async def apply_roster(
    session: AsyncSession,
    members: list[RosterMember],
    results: list[FetchResult],
    *,
    removal_guard_share: float,
    unreadable_ids: frozenset[int] = frozenset(),
    unidentified: int = 0,
) -> Applied:
    """Write one successful, non-empty roster pull (flushes; the caller commits).

    ``unreadable_ids``: Blizzard ids of roster entries that could not be parsed (still
    members: never removed); ``unidentified``: unparsable entries without an id (anyone
    could be behind them, so removals then wait for an officer).
    """
    now = utcnow()
    lookups = await _Lookups.load(session)
    characters = (await session.scalars(select(WowCharacter))).all()
    by_blizzard = {c.blizzard_character_id: c for c in characters if c.blizzard_character_id is not None}
    by_identity = {_identity_of(c): c for c in characters}
    active_before = {c.id for c in characters if c.removed_at is None}
    counts = dict.fromkeys(("found", "new", "updated", "not_modified", "unavailable", "errors", "removed"), 0)
    counts["found"] = len(members)
    events: list[tuple[str, dict]] = []
    seen: set[int] = set()
    touched: list[int] = []
    error_samples: list[str] = []
    written: list[tuple[RosterMember, FetchResult, WowCharacter, bool, tuple | None]] = []
    released: list[dict[str, Any]] = []
    in_roster = {m.blizzard_id for m in members if m.blizzard_id is not None} | unreadable_ids
    # Members known by Blizzard id go first: a renamed character frees its old name before
    # a newcomer who took that name is matched by name (else the newcomer would take over
    # the renamed character's row and unlink its owner).
    pairs = sorted(zip(members, results, strict=True), key=lambda p: p[0].blizzard_id not in by_blizzard)
    for member, result in pairs:
        existing = by_blizzard.get(member.blizzard_id) if member.blizzard_id is not None else None
        if len(member.name) > NAME_MAX or len(member.realm_slug) > REALM_MAX:
            counts["errors"] += 1
            if len(error_samples) < MAX_ERROR_SAMPLES:
                error_samples.append(
                    f"{member.name[:NAME_MAX]}-{member.realm_slug[:REALM_MAX]}: too long; skipped"
                )
            if existing is not None:
                seen.add(existing.id)  # still a member
            continue
        if existing is None:
            existing = by_identity.get((member.name.lower(), member.realm_slug))
        before = None
        if existing is not None:
            before = (
                existing.character_name,
                existing.realm_slug,
                existing.wow_rank_index,
                existing.removed_at,
            )
        fields = _fields(member, result, lookups, now)
        target = (member.name.lower(), member.realm_slug)
        holder = by_identity.get(target)
        name_held = existing is not None and holder is not None and holder is not existing
        if name_held and holder.removed_at is not None and holder.blizzard_character_id not in in_roster:
            # Realm names are unique in WoW and the roster is current: the departed row
            # gives its name up (keeping its links and history) so the rename applies.
            del by_identity[target]
            released.append({"character_id": holder.id, "name": holder.character_name})
            holder.character_name = _released_name(holder)
            by_identity[_identity_of(holder)] = holder
            await session.flush()  # the name is free before the member's UPDATE takes it
            name_held = False
        if name_held:
            # Renamed into a name another row still holds (one row per name, e.g. a character
            # that left long ago): the rename waits, everything else is applied; reported.
            counts["errors"] += 1
            if len(error_samples) < MAX_ERROR_SAMPLES:
                error_samples.append(
                    f"{member.name}-{member.realm_slug}: name held by character row {holder.id}"
                )
        if existing is not None and (name_held or not _other_character(existing, member)):
            # The common case, in memory: no per-row queries, one flush for all.
            character, created = existing, False
            if not name_held and _identity_of(existing) != target:
                by_identity.pop(_identity_of(existing), None)
                existing.character_name, existing.realm_slug = member.name, member.realm_slug
            for key, value in fields.items():
                setattr(existing, key, value)
        elif existing is None:
            # New to us (the in-memory maps hold every row): inserted in one batch below.
            character, created = (
                WowCharacter(character_name=member.name, realm_slug=member.realm_slug, **fields),
                True,
            )
            session.add(character)
        else:
            # The name now belongs to another Blizzard character: the identity
            # service takes the row over and unlinks its old owner.
            character, created = await upsert_character(
                session, name=member.name, realm_slug=member.realm_slug, **fields
            )
        by_identity[_identity_of(character)] = character
        written.append((member, result, character, created, before))
    await session.flush()  # one batch of INSERTs and UPDATEs; new rows get their ids
    states: list[dict[str, Any]] = []
    for member, result, character, created, before in written:
        seen.add(character.id)
        rank_moved = member.rank is not None and before is not None and before[2] != member.rank
        if created or before is None or rank_moved or before[3] is not None:
            touched.append(character.id)  # inputs of the rank rule changed
        events.extend(_member_events(character, member, created, before))
        counts["new"] += int(created or before is None)
        outcome = result.outcome
        counts[_COUNT_KEY[outcome]] += 1
        if outcome is Outcome.ERROR and len(error_samples) < MAX_ERROR_SAMPLES:
            error_samples.append(f"{member.name}-{member.realm_slug}: {result.error}")
        fresh = outcome in (Outcome.UPDATED, Outcome.NOT_MODIFIED)
        states.append(
            {
                "character_id": character.id,
                "last_modified": result.last_modified if fresh else None,
                "profile_status": outcome.value,
                "checked_at": now,
                "error": result.error,
            }
        )
    if states:
        stmt = insert(CharacterSyncState).values(states)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[CharacterSyncState.character_id],
                set_={
                    "last_modified": stmt.excluded.last_modified,
                    "profile_status": stmt.excluded.profile_status,
                    "checked_at": stmt.excluded.checked_at,
                    "error": stmt.excluded.error,
                },
            )
        )
    seen.update(c.id for c in characters if c.blizzard_character_id in unreadable_ids)
    gone = sorted(active_before - seen)
    held_back: list[int] = []
    removed: list[int] = []
    hold_reason = None
    if gone and len(gone) > removal_guard_share * max(len(active_before), 1):
        held_back = gone
        hold_reason = (
            f"{len(gone)} characters are gone from the roster, more than "
            f"{removal_guard_share:.0%} of it: an officer must confirm the removal."
        )
    elif gone and unidentified:
        held_back = gone
        hold_reason = (
            f"{unidentified} roster entries could not be read, so the {len(gone)} characters missing "
            "from it may still be members: an officer must confirm the removal."
        )
    else:
        removed = await mark_removed(session, gone, events)
    counts["removed"] = len(removed)
    await recompute_for_characters(session, touched + removed)
    return Applied(counts, events, removed, held_back, error_samples, hold_reason, released)


async def mark_removed(
    session: AsyncSession, character_ids: list[int], events: list[tuple[str, dict]]
) -> list[int]:
    """Mark still-active characters as gone from the guild; one ``character.left`` each."""
    if not character_ids:
        return []
    now = utcnow()
    rows = (
        await session.scalars(
            select(WowCharacter).where(WowCharacter.id.in_(character_ids), WowCharacter.removed_at.is_(None))
        )
    ).all()
    for character in rows:
        character.removed_at = now
        events.append(
            (
                "character.left",
                {
                    "character_id": character.id,
                    "character_name": character.character_name,
                    "realm_slug": character.realm_slug,
                },
            )
        )
    await session.flush()
    return [c.id for c in rows]


async def sync_roster(
    host: HostAPI,
    client: BlizzardClient,
    *,
    realm_slug: str,
    guild_slug: str,
    removal_guard_share: float,
    log_id: int,
    full: bool = False,
    progress: ProgressFn | None = None,
) -> SyncResult:
    """Run one sync into the (already started) sync_log row ``log_id``; never raises for API trouble."""
    started = time.monotonic()
    stats_before = (client.stats.requests, client.stats.not_modified)

    def request_counts() -> dict[str, int]:
        return {
            "requests": client.stats.requests - stats_before[0],
            "not_modified": client.stats.not_modified - stats_before[1],
        }

    try:
        roster = await client.guild_roster(realm_slug, guild_slug)
    except BlizzardError as exc:
        message = f"Roster fetch failed, nobody changed: {exc}"
        await _finish_log(
            host,
            log_id,
            status=FAILED,
            error_message=message,
            duration_seconds=time.monotonic() - started,
            **request_counts(),
        )
        return SyncResult(log_id, FAILED, error=message)
    if not roster.members:
        message = "Blizzard returned an empty roster; nobody was removed."
        await _finish_log(
            host,
            log_id,
            status=FAILED,
            error_message=message,
            characters_found=0,
            duration_seconds=time.monotonic() - started,
            **request_counts(),
        )
        return SyncResult(log_id, FAILED, error=message)
    members = roster.members
    total = len(members)
    await write_progress(host, log_id, 0, total, elapsed=time.monotonic() - started)
    known = await _known_state(host)
    results = await fetch_profiles(client, members, known, full=full, progress=progress)
    async with host.db.session() as session:
        applied = await apply_roster(
            session,
            members,
            results,
            removal_guard_share=removal_guard_share,
            unreadable_ids=frozenset(roster.skipped_ids),
            unidentified=roster.skipped - len(roster.skipped_ids),
        )
        counts, events, held_back, error_samples = (
            applied.counts,
            applied.events,
            applied.held_back,
            applied.error_samples,
        )
        rank_changes = drain_rank_changes(session)
        status = AWAITING_CONFIRMATION if held_back else (PARTIAL if counts["errors"] else SUCCESS)
        details: dict[str, Any] = {
            "guild": roster.guild_name,
            "skipped_entries": roster.skipped,
            "duplicate_entries": roster.duplicates,
        }
        if held_back:
            details["pending_removal"] = held_back
        if error_samples:
            details["error_samples"] = error_samples
        if applied.released:
            details["released_names"] = applied.released[:MAX_ERROR_SAMPLES]
        message = applied.hold_reason
        await session.execute(
            update(SyncLog)
            .where(SyncLog.id == log_id)
            .values(
                status=status,
                characters_found=counts["found"],
                characters_new=counts["new"],
                characters_updated=counts["updated"],
                characters_removed=counts["removed"],
                unavailable=counts["unavailable"],
                errors=counts["errors"],
                progress_done=total,
                progress_total=total,
                error_message=message,
                details=details,
                completed_at=utcnow(),
                duration_seconds=time.monotonic() - started,
                **request_counts(),
            )
        )
    counts.update(request_counts())
    return SyncResult(
        log_id, status, counts=counts, events=events, rank_changes=rank_changes, pending_removal=held_back
    )


async def write_progress(
    host: HostAPI, log_id: int, done: int | None, total: int | None, *, elapsed: float
) -> None:
    """Record how far the run is (the officers' page polls it) and that it is alive."""
    values: dict[str, Any] = {"duration_seconds": elapsed}
    if done is not None and total is not None:
        values.update(progress_done=done, progress_total=total)
    async with host.db.session() as session:
        await session.execute(
            update(SyncLog).where(SyncLog.id == log_id, SyncLog.status == RUNNING).values(**values)
        )
