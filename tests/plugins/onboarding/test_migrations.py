"""Migration onboarding_0002: sessions an officer dismissed (recorded as "manually_resolved"
before) become "dismissed", history included; resolved ones stay; the downgrade undoes it."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host import dbmigrate

GI = "guild_identity"


async def run(url: str, *statements: str) -> list[list[tuple]]:
    """Run the statements in one transaction; the rows of each (none for a write)."""
    engine = create_async_engine(url)
    results = []
    try:
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                results.append(list(result.all()) if result.returns_rows else [])
    finally:
        await engine.dispose()
    return results


async def history(url: str) -> dict[str, tuple[str, list[tuple]]]:
    """discord id -> (state, [(from, to), ...])."""
    sessions, steps = await run(
        url,
        f"SELECT id, discord_id, state FROM {GI}.onboarding_sessions ORDER BY id",
        f"SELECT session_id, from_state, to_state FROM {GI}.onboarding_transitions ORDER BY id",
    )
    return {
        discord_id: (state, [(f, t) for sid, f, t in steps if sid == session_id])
        for session_id, discord_id, state in sessions
    }


async def test_dismissed_sessions_get_their_own_state(make_host, scratch_database):
    host = make_host(database_url=scratch_database)
    await asyncio.to_thread(dbmigrate.upgrade, host, scratch_database)
    await asyncio.to_thread(dbmigrate.downgrade, host, scratch_database, "onboarding_0001")
    rows = [
        # (discord id, state, [(from, to, cause), ...])
        ("910000000000000001", "manually_resolved", [(None, "awaiting_dm", "joined"), ("awaiting_dm", "manually_resolved", "dismissed by Olga")]),
        ("910000000000000002", "manually_resolved", [(None, "awaiting_dm", "joined"), ("awaiting_dm", "verified", "verified by Olga"), ("verified", "manually_resolved", "resolved by Olga")]),
        # Dismissed, then rejoined: open again, its history starting from the dismissal.
        ("910000000000000003", "awaiting_dm", [(None, "awaiting_dm", "joined"), ("awaiting_dm", "manually_resolved", "dismissed by Olga"), ("manually_resolved", "awaiting_dm", "joined again")]),
    ]  # fmt: skip
    statements = []
    for n, (discord_id, state, steps) in enumerate(rows, start=1):
        statements += [
            f"INSERT INTO {GI}.discord_users (id, discord_id, username) VALUES ({n}, '{discord_id}', 'u{n}')",
            f"INSERT INTO {GI}.onboarding_sessions (id, discord_member_id, discord_id, state) "
            f"VALUES ({n}, {n}, '{discord_id}', '{state}')",
        ]
        statements += [
            f"INSERT INTO {GI}.onboarding_transitions (session_id, from_state, to_state, cause) VALUES "
            f"({n}, {'NULL' if f is None else repr(f)}, '{t}', '{cause}')"
            for f, t, cause in steps
        ]
    await run(scratch_database, *statements)
    before = await history(scratch_database)
    assert [state for state, _ in before.values()] == [
        "manually_resolved",
        "manually_resolved",
        "awaiting_dm",
    ]

    await asyncio.to_thread(dbmigrate.upgrade, host, scratch_database)
    after = await history(scratch_database)
    assert after["910000000000000001"] == ("dismissed", [(None, "awaiting_dm"), ("awaiting_dm", "dismissed")])
    assert after["910000000000000002"] == before["910000000000000002"]  # resolved: unchanged
    assert after["910000000000000003"] == (
        "awaiting_dm",
        [(None, "awaiting_dm"), ("awaiting_dm", "dismissed"), ("dismissed", "awaiting_dm")],
    )

    await asyncio.to_thread(dbmigrate.downgrade, host, scratch_database, "onboarding_0001")
    assert await history(scratch_database) == before
