"""The built-in data-quality rules (contributed through drift's own ``data_quality_rules`` hook).

Every detector reads the whole guild in one to three statements and builds its findings in
Python; none queries per row. Details hold only facts that change when the problem changes
(never "days since"), so an unchanged problem keeps its fingerprint and a dismissed finding
stays dismissed. Mitigations never guess: the note rules and the linking rules only *propose*
(policy ``confirm``); the one automatic mitigation clears a main pointer to a character that
left the guild.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from patt_drift.services.registry import needs_proposal
from sv_common.errors import Conflict, NotConfigured
from sv_common.identity.aliases import add_note_alias
from sv_common.identity.matching_rules import note_key, plural_variant
from sv_common.identity.models import Player
from sv_common.identity.normalise import name_key
from sv_common.identity.players import create_player, free_display_name, link_character, link_discord
from sv_common.quality import DataQualityRule, Finding, MitigationResult, RuleContext, StoredFinding

ROLE_SYNC_JOB = "discord.role_sync"
# What to do instead when a finding has no proposal: the page shows it in place of the fix's
# button, and the fix refuses with it.
LINK_BY_HAND = "The guild note names no known player: link this character on the players page."
ROLES_BY_HAND = (
    "Role sync does not run towards Discord here: change the member's roles in Discord or the rank."
)
MOVE_BY_HAND = "The note names several players: move the character on the players page."
_WORDS = re.compile(r"[\s/\-_.]+")


def _char(name: str, realm: str) -> str:
    return f"{name}-{realm}"


# --- shared look-ups (one statement each) -------------------------------------------------


async def _cached(ctx: RuleContext, key: str, load):
    """One read per scan for a look-up several rules share."""
    if key not in ctx.cache:
        ctx.cache[key] = await load()
    return ctx.cache[key]


async def _player_keys(session: AsyncSession, ctx: RuleContext) -> dict[str, set[int]]:
    return await _cached(ctx, "drift:player_keys", lambda: _load_player_keys(session))


async def _load_player_keys(session: AsyncSession) -> dict[str, set[int]]:
    """Name key -> active players it names: aliases, display names, Discord names."""
    index: dict[str, set[int]] = defaultdict(set)
    rows = await session.execute(
        text(
            """
            SELECT p.id, p.display_name, du.username, du.display_name, NULL::text AS alias
              FROM guild_identity.players p
              LEFT JOIN guild_identity.discord_users du ON du.id = p.discord_user_id
             WHERE p.is_active
            UNION ALL
            SELECT a.player_id, NULL, NULL, NULL, a.alias
              FROM guild_identity.player_note_aliases a
              JOIN guild_identity.players p ON p.id = a.player_id AND p.is_active
            """
        )
    )
    for player_id, display_name, username, discord_display, alias in rows:
        for name in (display_name, username, discord_display, alias):
            if name:
                key = name_key(name)
                if len(key) >= 2:
                    index[key].add(player_id)
    return index


def _lookup(index: dict[str, set[int]], key: str) -> tuple[str, set[int]]:
    found = index.get(key, set())
    if not found and (variant := plural_variant(key)):
        return variant, index.get(variant, set())
    return key, found


async def _player_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        text("SELECT id, display_name FROM guild_identity.players WHERE id = ANY(:ids)"), {"ids": list(ids)}
    )
    return dict(rows.all())


# --- orphan_wow ---------------------------------------------------------------------------


async def detect_orphan_wow(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    rows = (
        await session.execute(
            text(
                """
                SELECT c.id, c.character_name, c.realm_slug, c.guild_note
                  FROM guild_identity.wow_characters c
                  LEFT JOIN guild_identity.player_characters pc ON pc.character_id = c.id
                 WHERE c.removed_at IS NULL AND pc.id IS NULL
                 ORDER BY c.id
                """
            )
        )
    ).all()
    if not rows:
        return []
    index = await _player_keys(session, ctx)
    targets: dict[int, tuple[str, int]] = {}
    for character_id, _name, _realm, note in rows:
        key = note_key(note)
        if key is None:
            continue
        key, found = _lookup(index, key)
        if len(found) == 1:
            targets[character_id] = (key, next(iter(found)))
    names = await _player_names(session, {player for _key, player in targets.values()})
    findings = []
    for character_id, name, realm, note in rows:
        proposal = None
        if character_id in targets:
            key, player_id = targets[character_id]
            proposal = {
                "action": "link",
                "player_id": player_id,
                "player_name": names.get(player_id),
                "note_key": key,
                "text": f'Link to {names.get(player_id)} (the guild note names "{key}")',
            }
        findings.append(
            Finding(
                key=f"character:{character_id}",
                summary=f"{_char(name, realm)} is not linked to any player",
                details={"character": _char(name, realm), "note": note or ""},
                wow_character_id=character_id,
                proposal=proposal,
            )
        )
    return findings


@needs_proposal(LINK_BY_HAND)
async def mitigate_orphan_wow(
    session: AsyncSession, finding: StoredFinding, ctx: RuleContext
) -> MitigationResult:
    proposal = finding.proposal or {}
    if proposal.get("action") != "link":
        raise Conflict(LINK_BY_HAND)
    await link_character(
        session,
        player_id=proposal["player_id"],
        character_id=finding.wow_character_id,
        link_source="note_key",
        confidence="confirmed",
    )
    await add_note_alias(session, player_id=proposal["player_id"], alias=proposal["note_key"], source="drift")
    return MitigationResult(
        True,
        f"Linked {finding.details.get('character')} to {proposal.get('player_name')}",
        {
            "linked": finding.wow_character_id,
            "player_id": proposal["player_id"],
            "alias": proposal["note_key"],
        },
    )


# --- orphan_discord -----------------------------------------------------------------------


async def detect_orphan_discord(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    rows = await session.execute(
        text(
            """
            SELECT du.id, du.username, du.display_name,
                   (SELECT r.name FROM common.guild_ranks r
                     WHERE r.discord_role_id = ANY(du.role_ids) ORDER BY r.level DESC LIMIT 1)
              FROM guild_identity.discord_users du
              LEFT JOIN guild_identity.players p ON p.discord_user_id = du.id
             WHERE du.is_present AND p.id IS NULL
               AND du.role_ids && ARRAY(SELECT discord_role_id::text FROM common.guild_ranks
                                         WHERE discord_role_id IS NOT NULL)
             ORDER BY du.id
            """
        )
    )
    return [
        Finding(
            key=f"discord:{discord_user_id}",
            summary=f"Discord member {display or username} has the {rank} role but no player",
            details={"username": username, "rank_role": rank},
            discord_member_id=discord_user_id,
            proposal={"action": "create_player", "text": f"Create a player for {display or username}"},
        )
        for discord_user_id, username, display, rank in rows
    ]


async def mitigate_orphan_discord(
    session: AsyncSession, finding: StoredFinding, ctx: RuleContext
) -> MitigationResult:
    row = (
        await session.execute(
            text("SELECT username, display_name FROM guild_identity.discord_users WHERE id = :id"),
            {"id": finding.discord_member_id},
        )
    ).one()
    name = await free_display_name(session, row.display_name or row.username, qualifier=row.username)
    player = await create_player(session, display_name=name, discord_user_id=finding.discord_member_id)
    # Unlinked characters whose guild note names this member exactly come along.
    keys = {name_key(n) for n in (row.username, row.display_name) if n}
    unlinked = await session.execute(
        text(
            """
            SELECT c.id, c.guild_note FROM guild_identity.wow_characters c
              LEFT JOIN guild_identity.player_characters pc ON pc.character_id = c.id
             WHERE c.removed_at IS NULL AND pc.id IS NULL AND coalesce(c.guild_note, '') <> ''
            """
        )
    )
    linked = []
    for character_id, note in unlinked:
        if note_key(note) in keys:
            await link_character(
                session,
                player_id=player.id,
                character_id=character_id,
                link_source="note_key",
                confidence="confirmed",
            )
            linked.append(character_id)
    return MitigationResult(
        True,
        f"Created player {name}" + (f" with {len(linked)} character(s) from guild notes" if linked else ""),
        {"player_id": player.id, "linked": linked},
    )


# --- role_mismatch / no_guild_role --------------------------------------------------------


async def _role_rows(session: AsyncSession, ctx: RuleContext):
    return await _cached(ctx, "drift:role_rows", lambda: _load_role_rows(session))


async def _load_role_rows(session: AsyncSession):
    mode = await session.scalar(text("SELECT role_sync_mode FROM common.discord_config ORDER BY id LIMIT 1"))
    mapped = dict(
        (
            await session.execute(
                text("SELECT discord_role_id, name FROM common.guild_ranks WHERE discord_role_id IS NOT NULL")
            )
        ).all()
    )
    rows = await session.execute(
        text(
            """
            SELECT p.id, p.display_name, du.id, coalesce(du.role_ids, '{}'), r.name, r.discord_role_id
              FROM guild_identity.players p
              JOIN guild_identity.discord_users du ON du.id = p.discord_user_id AND du.is_present
              JOIN common.guild_ranks r ON r.id = p.guild_rank_id AND r.discord_role_id IS NOT NULL
             WHERE p.is_active
             ORDER BY p.id
            """
        )
    )
    return mode or "off", mapped, rows.all()


def _direction_text(mode: str) -> str:
    return {
        "to_discord": "ranks set Discord roles: role sync will fix it",
        "to_site": "Discord roles set ranks: fix the in-game rank or the Discord roles",
    }.get(mode, "role sync is off: fix the Discord roles or the rank by hand")


async def detect_role_mismatch(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    mode, mapped, rows = await _role_rows(session, ctx)
    findings = []
    for player_id, name, discord_user_id, role_ids, rank, _wanted in rows:
        held = sorted(mapped[r] for r in role_ids if r in mapped)
        if not held or (held == [rank]):
            continue
        findings.append(
            Finding(
                key=f"player:{player_id}",
                summary=f"{name} is {rank} but holds the Discord role(s) {', '.join(held)} ({_direction_text(mode)})",
                details={"rank": rank, "held": held, "direction": mode},
                player_id=player_id,
                discord_member_id=discord_user_id,
                proposal=_role_proposal(mode),
            )
        )
    return findings


async def detect_no_guild_role(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    mode, mapped, rows = await _role_rows(session, ctx)
    return [
        Finding(
            key=f"player:{player_id}",
            summary=f"{name} is {rank} but holds no rank role in Discord ({_direction_text(mode)})",
            details={"rank": rank, "direction": mode},
            player_id=player_id,
            discord_member_id=discord_user_id,
            proposal=_role_proposal(mode),
        )
        for player_id, name, discord_user_id, role_ids, rank, _wanted in rows
        if not any(r in mapped for r in role_ids)
    ]


def _role_proposal(mode: str) -> dict[str, Any] | None:
    if mode != "to_discord":
        return None
    return {"action": "role_sync", "text": "Run the Discord role sync now"}


@needs_proposal(ROLES_BY_HAND)
async def mitigate_roles(session: AsyncSession, finding: StoredFinding, ctx: RuleContext) -> MitigationResult:
    if (finding.proposal or {}).get("action") != "role_sync":
        raise NotConfigured(ROLES_BY_HAND)
    if ctx.host is None or ctx.host.jobs.get(ROLE_SYNC_JOB) is None:
        raise NotConfigured("The Discord role sync is not available on this site.")
    from patt_host.jobs import trigger_job

    queued = await trigger_job(ctx.host, ROLE_SYNC_JOB, triggered_by=f"drift:{ctx.actor or 'auto'}")
    # Not resolved yet: the next scan after the role sync sees whether Discord agrees now.
    return MitigationResult(False, "Discord role sync started; the finding resolves once roles match", queued)


# --- stale_character ----------------------------------------------------------------------


async def detect_stale_character(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    days = int(ctx.settings.get("stale_days", 30))
    rows = await session.execute(
        text(
            """
            SELECT c.id, c.character_name, c.realm_slug, s.last_seen::date
              FROM guild_identity.wow_characters c
              CROSS JOIN LATERAL (SELECT GREATEST(to_timestamp(c.last_login_timestamp / 1000.0),
                                                  c.addon_last_seen) AS last_seen) s
             WHERE c.removed_at IS NULL AND s.last_seen < :cutoff
             ORDER BY c.id
            """
        ),
        {"cutoff": ctx.now - timedelta(days=days)},
    )
    return [
        Finding(
            key=f"character:{character_id}",
            summary=f"{_char(name, realm)} has not logged in since {last_seen.isoformat()} (more than {days} days)",
            details={"last_seen": last_seen.isoformat(), "days": days},
            wow_character_id=character_id,
        )
        for character_id, name, realm, last_seen in rows
    ]


# --- note_mismatch / link_contradicts_note ------------------------------------------------


async def _note_conflicts(session: AsyncSession, ctx: RuleContext) -> list[dict[str, Any]]:
    return await _cached(ctx, "drift:note_conflicts", lambda: _load_note_conflicts(session, ctx))


async def _load_note_conflicts(session: AsyncSession, ctx: RuleContext) -> list[dict[str, Any]]:
    """Linked characters whose guild note names someone other than their owner."""
    rows = (
        await session.execute(
            text(
                """
                SELECT c.id, c.character_name, c.realm_slug, c.guild_note, p.id, p.display_name,
                       du.username, du.display_name
                  FROM guild_identity.wow_characters c
                  JOIN guild_identity.player_characters pc ON pc.character_id = c.id
                  JOIN guild_identity.players p ON p.id = pc.player_id
                  LEFT JOIN guild_identity.discord_users du ON du.id = p.discord_user_id
                 WHERE c.removed_at IS NULL AND coalesce(c.guild_note, '') <> ''
                 ORDER BY c.id
                """
            )
        )
    ).all()
    if not rows:
        return []
    owner_keys: dict[int, set[str]] = defaultdict(set)
    owned = await session.execute(
        text(
            """
            SELECT pc.player_id, c.character_name, NULL FROM guild_identity.player_characters pc
              JOIN guild_identity.wow_characters c ON c.id = pc.character_id
            UNION ALL
            SELECT player_id, NULL, alias FROM guild_identity.player_note_aliases
            """
        )
    )
    for player_id, character_name, alias in owned:
        owner_keys[player_id].add(name_key(character_name or alias))
    index = await _player_keys(session, ctx)
    out = []
    for character_id, name, realm, note, owner_id, owner_name, username, discord_display in rows:
        key = note_key(note)
        if key is None:
            continue
        mine = set(owner_keys[owner_id])
        for full in (owner_name, username, discord_display):
            if full:
                mine.add(name_key(full))
                mine.update(name_key(w) for w in _WORDS.split(full) if w)
        if key in mine or (plural_variant(key) or "") in mine:
            continue
        key, found = _lookup(index, key)
        others = found - {owner_id}
        if owner_id in found:
            continue  # the note names the owner after all (an alias, a Discord name)
        out.append(
            {
                "character_id": character_id,
                "character": _char(name, realm),
                "note": note,
                "key": key,
                "owner_id": owner_id,
                "owner": owner_name,
                "others": sorted(others),
            }
        )
    return out


async def detect_note_mismatch(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    """The note names another known player: propose moving the character to them."""
    conflicts = [c for c in await _note_conflicts(session, ctx) if c["others"]]
    names = await _player_names(session, {p for c in conflicts for p in c["others"]})
    findings = []
    for c in conflicts:
        proposal = None
        if len(c["others"]) == 1:
            target = c["others"][0]
            proposal = {
                "action": "relink",
                "player_id": target,
                "player_name": names.get(target),
                "note_key": c["key"],
                "text": f"Move {c['character']} to {names.get(target)}",
            }
        findings.append(
            Finding(
                key=f"character:{c['character_id']}",
                summary=f'{c["character"]} belongs to {c["owner"]} but its guild note "{c["note"]}" names '
                + ", ".join(names.get(p, "?") for p in c["others"]),
                details={"note": c["note"], "owner_id": c["owner_id"], "named": c["others"]},
                wow_character_id=c["character_id"],
                player_id=c["owner_id"],
                proposal=proposal,
            )
        )
    return findings


async def detect_link_contradicts_note(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    """The note names nobody we know, and not the owner: propose the key as the owner's alias."""
    return [
        Finding(
            key=f"character:{c['character_id']}",
            summary=f'{c["character"]} belongs to {c["owner"]} but its guild note "{c["note"]}" does not name them',
            details={"note": c["note"], "owner_id": c["owner_id"]},
            wow_character_id=c["character_id"],
            player_id=c["owner_id"],
            proposal={
                "action": "alias",
                "player_id": c["owner_id"],
                "player_name": c["owner"],
                "note_key": c["key"],
                "text": f'Record "{c["key"]}" as an alias of {c["owner"]}',
            },
        )
        for c in await _note_conflicts(session, ctx)
        if not c["others"]
    ]


@needs_proposal(MOVE_BY_HAND)
async def mitigate_note(session: AsyncSession, finding: StoredFinding, ctx: RuleContext) -> MitigationResult:
    proposal = finding.proposal or {}
    action = proposal.get("action")
    if action == "relink":
        await link_character(
            session,
            player_id=proposal["player_id"],
            character_id=finding.wow_character_id,
            link_source="note_key",
            confidence="confirmed",
        )
        await add_note_alias(
            session, player_id=proposal["player_id"], alias=proposal["note_key"], source="drift"
        )
        return MitigationResult(
            True,
            f"Moved the character to {proposal.get('player_name')}",
            {"character_id": finding.wow_character_id, "player_id": proposal["player_id"]},
        )
    if action == "alias":
        await add_note_alias(
            session, player_id=proposal["player_id"], alias=proposal["note_key"], source="drift"
        )
        return MitigationResult(
            True,
            f'Recorded "{proposal["note_key"]}" as an alias of {proposal.get("player_name")}',
            {"player_id": proposal["player_id"], "alias": proposal["note_key"]},
        )
    raise Conflict(MOVE_BY_HAND)


# --- duplicate_discord / stale_discord_link -----------------------------------------------


async def detect_duplicate_discord(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    """A player without Discord named like the Discord account another player is linked to:
    probably one person with two player records (the original's version could not fire:
    ``players.discord_user_id`` is unique)."""
    rows = await session.execute(
        text(
            """
            SELECT DISTINCT ON (p.id) p.id, p.display_name, q.id, q.display_name, du.id, du.username
              FROM guild_identity.players p
              JOIN guild_identity.discord_users du
                ON lower(p.display_name) IN (lower(du.username), lower(coalesce(du.display_name, '')))
              JOIN guild_identity.players q ON q.discord_user_id = du.id AND q.is_active AND q.id <> p.id
             WHERE p.is_active AND p.discord_user_id IS NULL
             ORDER BY p.id, q.id
            """
        )
    )
    return [
        Finding(
            key=f"player:{player_id}",
            summary=f"{name} has no Discord link, but the Discord account {username} belongs to {other}: "
            "one person with two player records?",
            details={"other_player_id": other_id, "discord_user_id": discord_user_id},
            player_id=player_id,
            discord_member_id=discord_user_id,
        )
        for player_id, name, other_id, other, discord_user_id, username in rows
    ]


async def detect_stale_discord_link(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    rows = await session.execute(
        text(
            """
            SELECT p.id, p.display_name, du.id, du.username
              FROM guild_identity.players p
              JOIN guild_identity.discord_users du ON du.id = p.discord_user_id
             WHERE p.is_active AND NOT du.is_present
             ORDER BY p.id
            """
        )
    )
    return [
        Finding(
            key=f"player:{player_id}",
            summary=f"{name} is linked to the Discord account {username}, which left the server",
            details={"discord_user_id": discord_user_id},
            player_id=player_id,
            discord_member_id=discord_user_id,
            proposal={"action": "unlink_discord", "text": f"Unlink {username} from {name}"},
        )
        for player_id, name, discord_user_id, username in rows
    ]


async def mitigate_stale_discord_link(
    session: AsyncSession, finding: StoredFinding, ctx: RuleContext
) -> MitigationResult:
    player = await session.get(Player, finding.player_id)
    if player is None or player.discord_user_id != finding.discord_member_id:
        raise Conflict("The player's Discord link changed since the scan; scan again.")
    await link_discord(session, player_id=finding.player_id, discord_user_id=None)
    return MitigationResult(True, "Unlinked the departed Discord account", {"player_id": finding.player_id})


# --- blizzard_missing / removed_main ------------------------------------------------------


async def detect_blizzard_missing(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    # guild_sync's table, read by name: drift uses guild_sync when present, never imports it.
    rows = await session.execute(
        text(
            """
            SELECT c.id, c.character_name, c.realm_slug
              FROM guild_identity.character_sync_state s
              JOIN guild_identity.wow_characters c ON c.id = s.character_id
             WHERE s.profile_status = 'unavailable' AND c.removed_at IS NULL
             ORDER BY c.id
            """
        )
    )
    return [
        Finding(
            key=f"character:{character_id}",
            summary=f"Blizzard answers 404 for {_char(name, realm)} (renamed, transferred or deleted?)",
            details={"character": _char(name, realm)},
            wow_character_id=character_id,
        )
        for character_id, name, realm in rows
    ]


async def detect_removed_main(session: AsyncSession, ctx: RuleContext) -> list[Finding]:
    rows = await session.execute(
        text(
            """
            SELECT p.id, p.display_name, c.id, c.character_name, c.realm_slug,
                   CASE WHEN c.id = p.main_character_id THEN 'main' ELSE 'offspec' END
              FROM guild_identity.players p
              JOIN guild_identity.wow_characters c
                ON c.id IN (p.main_character_id, p.offspec_character_id) AND c.removed_at IS NOT NULL
             WHERE p.is_active
             ORDER BY p.id, c.id
            """
        )
    )
    return [
        Finding(
            key=f"player:{player_id}:{which}",
            summary=f"{name}'s {which} {_char(cname, realm)} is no longer in the guild",
            details={"character_id": character_id, "which": which},
            player_id=player_id,
            wow_character_id=character_id,
            proposal={"action": "clear_pointer", "text": f"Clear {name}'s {which} character"},
        )
        for player_id, name, character_id, cname, realm, which in rows
    ]


async def mitigate_removed_main(
    session: AsyncSession, finding: StoredFinding, ctx: RuleContext
) -> MitigationResult:
    player = await session.get(Player, finding.player_id)
    which = finding.details.get("which")
    character_id = finding.details.get("character_id")
    if player is None:
        raise Conflict("The player no longer exists.")
    if which == "main" and player.main_character_id == character_id:
        player.main_character_id = None
        player.main_spec_id = None
    elif which == "offspec" and player.offspec_character_id == character_id:
        player.offspec_character_id = None
        player.offspec_spec_id = None
    else:
        return MitigationResult(True, f"The {which} had already changed", {})
    await session.flush()
    return MitigationResult(True, f"Cleared {player.display_name}'s {which} character", {which: None})


def builtin_rules(plugins: frozenset[str] | set[str]) -> list[DataQualityRule]:
    rules = [
        DataQualityRule(
            "orphan_wow",
            "Unlinked character",
            "warning",
            "A character in the guild that no player owns.",
            detect_orphan_wow,
            "the character is linked to a player, or leaves the guild",
            mitigate=mitigate_orphan_wow,
            policy="confirm",
            mitigation_label="Link",
        ),
        DataQualityRule(
            "orphan_discord",
            "Unlinked Discord member",
            "warning",
            "A Discord member holding a rank role but linked to no player.",
            detect_orphan_discord,
            "a player is linked to the member, the member loses the role or leaves",
            mitigate=mitigate_orphan_discord,
            policy="confirm",
            mitigation_label="Create player",
        ),
        DataQualityRule(
            "role_mismatch",
            "Rank and Discord role disagree",
            "warning",
            "A linked member's rank roles in Discord are not exactly the role of their rank.",
            detect_role_mismatch,
            "the member holds exactly their rank's role (or their rank changes to match)",
            mitigate=mitigate_roles,
            policy="confirm",
            mitigation_label="Run role sync",
        ),
        DataQualityRule(
            "no_guild_role",
            "No rank role in Discord",
            "warning",
            "A linked, ranked member holds none of the rank roles in Discord.",
            detect_no_guild_role,
            "the member gets a rank role, leaves Discord, or is unlinked",
            mitigate=mitigate_roles,
            policy="confirm",
            mitigation_label="Run role sync",
        ),
        DataQualityRule(
            "stale_character",
            "Inactive character",
            "info",
            "No login (Blizzard) and no addon sighting for the configured number of days.",
            detect_stale_character,
            "the character is seen again, or leaves the guild",
        ),
        DataQualityRule(
            "note_mismatch",
            "Guild note names another player",
            "warning",
            "A linked character's guild note names a different known player than its owner.",
            detect_note_mismatch,
            "the note or the link changes so that they agree",
            mitigate=mitigate_note,
            policy="confirm",
            mitigation_label="Move character",
        ),
        DataQualityRule(
            "link_contradicts_note",
            "Guild note does not name the owner",
            "info",
            "A linked character's guild note names someone unknown instead of its owner.",
            detect_link_contradicts_note,
            "the note changes, or the name becomes a known alias of the owner",
            mitigate=mitigate_note,
            policy="confirm",
            mitigation_label="Add alias",
        ),
        DataQualityRule(
            "duplicate_discord",
            "Possible duplicate player",
            "warning",
            "A player without Discord is named like the Discord account of another player.",
            detect_duplicate_discord,
            "one of the players is renamed, linked to Discord or deactivated",
        ),
        DataQualityRule(
            "stale_discord_link",
            "Discord account left",
            "info",
            "An active player is linked to a Discord account that left the server.",
            detect_stale_discord_link,
            "the account rejoins, or the player is unlinked or deactivated",
            mitigate=mitigate_stale_discord_link,
            policy="confirm",
            mitigation_label="Unlink",
        ),
        DataQualityRule(
            "removed_main",
            "Departed main character",
            "warning",
            "A player's main or offspec character has left the guild.",
            detect_removed_main,
            "the player picks another main, or the character returns",
            mitigate=mitigate_removed_main,
            policy="auto",
            mitigation_label="Clear",
        ),
    ]
    if "guild_sync" in plugins:
        rules.insert(
            -1,
            DataQualityRule(
                "blizzard_missing",
                "Missing at Blizzard",
                "warning",
                "Blizzard answers 404 for a character still in the guild roster.",
                detect_blizzard_missing,
                "Blizzard returns the profile again, or the character leaves the guild",
            ),
        )
    return rules
