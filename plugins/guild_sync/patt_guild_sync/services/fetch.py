"""Fetching the members' profiles from Blizzard: concurrently, paced by the client's shared rate
limit, with ``If-Modified-Since`` from the last sync so an unchanged character costs a 304."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from patt_guild_sync.models import CharacterSyncState
from sv_common.blizzard import BlizzardClient, CharacterProfile, FetchResult, Outcome
from sv_common.blizzard.parsing import RosterMember
from sv_common.identity.models import WowCharacter

if TYPE_CHECKING:
    from patt_host import HostAPI

ProgressFn = Callable[[int, int], Any]


async def known_state(host: HostAPI) -> dict[int | tuple[str, str], str | None]:
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
