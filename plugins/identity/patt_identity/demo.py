"""Demo data for ``patt demo``: a made-up guild of ~40 players, their characters across
every class and spec, some Discord users (a few unlinked, for matching to suggest), and
an officer account.

The officer's password is random, generated per run and printed by ``patt demo``; only
its bcrypt hash is stored. Seeding is idempotent: the guild is created once (marked by
``players.notes``), later runs only give the officer a fresh password, after repairing the
officer if needed (recreated when they deleted their own data), so the printed login works.

Each run also gives a member without an account a real invite code (the invite service's,
``generated_by="demo"``), printed as the member login: the visitor registers as that member
at ``/register``. The demo's bot DMs the same code to that member (patt_host's Discord demo).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.auth.passwords import hash_password_async
from sv_common.auth.service import create_invite, register_with_invite, revoke_all_tokens
from sv_common.identity import players as player_service
from sv_common.identity.characters import find_character, upsert_character
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import (
    DiscordUser,
    Player,
    PlayerCharacter,
    Specialization,
    User,
    WowClass,
)
from sv_common.identity.ranks import recompute_for_characters

if TYPE_CHECKING:
    from patt_host import HostAPI


DEMO_MARKER = "demo guild (patt demo)"
OFFICER_USERNAME = "officer"
DEMO_INVITE = "demo"  # invite_codes.generated_by of the demo's invites
PLAYER_COUNT = 40
NEWCOMERS = 4  # unlinked characters + Discord users, for the matching page
# In-game rank index of each player, cycling (0 = guild master ... 4 = initiate).
RANK_PATTERN = (3, 3, 2, 4, 3, 2, 3, 4, 3, 2)
_FIRST = (
    "Ael",
    "Bran",
    "Cor",
    "Dar",
    "Eld",
    "Fen",
    "Gor",
    "Hal",
    "Ith",
    "Jor",
    "Kael",
    "Lor",
    "Mor",
    "Nyx",
    "Or",
    "Pyr",
    "Quel",
    "Ryn",
    "Syl",
    "Thal",
    "Ul",
    "Vor",
    "Wyn",
    "Xan",
    "Yor",
    "Zar",
)
_LAST = (
    "adris",
    "bane",
    "cor",
    "dorn",
    "eth",
    "fira",
    "gan",
    "hild",
    "ia",
    "jin",
    "kor",
    "lyn",
    "mir",
    "nor",
    "os",
    "pria",
    "quin",
    "ra",
    "sus",
    "tha",
    "urn",
    "vek",
    "wen",
    "xis",
    "ya",
    "zel",
)


def _names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(_FIRST) + rng.choice(_LAST)
        if name not in names:
            names.append(name)
    return names


async def _specs(session: AsyncSession) -> dict[int, list[int]]:
    specs: dict[int, list[int]] = {}
    for spec in await session.scalars(select(Specialization).order_by(Specialization.id)):
        specs.setdefault(spec.class_id, []).append(spec.id)
    return specs


@dataclass(frozen=True)
class DemoCharacter:
    """A character of the demo guild (``class_id``/``spec_id`` are our reference ids)."""

    name: str
    class_id: int
    spec_id: int
    rank_index: int
    item_level: int
    note: str


@dataclass(frozen=True)
class DemoPlayer:
    name: str
    discord_index: int | None  # None: no Discord account
    characters: tuple[DemoCharacter, ...]  # the first is the main


@dataclass(frozen=True)
class DemoPlan:
    players: tuple[DemoPlayer, ...]
    newcomers: tuple[DemoCharacter, ...]  # unlinked, their notes name an unlinked Discord user

    def characters(self) -> list[DemoCharacter]:
        return [c for p in self.players for c in p.characters] + list(self.newcomers)


async def demo_plan(session: AsyncSession) -> DemoPlan:
    """The demo guild, the same every time: ~40 players, their characters, newcomers.

    Public so a plugin that brings characters in another way (guild sync through a fake
    Battle.net) can build the same guild; then :func:`link_demo_characters` links them.
    """
    rng = random.Random(20_24)
    class_ids = list(await session.scalars(select(WowClass.id).order_by(WowClass.id)))
    specs = await _specs(session)
    # One pool of distinct names: players' mains, then alts, then newcomers.
    pool = _names(rng, PLAYER_COUNT * 4 + NEWCOMERS)
    player_names, newcomer_names = pool[:PLAYER_COUNT], pool[-NEWCOMERS:]
    alt_names = iter(pool[PLAYER_COUNT:-NEWCOMERS])
    spec_cycle = [(class_id, spec_id) for class_id in class_ids for spec_id in specs.get(class_id, [])]
    players = []
    for index, name in enumerate(player_names):
        main_class, main_spec = spec_cycle[index % len(spec_cycle)]
        rank_index = 0 if index == 0 else (1 if index == 1 else RANK_PATTERN[index % len(RANK_PATTERN)])
        characters = [
            DemoCharacter(name, main_class, main_spec, rank_index, rng.randint(600, 660), f"{name} main")
        ]
        for _ in range(rng.randint(0, 3)):
            alt_class = rng.choice(class_ids)
            characters.append(
                DemoCharacter(
                    next(alt_names),
                    alt_class,
                    rng.choice(specs[alt_class]),
                    rank_index,
                    rng.randint(600, 660),
                    f"{name}'s alt",
                )
            )
        players.append(DemoPlayer(name, index if index % 3 != 2 else None, tuple(characters)))
    newcomers = []
    for index, name in enumerate(newcomer_names):
        class_id = class_ids[index % len(class_ids)]
        newcomers.append(DemoCharacter(f"{name}ling", class_id, specs[class_id][0], 4, 620, f"{name} alt"))
    return DemoPlan(tuple(players), tuple(newcomers))


async def _seed_people(session: AsyncSession, plan: DemoPlan) -> dict[str, int]:
    """Players and Discord users (two in three players linked; newcomers' accounts unlinked)."""
    counts = {"players": 0, "discord_users": 0}
    for player in plan.players:
        discord_id = None
        if player.discord_index is not None:
            user, _changes = await upsert_discord_user(
                session,
                discord_id=str(900_000_000_000_000_000 + player.discord_index),
                username=player.name.lower(),
                display_name=player.name,
                role_ids=[],
            )
            discord_id = user.id
            counts["discord_users"] += 1
        await player_service.create_player(
            session, display_name=player.name, discord_user_id=discord_id, notes=DEMO_MARKER
        )
        counts["players"] += 1
    for index, newcomer in enumerate(plan.newcomers):
        name = newcomer.name.removesuffix("ling")
        await upsert_discord_user(
            session,
            discord_id=str(910_000_000_000_000_000 + index),
            username=name.lower(),
            display_name=name,
            role_ids=[],
        )
        counts["discord_users"] += 1
    return counts


async def link_demo_characters(session: AsyncSession, plan: DemoPlan, realm: str) -> int:
    """Link the plan's existing characters to their demo players (mains, offspecs, ranks)."""
    owners = {
        p.display_name: p.id for p in await session.scalars(select(Player).where(Player.notes == DEMO_MARKER))
    }
    linked = 0
    for planned in plan.players:
        player_id = owners.get(planned.name)
        if player_id is not None:
            linked += await _link_planned(session, player_id, planned, realm)
    return linked


async def _link_planned(session: AsyncSession, player_id: int, planned: DemoPlayer, realm: str) -> int:
    """Link one demo player's planned characters that exist (none yet: guild sync brings them)."""
    rows = [await find_character(session, name=c.name, realm_slug=realm) for c in planned.characters]
    rows = [r for r in rows if r is not None]
    if not rows:
        return 0
    for row in rows:
        await player_service.link_character(session, player_id=player_id, character_id=row.id)
    await player_service.set_main_and_offspec(
        session,
        player_id=player_id,
        main_character_id=rows[0].id,
        main_spec_id=planned.characters[0].spec_id,
        offspec_character_id=rows[1].id if len(rows) > 1 else None,
    )
    await recompute_for_characters(session, [r.id for r in rows])
    return len(rows)


async def _seed_guild(session: AsyncSession, realm: str, *, with_characters: bool) -> dict[str, int]:
    plan = await demo_plan(session)
    counts = await _seed_people(session, plan)
    counts["characters"] = 0
    if with_characters:
        for character in plan.characters():
            await _character(session, character, realm)
        counts["characters"] = await link_demo_characters(session, plan, realm) + len(plan.newcomers)
    return counts


async def _character(session: AsyncSession, character: DemoCharacter, realm: str):
    row, _created = await upsert_character(
        session,
        name=character.name,
        realm_slug=realm,
        class_id=character.class_id,
        active_spec_id=character.spec_id,
        level=80,
        item_level=character.item_level,
        wow_rank_index=character.rank_index,
        guild_note=character.note,
    )
    return row


async def _officer_player(session: AsyncSession, plan: DemoPlan, realm: str) -> Player:
    """The demo's officer: the plan's second player (in-game officer rank, index 1).

    If it is gone (the officer deleted their own data: the player was anonymised and lost its
    characters), it is created again and given its characters back, so the printed login is
    an officer's login again.
    """
    planned = plan.players[1]
    player = await session.scalar(
        select(Player).where(
            Player.notes == DEMO_MARKER, Player.display_name == planned.name, Player.is_active.is_(True)
        )
    )
    if player is None:
        player = await player_service.create_player(session, display_name=planned.name, notes=DEMO_MARKER)
    linked = await session.scalar(
        select(func.count()).select_from(PlayerCharacter).where(PlayerCharacter.player_id == player.id)
    )
    if not linked:
        await _link_planned(session, player.id, planned, realm)
    return player


async def _officer_login(session: AsyncSession, officer: Player, password: str) -> str:
    """Give the officer player the ``officer`` login with ``password``: created on the first run
    (or after the officer deleted their account), otherwise a new password, re-attached to the
    officer player if it was moved, and every earlier session ended."""
    user = await session.scalar(select(User).where(User.email == OFFICER_USERNAME))
    if user is None:
        officer.website_user_id = None  # an account someone else made for this player stays theirs
        await session.flush()
        invite = await create_invite(session, player_id=officer.id, generated_by="demo")
        await register_with_invite(session, code=invite.code, username=OFFICER_USERNAME, password=password)
        return OFFICER_USERNAME
    if officer.website_user_id != user.id:
        holder = await player_service.player_for_website_user(session, user.id)
        if holder is not None:
            holder.website_user_id = None
        officer.website_user_id = None
        await session.flush()
        officer.website_user_id = user.id
    user.password_hash = await hash_password_async(password)
    user.is_active = True
    await revoke_all_tokens(session, user=user)
    return OFFICER_USERNAME


async def _member_invite(session: AsyncSession, plan: DemoPlan) -> tuple[str, str] | None:
    """A fresh invite for the first planned Member (in-game rank index 3) with a Discord account
    on the server and no website account yet (the next one once that one registered):
    ``(player name, code)``, or None when none is left. Issuing replaces the player's earlier
    unused code, so only the printed one works. (Ranks come from the characters, which guild
    sync may bring later: the plan says who will be a Member.)"""
    names = [
        p.name for p in plan.players[2:] if p.discord_index is not None and p.characters[0].rank_index == 3
    ]
    candidates = (
        await session.scalars(
            select(Player)
            .join(DiscordUser, DiscordUser.id == Player.discord_user_id)
            .where(
                Player.notes == DEMO_MARKER,
                Player.is_active.is_(True),
                Player.website_user_id.is_(None),
                Player.display_name.in_(names),
                DiscordUser.is_present.is_(True),
            )
        )
    ).all()
    if not candidates:
        return None
    player = min(candidates, key=lambda p: names.index(p.display_name))
    invite = await create_invite(session, player_id=player.id, generated_by=DEMO_INVITE)
    return player.display_name, invite.code


def demo_realm(host: HostAPI) -> str:
    return str(host.site.config.get("realm_slug") or "demo-realm")


async def _demo_players(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Player).where(Player.notes == DEMO_MARKER))


async def seed_demo_guild(session: AsyncSession, host: HostAPI) -> str:
    """Seed the demo guild. With guild_sync enabled its characters come through the sync
    (guild_sync's demo hook runs next and links them), so only people are created here."""
    realm = demo_realm(host)
    seeded = await _demo_players(session)
    with_characters = not host.has_plugin("guild_sync")
    counts = None if seeded else await _seed_guild(session, realm, with_characters=with_characters)
    plan = await demo_plan(session)
    officer = await _officer_player(session, plan, realm)
    password = secrets.token_urlsafe(12)
    username = await _officer_login(session, officer, password)
    if counts:
        characters = f"{counts['characters']} characters" if with_characters else "characters via guild sync"
        what = f"{counts['players']} players, {characters}, {counts['discord_users']} Discord users"
    else:  # a later run (counts is None): nothing was created but a deleted officer
        what = f"demo guild already present ({await _demo_players(session)} players)"
    # The logins on lines of their own (``patt demo`` prints them apart); the officer's last.
    lines = [what]
    invite = await _member_invite(session, plan)
    if invite is not None:
        lines.append(f"member login: register at /register with invite code {invite[1]} (as {invite[0]})")
    lines.append(f"officer login: {username} / {password}")
    return "\n".join(lines)
