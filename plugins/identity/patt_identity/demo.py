"""Demo data for ``patt demo``: a made-up guild of ~40 players, their characters across
every class and spec, some Discord users (a few unlinked, for matching to suggest), and
an officer account.

The officer's password is random, generated per run and printed by ``patt demo``; only
its bcrypt hash is stored. Seeding is idempotent: the guild is created once (marked by
``players.notes``), later runs only give the officer a fresh password.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.auth.passwords import hash_password_async
from sv_common.auth.service import create_invite, register_with_invite, revoke_all_tokens
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import Player, Specialization, User, WowClass
from sv_common.identity.ranks import recompute_for_characters

DEMO_MARKER = "demo guild (patt demo)"
OFFICER_USERNAME = "officer"
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


async def _seed_guild(session: AsyncSession, realm: str) -> dict[str, int]:
    rng = random.Random(20_24)  # the same demo guild every time
    class_ids = list(await session.scalars(select(WowClass.id).order_by(WowClass.id)))
    specs = await _specs(session)
    # One pool of distinct names: players' mains, then alts, then newcomers.
    pool = _names(rng, PLAYER_COUNT * 4 + NEWCOMERS)
    player_names, newcomer_names = pool[:PLAYER_COUNT], pool[-NEWCOMERS:]
    alt_names = iter(pool[PLAYER_COUNT:-NEWCOMERS])
    counts = {"players": 0, "characters": 0, "discord_users": 0}
    spec_cycle = [(class_id, spec_id) for class_id in class_ids for spec_id in specs.get(class_id, [])]
    for index, name in enumerate(player_names):
        discord_id = None
        if index % 3 != 2:  # two in three players have a linked Discord account
            user, _changes = await upsert_discord_user(
                session,
                discord_id=str(900_000_000_000_000_000 + index),
                username=name.lower(),
                display_name=name,
                role_ids=[],
            )
            discord_id = user.id
            counts["discord_users"] += 1
        player = await player_service.create_player(
            session, display_name=name, discord_user_id=discord_id, notes=DEMO_MARKER
        )
        counts["players"] += 1
        main_class, main_spec = spec_cycle[index % len(spec_cycle)]
        rank_index = 0 if index == 0 else (1 if index == 1 else RANK_PATTERN[index % len(RANK_PATTERN)])
        main = await _character(
            session, name, realm, main_class, main_spec, rank_index, rng, note=f"{name} main"
        )
        characters = [main]
        for _ in range(rng.randint(0, 3)):
            alt_class = rng.choice(class_ids)
            alt = await _character(
                session,
                next(alt_names),
                realm,
                alt_class,
                rng.choice(specs[alt_class]),
                rank_index,
                rng,
                note=f"{name}'s alt",
            )
            characters.append(alt)
        for character in characters:
            await player_service.link_character(session, player_id=player.id, character_id=character.id)
        counts["characters"] += len(characters)
        await player_service.set_main_and_offspec(
            session,
            player_id=player.id,
            main_character_id=main.id,
            main_spec_id=main_spec,
            offspec_character_id=characters[1].id if len(characters) > 1 else None,
        )
        await recompute_for_characters(session, [c.id for c in characters])
    # Unlinked newcomers for the matching suggestions: a character whose note names a
    # Discord user nobody has linked yet.
    for index, name in enumerate(newcomer_names):
        await upsert_discord_user(
            session,
            discord_id=str(910_000_000_000_000_000 + index),
            username=name.lower(),
            display_name=name,
            role_ids=[],
        )
        class_id = class_ids[index % len(class_ids)]
        await _character(
            session, f"{name}ling", realm, class_id, specs[class_id][0], 4, rng, note=f"{name} alt"
        )
        counts["discord_users"] += 1
        counts["characters"] += 1
    return counts


async def _character(session, name, realm, class_id, spec_id, rank_index, rng, *, note):
    character, _created = await upsert_character(
        session,
        name=name,
        realm_slug=realm,
        class_id=class_id,
        active_spec_id=spec_id,
        level=80,
        item_level=rng.randint(600, 660),
        wow_rank_index=rank_index,
        guild_note=note,
    )
    return character


async def _officer_login(session: AsyncSession, password: str) -> str:
    """Create the officer's account on the first run; later runs set a new password."""
    user = await session.scalar(select(User).where(User.email == OFFICER_USERNAME))
    if user is not None:
        user.password_hash = await hash_password_async(password)
        user.is_active = True
        await revoke_all_tokens(session, user=user)
        return OFFICER_USERNAME
    # The second demo player holds the in-game officer rank (index 1).
    officer = await session.scalar(
        select(Player).where(Player.notes == DEMO_MARKER).order_by(Player.id).offset(1).limit(1)
    )
    invite = await create_invite(session, player_id=officer.id, generated_by="demo")
    await register_with_invite(session, code=invite.code, username=OFFICER_USERNAME, password=password)
    return OFFICER_USERNAME


async def seed_demo_guild(session: AsyncSession, host: Any) -> str:
    realm = str(host.site.config.get("realm_slug") or "demo-realm")
    seeded = await session.scalar(select(func.count()).select_from(Player).where(Player.notes == DEMO_MARKER))
    counts = None if seeded else await _seed_guild(session, realm)
    password = secrets.token_urlsafe(12)
    username = await _officer_login(session, password)
    what = (
        f"{counts['players']} players, {counts['characters']} characters, {counts['discord_users']} Discord users"
        if counts
        else f"demo guild already present ({seeded} players)"
    )
    return f"{what}; officer login: {username} / {password}"
