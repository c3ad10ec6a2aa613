"""Writing one roster pull into ``guild_identity.wow_characters`` (the caller commits).

Safety rules (the original's flaws, reference §23.2, not repeated): a 404 profile keeps the
character (status ``unavailable``); only absence from the roster removes, and more than
``removal_guard_share`` of the active roster gone in one run waits for an officer; characters
are keyed on the Blizzard id first, then (realm, name) case-insensitively, so a rename or realm
transfer keeps the row and its links, and a returning character gets its old row back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.models import CharacterSyncState
from sv_common.blizzard import CharacterProfile, FetchResult, Outcome
from sv_common.blizzard.parsing import RosterMember
from sv_common.db import utcnow
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import GuildRank, Specialization, WowCharacter, WowClass
from sv_common.identity.ranks import recompute_for_characters

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


@dataclass
class _Pull:
    """One roster pull being written: the rows we know (in memory: no per-row queries) and what
    happened so far."""

    session: AsyncSession
    lookups: _Lookups
    characters: list[WowCharacter]
    in_roster: set[int]
    active_before: set[int] = field(default_factory=set)  # before the pull brought anyone back
    now: Any = field(default_factory=utcnow)
    by_blizzard: dict[int, WowCharacter] = field(default_factory=dict)
    by_identity: dict[tuple[str, str], WowCharacter] = field(default_factory=dict)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("found", "new", "updated", "not_modified", "unavailable", "errors", "removed"), 0
        )
    )
    events: list[tuple[str, dict]] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    touched: list[int] = field(default_factory=list)  # inputs of the rank rule changed
    error_samples: list[str] = field(default_factory=list)
    written: list[tuple[RosterMember, FetchResult, WowCharacter, bool, tuple | None]] = field(
        default_factory=list
    )
    released: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def load(
        cls, session: AsyncSession, members: list[RosterMember], unreadable_ids: frozenset[int]
    ) -> _Pull:
        characters = list((await session.scalars(select(WowCharacter))).all())
        pull = cls(
            session,
            await _Lookups.load(session),
            characters,
            in_roster={m.blizzard_id for m in members if m.blizzard_id is not None} | unreadable_ids,
        )
        pull.by_blizzard = {
            c.blizzard_character_id: c for c in characters if c.blizzard_character_id is not None
        }
        pull.by_identity = {_identity_of(c): c for c in characters}
        pull.active_before = {c.id for c in characters if c.removed_at is None}
        pull.counts["found"] = len(members)
        return pull

    def error(self, sample: str) -> None:
        """Count one failed entry; the first ``MAX_ERROR_SAMPLES`` are reported."""
        self.counts["errors"] += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(sample)

    async def write_member(self, member: RosterMember, result: FetchResult) -> None:
        existing = self.by_blizzard.get(member.blizzard_id) if member.blizzard_id is not None else None
        if len(member.name) > NAME_MAX or len(member.realm_slug) > REALM_MAX:
            self.error(f"{member.name[:NAME_MAX]}-{member.realm_slug[:REALM_MAX]}: too long; skipped")
            if existing is not None:
                self.seen.add(existing.id)  # still a member
            return
        if existing is None:
            existing = self.by_identity.get((member.name.lower(), member.realm_slug))
        before = None
        if existing is not None:
            before = (
                existing.character_name,
                existing.realm_slug,
                existing.wow_rank_index,
                existing.removed_at,
            )
        target = (member.name.lower(), member.realm_slug)
        holder = self.by_identity.get(target)
        name_held = existing is not None and holder is not None and holder is not existing
        if name_held and holder.removed_at is not None and holder.blizzard_character_id not in self.in_roster:
            # Realm names are unique in WoW and the roster is current: the departed row
            # gives its name up (keeping its links and history) so the rename applies.
            await self.release_name(target, holder)
            name_held = False
        if name_held:
            # Renamed into a name another row still holds (one row per name, e.g. a character
            # that left long ago): the rename waits, everything else is applied; reported.
            self.error(f"{member.name}-{member.realm_slug}: name held by character row {holder.id}")
        fields = _fields(member, result, self.lookups, self.now)
        character, created = await self.place(member, existing, fields, target, name_held=name_held)
        self.by_identity[_identity_of(character)] = character
        self.written.append((member, result, character, created, before))

    async def release_name(self, target: tuple[str, str], holder: WowCharacter) -> None:
        del self.by_identity[target]
        self.released.append({"character_id": holder.id, "name": holder.character_name})
        holder.character_name = _released_name(holder)
        self.by_identity[_identity_of(holder)] = holder
        await self.session.flush()  # the name is free before the member's UPDATE takes it

    async def place(
        self,
        member: RosterMember,
        existing: WowCharacter | None,
        fields: dict[str, Any],
        target: tuple[str, str],
        *,
        name_held: bool,
    ) -> tuple[WowCharacter, bool]:
        """The member's row, updated in memory or new (inserted in one batch by the next flush)."""
        if existing is not None and (name_held or not _other_character(existing, member)):
            # The common case, in memory: no per-row queries, one flush for all.
            if not name_held and _identity_of(existing) != target:
                self.by_identity.pop(_identity_of(existing), None)
                existing.character_name, existing.realm_slug = member.name, member.realm_slug
            for key, value in fields.items():
                setattr(existing, key, value)
            return existing, False
        if existing is None:
            # New to us (the in-memory maps hold every row).
            character = WowCharacter(character_name=member.name, realm_slug=member.realm_slug, **fields)
            self.session.add(character)
            return character, True
        # The name now belongs to another Blizzard character: the identity service takes the
        # row over and unlinks its old owner.
        return await upsert_character(self.session, name=member.name, realm_slug=member.realm_slug, **fields)

    def record_outcomes(self) -> list[dict[str, Any]]:
        """Counts, events and rank-rule inputs of every written member (ids known after the
        flush); returns their ``character_sync_state`` rows."""
        states: list[dict[str, Any]] = []
        for member, result, character, created, before in self.written:
            self.seen.add(character.id)
            rank_moved = member.rank is not None and before is not None and before[2] != member.rank
            if created or before is None or rank_moved or before[3] is not None:
                self.touched.append(character.id)
            self.events.extend(_member_events(character, member, created, before))
            self.counts["new"] += int(created or before is None)
            outcome = result.outcome
            self.counts[_COUNT_KEY[outcome]] += 1
            if outcome is Outcome.ERROR and len(self.error_samples) < MAX_ERROR_SAMPLES:
                self.error_samples.append(f"{member.name}-{member.realm_slug}: {result.error}")
            fresh = outcome in (Outcome.UPDATED, Outcome.NOT_MODIFIED)
            states.append(
                {
                    "character_id": character.id,
                    "last_modified": result.last_modified if fresh else None,
                    "profile_status": outcome.value,
                    "checked_at": self.now,
                    "error": result.error,
                }
            )
        return states


async def _save_sync_states(session: AsyncSession, states: list[dict[str, Any]]) -> None:
    """One upsert of every written member's ``character_sync_state`` row."""
    if not states:
        return
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


async def _removals(
    pull: _Pull, *, removal_guard_share: float, unidentified: int
) -> tuple[list[int], list[int], str | None]:
    """``(removed, held_back, hold_reason)`` for the active characters the pull did not see."""
    active_before = pull.active_before
    gone = sorted(active_before - pull.seen)
    if gone and len(gone) > removal_guard_share * max(len(active_before), 1):
        reason = (
            f"{len(gone)} characters are gone from the roster, more than "
            f"{removal_guard_share:.0%} of it: an officer must confirm the removal."
        )
        return [], gone, reason
    if gone and unidentified:
        reason = (
            f"{unidentified} roster entries could not be read, so the {len(gone)} characters missing "
            "from it may still be members: an officer must confirm the removal."
        )
        return [], gone, reason
    return await mark_removed(pull.session, gone, pull.events), [], None


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
    pull = await _Pull.load(session, members, unreadable_ids)
    # Members known by Blizzard id go first: a renamed character frees its old name before
    # a newcomer who took that name is matched by name (else the newcomer would take over
    # the renamed character's row and unlink its owner).
    pairs = sorted(zip(members, results, strict=True), key=lambda p: p[0].blizzard_id not in pull.by_blizzard)
    for member, result in pairs:
        await pull.write_member(member, result)
    await session.flush()  # one batch of INSERTs and UPDATEs; new rows get their ids
    await _save_sync_states(session, pull.record_outcomes())
    pull.seen.update(c.id for c in pull.characters if c.blizzard_character_id in unreadable_ids)
    removed, held_back, hold_reason = await _removals(
        pull, removal_guard_share=removal_guard_share, unidentified=unidentified
    )
    pull.counts["removed"] = len(removed)
    await recompute_for_characters(session, pull.touched + removed)
    return Applied(
        pull.counts, pull.events, removed, held_back, pull.error_samples, hold_reason, pull.released
    )


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
