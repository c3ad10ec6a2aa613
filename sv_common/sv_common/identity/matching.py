"""The suggestion engine: run matching rules, store suggestions, apply or reject them.

Matching never links on its own authority unless asked (``auto_apply``), and then only
suggestions that are ``high`` confidence and not ambiguous. A suggestion is ambiguous when
its rule found several targets for one key, or when rules disagree about a character.
Suggestions live in ``guild_identity.link_suggestions`` (pending -> applied | rejected).

Rule registry: :data:`DEFAULT_RULES` plus what plugins return from the ``matching_rules``
hook, combined and checked by :func:`rule_set`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, text
from sqlalchemy import update as sa_update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from sv_common.db import utcnow
from sv_common.errors import Conflict, NotFound, ValidationFailed
from sv_common.identity.aliases import ALIAS_LENGTH, add_note_alias
from sv_common.identity.matching_context import (
    CONFIDENCES,
    CharacterCandidate,
    DiscordCandidate,
    MatchContext,
    MatchingRule,
    PlayerCandidate,
    Suggestion,
    at_or_above_rank,
    load_context,
    unlinked_characters,
)
from sv_common.identity.matching_rules import CharacterNameRule, NoteKeyRule, note_key
from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    LinkSuggestion,
    Player,
    PlayerCharacter,
    PlayerNoteAlias,
    WowCharacter,
)
from sv_common.identity.players import (
    create_player,
    free_display_name,
    free_display_names,
    link_character,
    player_for_discord_user,
)
from sv_common.identity.ranks import rank_for_discord_roles, recompute_player_ranks

__all__ = [
    "AUTO_DECIDER",
    "DEFAULT_RULES",
    "CharacterCandidate",
    "CharacterNameRule",
    "DiscordCandidate",
    "MatchContext",
    "MatchingReport",
    "MatchingRule",
    "NoteKeyRule",
    "PlayerCandidate",
    "Suggestion",
    "BulkOutcome",
    "PlannedLink",
    "apply_suggestion",
    "apply_suggestions",
    "load_context",
    "note_key",
    "pending_suggestions",
    "reject_suggestion",
    "rule_set",
    "run_matching",
]

log = logging.getLogger(__name__)

DEFAULT_RULES: list[MatchingRule] = [NoteKeyRule(), CharacterNameRule()]
AUTO_DECIDER = "auto-matching"
RULE_NAME_LENGTH = 50
_CONFIDENCE_ORDER = {c: i for i, c in enumerate(CONFIDENCES)}


# --- registry -------------------------------------------------------------------------------


def rule_set(
    plugin_rules: Iterable[Any] = (), *, defaults: Iterable[MatchingRule] = DEFAULT_RULES
) -> list[MatchingRule]:
    """The rules of a run: ``defaults`` plus plugin rules, checked.

    ``plugin_rules`` holds rules or ``(plugin, rule)`` pairs as returned by
    ``host.hooks.matching_rules()``. Raises ValueError naming the plugin when a rule has no
    ``name`` / async ``propose``, or when two rules share a name.
    """
    rules: list[MatchingRule] = []
    owners: dict[str, str] = {}
    entries = [("sv_common", rule) for rule in defaults]
    for item in plugin_rules:
        entries.append(
            (getattr(item[0], "name", str(item[0])), item[1]) if isinstance(item, tuple) else ("?", item)
        )
    for owner, rule in entries:
        name = getattr(rule, "name", None)
        propose = getattr(rule, "propose", None)
        if not isinstance(name, str) or not name or len(name) > RULE_NAME_LENGTH:
            raise ValueError(
                f"plugin {owner}: a matching rule needs a name of 1-{RULE_NAME_LENGTH} characters"
            )
        if propose is None or not callable(propose):
            raise ValueError(f"plugin {owner}: matching rule {name!r} has no propose(ctx) method")
        if name in owners:
            raise ValueError(f"matching rule name {name!r} is used twice ({owners[name]} and {owner})")
        owners[name] = owner
        rules.append(rule)
    return rules


# --- running --------------------------------------------------------------------------------


@dataclass
class MatchingReport:
    """What a run did. ``errors`` maps a failing rule's name to its message (the others still ran)."""

    rules: list[str] = field(default_factory=list)
    proposed: int = 0
    created: int = 0
    refreshed: int = 0
    removed: int = 0
    skipped_rejected: int = 0
    ambiguous: int = 0
    pending: int = 0
    applied: list[int] = field(default_factory=list)
    players_created: int = 0
    held_for_review: int = 0  # safe by confidence, but linking would raise the player's rank
    characters: int = 0  # unlinked characters the rules looked at
    min_rank_level: int | None = None  # the run looked only at characters of this rank or above
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


TargetKey = tuple[int, str, tuple[str, int]]  # (character, rule, target)


def _target_of(discord_user_id: int | None, player_id: int | None, player_by_discord: dict[int, int]):
    if player_id is None and discord_user_id is not None:
        player_id = player_by_discord.get(discord_user_id)
    return ("player", player_id) if player_id is not None else ("discord", discord_user_id)


def _checked(suggestion: Any, rule: MatchingRule, character_ids: set[int]) -> Suggestion:
    if not isinstance(suggestion, Suggestion):
        raise TypeError(f"rule {rule.name!r} returned {type(suggestion).__name__}, not a Suggestion")
    if suggestion.confidence not in _CONFIDENCE_ORDER:
        raise ValueError(f"rule {rule.name!r}: confidence must be one of {', '.join(CONFIDENCES)}")
    if suggestion.discord_user_id is None and suggestion.player_id is None:
        raise ValueError(f"rule {rule.name!r}: a suggestion needs a player or a Discord user")
    if suggestion.character_id not in character_ids:
        raise ValueError(
            f"rule {rule.name!r}: character {suggestion.character_id} is not an unlinked character"
        )
    return suggestion


async def _collect(ctx: MatchContext, rules: list[MatchingRule], report: MatchingReport) -> list[Suggestion]:
    character_ids = {c.id for c in ctx.characters}
    collected: list[Suggestion] = []
    for rule in rules:
        try:
            # The stored rule name is the rule's own, whatever the suggestion claims.
            proposed = [_checked(s, rule, character_ids) for s in await rule.propose(ctx)]
            collected.extend(
                Suggestion(**{**asdict(s), "rule": rule.name}) if s.rule != rule.name else s for s in proposed
            )
        except Exception as exc:  # one broken (plugin) rule must not stop matching
            log.exception("matching rule %s failed", rule.name)
            report.errors[rule.name] = str(exc) or type(exc).__name__
    return collected


def _resolve(suggestions: list[Suggestion], player_by_discord: dict[int, int]) -> dict[TargetKey, Suggestion]:
    """Fill in known players, merge duplicates (best confidence), mark cross-rule disagreement."""
    merged: dict[TargetKey, Suggestion] = {}
    for s in suggestions:
        target = _target_of(s.discord_user_id, s.player_id, player_by_discord)
        if s.player_id is None and target[0] == "player":
            s = Suggestion(**{**asdict(s), "player_id": target[1]})
        key = (s.character_id, s.rule, target)
        kept = merged.get(key)
        if kept is None or _CONFIDENCE_ORDER[s.confidence] < _CONFIDENCE_ORDER[kept.confidence]:
            merged[key] = Suggestion(
                **{**asdict(s), "ambiguous": s.ambiguous or bool(kept and kept.ambiguous)}
            )
    targets_per_character: dict[int, set] = {}
    for character_id, _rule, target in merged:
        targets_per_character.setdefault(character_id, set()).add(target)
    for key, s in merged.items():
        if len(targets_per_character[s.character_id]) > 1 and not s.ambiguous:
            merged[key] = Suggestion(**{**asdict(s), "ambiguous": True})
    return merged


async def run_matching(
    session: AsyncSession,
    *,
    rules: list[MatchingRule],
    auto_apply: bool,
    min_rank_level: int | None = None,
) -> MatchingReport:
    """Run ``rules``, store their suggestions, and with ``auto_apply`` apply the safe ones.

    Pending suggestions are refreshed, not duplicated; a suggestion once rejected is not
    proposed again; pending suggestions of these rules that no rule proposes any more (the
    character got linked, a name changed) are removed. Runs are serialised by a lock.

    With ``min_rank_level`` only unlinked characters whose in-game rank is at that level or
    above are matched (a character without a rank is below every level); the pending
    suggestions of the unlinked characters left out are kept as they are, neither removed
    nor auto-applied.
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('sv_common.identity.matching'))"))
    report = MatchingReport(rules=[r.name for r in rules], min_rank_level=min_rank_level)
    ctx = await load_context(session, min_rank_level=min_rank_level)
    report.characters = len(ctx.characters)
    player_by_discord = {u.id: u.player_id for u in ctx.discord_users if u.player_id is not None}
    collected = await _collect(ctx, rules, report)
    report.proposed = len(collected)
    proposals = _resolve(collected, player_by_discord)

    rule_names = [r.name for r in rules if r.name not in report.errors]
    stored_query = select(LinkSuggestion).where(LinkSuggestion.status.in_(("pending", "rejected")))
    if min_rank_level is not None:
        # Unlinked characters below the level are outside this run: their suggestions stay.
        left_out = select(WowCharacter.id).where(
            *unlinked_characters(),
            or_(WowCharacter.guild_rank_id.is_(None), ~at_or_above_rank(min_rank_level)),
        )
        stored_query = stored_query.where(LinkSuggestion.character_id.not_in(left_out))
    stored = (await session.scalars(stored_query)).all()
    pending: dict[TargetKey, LinkSuggestion] = {}
    rejected: set[TargetKey] = set()
    for row in stored:
        key = (row.character_id, row.rule, _target_of(row.discord_user_id, row.player_id, player_by_discord))
        if row.status == "rejected":
            rejected.add(key)
        elif key in pending or (key not in proposals and row.rule in rule_names):
            await session.delete(row)  # obsolete, or a duplicate left by an older version
            report.removed += 1
        else:
            pending[key] = row

    for key, s in proposals.items():
        if key in rejected:
            report.skipped_rejected += 1
            continue
        row = pending.get(key)
        if row is None:
            row = LinkSuggestion(character_id=s.character_id, rule=s.rule, status="pending")
            session.add(row)
            pending[key] = row
            report.created += 1
        else:
            report.refreshed += 1
        row.discord_user_id = s.discord_user_id
        row.player_id = s.player_id
        row.confidence = s.confidence
        row.reason = s.reason
        row.ambiguous = s.ambiguous
        row.note_key = (s.note_key or "")[:50] or None
        report.ambiguous += int(s.ambiguous)
    await session.flush()

    if auto_apply:
        for row in sorted(pending.values(), key=lambda r: r.id):
            if row.status != "pending" or row.confidence != "high" or row.ambiguous:
                continue
            if await session.scalar(select(LinkSuggestion.id).where(LinkSuggestion.id == row.id)) is None:
                continue  # removed as moot by an earlier apply in this run
            if await _would_raise_rank(session, row):
                # Guild notes are editable in game: a note alone must not hand anyone a higher
                # rank. An officer decides, within their own rank ceiling.
                report.held_for_review += 1
                continue
            try:
                created = await _apply(session, row, decided_by=AUTO_DECIDER, confirmed=False)
            except Conflict as exc:
                log.info("auto-apply of suggestion %s skipped: %s", row.id, exc.message)
                continue
            report.applied.append(row.id)
            report.players_created += int(created)
    report.pending = await session.scalar(
        select(func.count()).select_from(LinkSuggestion).where(LinkSuggestion.status == "pending")
    )
    return report


async def _rank_level(session: AsyncSession, rank_id: int | None) -> int:
    if rank_id is None:
        return 0
    return await session.scalar(select(GuildRank.level).where(GuildRank.id == rank_id)) or 0


async def _would_raise_rank(session: AsyncSession, row: LinkSuggestion) -> bool:
    """Would linking this suggestion's character give its player a higher rank than they have?"""
    character = await session.get(WowCharacter, row.character_id)
    if character is None or character.removed_at is not None or character.guild_rank_id is None:
        return False  # a character outside the guild confers no rank
    gained = await _rank_level(session, character.guild_rank_id)
    player = await session.get(Player, row.player_id) if row.player_id is not None else None
    if player is None and row.discord_user_id is not None:
        player = await player_for_discord_user(session, row.discord_user_id)
    if player is not None:
        current = await _rank_level(session, player.guild_rank_id)
    else:  # a player would be created for the Discord user, ranked by their roles
        user = await session.get(DiscordUser, row.discord_user_id) if row.discord_user_id else None
        role_rank = (
            await rank_for_discord_roles(session, user.role_ids or ()) if user and user.is_present else None
        )
        current = role_rank.level if role_rank is not None else 0
    return gained > current


# --- deciding -------------------------------------------------------------------------------


def _decider(decided_by: str) -> str:
    cleaned = " ".join((decided_by or "").split())
    if not cleaned:
        raise ValidationFailed("Say who decided.")
    return cleaned[:100]


async def _pending_row(session: AsyncSession, suggestion_id: int) -> LinkSuggestion:
    row = await session.scalar(
        select(LinkSuggestion).where(LinkSuggestion.id == suggestion_id).with_for_update()
    )
    if row is None:
        raise NotFound("That suggestion does not exist.")
    if row.status != "pending":
        raise Conflict(f"That suggestion was already {row.status}.")
    return row


async def _apply(session: AsyncSession, row: LinkSuggestion, *, decided_by: str, confirmed: bool) -> bool:
    """Link the character; returns True when a player had to be created for the Discord user."""
    owner_id = await session.scalar(
        select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == row.character_id)
    )
    player_id = row.player_id
    created = False
    if player_id is None:
        holder = await player_for_discord_user(session, row.discord_user_id)
        if holder is None:
            user = await session.get(DiscordUser, row.discord_user_id)
            name = await free_display_name(
                session, user.display_name or user.username, qualifier=user.username
            )
            holder = await create_player(session, display_name=name, discord_user_id=user.id)
            created = True
        player_id = holder.id
    if owner_id is not None and owner_id != player_id:
        raise Conflict("That character is already linked to another player.")
    await link_character(
        session,
        player_id=player_id,
        character_id=row.character_id,
        link_source=row.rule,
        confidence="confirmed" if confirmed else row.confidence,
    )
    if row.note_key:
        await add_note_alias(session, player_id=player_id, alias=row.note_key, source=row.rule)
    row.player_id = player_id
    row.status = "applied"
    row.decided_at = utcnow()
    row.decided_by = decided_by
    # Other pending ideas about this character are moot now.
    await session.execute(
        delete(LinkSuggestion).where(
            LinkSuggestion.character_id == row.character_id,
            LinkSuggestion.status == "pending",
            LinkSuggestion.id != row.id,
        )
    )
    await session.flush()
    return created


async def apply_suggestion(session: AsyncSession, suggestion_id: int, *, decided_by: str) -> LinkSuggestion:
    """An officer accepts a suggestion (ambiguous ones too): links the character, confidence "confirmed".

    A player is created for the Discord user when it has none. Conflict when the suggestion
    was already decided or the character now belongs to someone else.
    """
    decider = _decider(decided_by)
    row = await _pending_row(session, suggestion_id)
    await _apply(session, row, decided_by=decider, confirmed=True)
    return row


@dataclass(frozen=True)
class PlannedLink:
    """One suggestion of a bulk apply that passed the checks, before anything is written.
    ``player_id`` is None when a player will be created for ``discord_user_id``."""

    suggestion_id: int
    character_id: int
    player_id: int | None
    discord_user_id: int | None
    note_key: str | None


@dataclass
class BulkOutcome:
    """What :func:`apply_suggestions` did: ``applied`` (suggestion_id, character_id and
    player_id each) and a message per suggestion that was not applied."""

    applied: list[dict[str, int]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    players_created: int = 0


async def apply_suggestions(
    session: AsyncSession,
    suggestion_ids: Iterable[int],
    *,
    decided_by: str,
    refuse: Any = None,
) -> BulkOutcome:
    """Apply many suggestions (an adoption brings hundreds) in the caller's one transaction.

    Set-based, a fixed number of statements whatever the count: one round trip per row
    would take seconds. Rows that cannot be applied are reported with a message and left
    pending (unknown, already decided, the character linked to someone else, or a second
    suggestion for a character this batch links); ``refuse(session, planned)`` (async,
    optional) returns ``{suggestion_id: message}`` for rows the caller will not allow
    (e.g. a rank ceiling). The rest is written together: players for Discord users who
    have none, the links (confidence "confirmed"), note aliases, the decisions, the moot
    pending ideas about the linked characters removed, and the players' ranks recomputed.
    The caller commits; a failure of any statement fails the whole batch.
    """
    decider = _decider(decided_by)
    ids = sorted(set(suggestion_ids))
    rows = {
        row.id: row
        for row in (
            await session.scalars(
                select(LinkSuggestion)
                .where(LinkSuggestion.id.in_(ids))
                .order_by(LinkSuggestion.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).all()
    }
    character_ids = {row.character_id for row in rows.values()}
    owners = dict(
        (
            await session.execute(
                select(PlayerCharacter.character_id, PlayerCharacter.player_id).where(
                    PlayerCharacter.character_id.in_(character_ids)
                )
            )
        ).all()
    )
    discord_ids = {row.discord_user_id for row in rows.values() if row.discord_user_id is not None}
    player_of_discord = dict(
        (
            await session.execute(
                select(Player.discord_user_id, Player.id).where(Player.discord_user_id.in_(discord_ids))
            )
        ).all()
    )

    outcome = BulkOutcome()
    planned: list[PlannedLink] = []
    claimed: set[int] = set()
    for suggestion_id in ids:
        row = rows.get(suggestion_id)
        if row is None:
            message = "That suggestion does not exist."
        elif row.status != "pending":
            message = f"That suggestion was already {row.status}."
        elif row.character_id in claimed:
            message = "Its character was linked by another suggestion in this batch."
        else:
            player_id = row.player_id or player_of_discord.get(row.discord_user_id)
            owner = owners.get(row.character_id)
            if owner is not None and owner != player_id:
                message = "That character is already linked to another player."
            else:
                claimed.add(row.character_id)
                planned.append(
                    PlannedLink(row.id, row.character_id, player_id, row.discord_user_id, row.note_key)
                )
                continue
        outcome.errors.append({"suggestion_id": suggestion_id, "message": message})
    if refuse is not None and planned:
        refused = await refuse(session, planned)
        outcome.errors.extend({"suggestion_id": i, "message": m} for i, m in refused.items())
        planned = [p for p in planned if p.suggestion_id not in refused]
    outcome.errors.sort(key=lambda e: e["suggestion_id"])
    if not planned:
        return outcome

    # Players for Discord users who have none (one each, however many characters name them).
    new_users = sorted({p.discord_user_id for p in planned if p.player_id is None})
    if new_users:
        users = (
            await session.scalars(
                select(DiscordUser).where(DiscordUser.id.in_(new_users)).order_by(DiscordUser.id)
            )
        ).all()
        names = await free_display_names(session, [(u.display_name or u.username, u.username) for u in users])
        made = await session.execute(
            insert(Player).returning(Player.discord_user_id, Player.id),
            [{"display_name": n, "discord_user_id": u.id} for u, n in zip(users, names, strict=True)],
        )
        player_of_discord.update(dict(made.all()))
        outcome.players_created = len(users)
    links = [
        (p, p.player_id if p.player_id is not None else player_of_discord[p.discord_user_id]) for p in planned
    ]

    fresh = [
        {
            "player_id": player_id,
            "character_id": p.character_id,
            "link_source": rows[p.suggestion_id].rule[:30],
            "confidence": "confirmed",
        }
        for p, player_id in links
        if owners.get(p.character_id) is None
    ]
    if fresh:
        await session.execute(insert(PlayerCharacter), fresh)
    confirmed = [p.character_id for p, player_id in links if owners.get(p.character_id) == player_id]
    if confirmed:
        await session.execute(
            sa_update(PlayerCharacter)
            .where(PlayerCharacter.character_id.in_(confirmed))
            .values(confidence="confirmed")
        )
    aliases = {
        (player_id, p.note_key[:ALIAS_LENGTH], rows[p.suggestion_id].rule[:30])
        for p, player_id in links
        if p.note_key and len(p.note_key) >= 2
    }
    if aliases:
        await session.execute(
            pg_insert(PlayerNoteAlias)
            .values(
                [
                    {"player_id": pid, "alias": alias, "source": source}
                    for pid, alias, source in sorted(aliases)
                ]
            )
            .on_conflict_do_nothing(index_elements=["player_id", "alias"])
        )
    now = utcnow()
    await session.execute(
        sa_update(LinkSuggestion),
        [
            {
                "id": p.suggestion_id,
                "player_id": player_id,
                "status": "applied",
                "decided_at": now,
                "decided_by": decider,
            }
            for p, player_id in links
        ],
    )
    # Other pending ideas about these characters are moot now.
    await session.execute(
        delete(LinkSuggestion).where(
            LinkSuggestion.character_id.in_([p.character_id for p in planned]),
            LinkSuggestion.status == "pending",
            LinkSuggestion.id.not_in([p.suggestion_id for p in planned]),
        )
    )
    await recompute_player_ranks(session, {player_id for _p, player_id in links})
    outcome.applied = [
        {"suggestion_id": p.suggestion_id, "character_id": p.character_id, "player_id": player_id}
        for p, player_id in links
    ]
    return outcome


async def reject_suggestion(session: AsyncSession, suggestion_id: int, *, decided_by: str) -> LinkSuggestion:
    """An officer turns a suggestion down; it will not be proposed again."""
    decider = _decider(decided_by)
    row = await _pending_row(session, suggestion_id)
    row.status = "rejected"
    row.decided_at = utcnow()
    row.decided_by = decider
    await session.flush()
    return row


async def pending_suggestions(session: AsyncSession) -> list[LinkSuggestion]:
    """Pending suggestions with their character, Discord user and player loaded (safe ones first)."""
    rows = await session.scalars(
        select(LinkSuggestion)
        .where(LinkSuggestion.status == "pending")
        .options(
            selectinload(LinkSuggestion.character),
            selectinload(LinkSuggestion.discord_user),
            selectinload(LinkSuggestion.player),
        )
        .order_by(LinkSuggestion.ambiguous, LinkSuggestion.character_id, LinkSuggestion.id)
    )
    return list(rows.all())
