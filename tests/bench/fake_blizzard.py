"""The fake Battle.net in its own process for the sync benchmarks, guild_sync's settings pointed at it."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx


@contextlib.contextmanager
def fake_battlenet_process(
    monkeypatch, realm: str, guild: str, characters: int, *, recipes: int | None = None
) -> Iterator[str]:
    """Serve a generated guild (``recipes``: with professions from a catalogue of that many)
    in another process, like Blizzard: its clock and its count of requests per second are not
    slowed down by the client's work. Yields the base URL."""
    client_id = f"bench-{time.monotonic_ns()}"
    args = [realm, guild, str(characters), "0", client_id] + ([str(recipes)] if recipes else [])
    fake = subprocess.Popen(
        [sys.executable, "-m", "sv_common.testing.fake_battlenet", *args], stdout=subprocess.PIPE, text=True
    )
    base = fake.stdout.readline().strip()
    try:
        for key, value in {
            "BLIZZARD_CLIENT_ID": client_id,
            "BLIZZARD_CLIENT_SECRET": "fake-client-secret",
            "BLIZZARD_API_URL": base,
            "BLIZZARD_OAUTH_URL": base + "/oauth/token",
            "PATT_GUILD_REALM_SLUG": realm,
            "PATT_GUILD_NAME_SLUG": guild,
        }.items():
            monkeypatch.setenv(key, value)
        yield base
    finally:
        fake.terminate()
        fake.wait()


def fake_stats(base: str) -> dict:
    """What the fake saw since its last reset (requests, most in any second, 429s, 304s)."""
    return httpx.get(base + "/_fake/stats").json()


def reset_stats(base: str) -> None:
    httpx.post(base + "/_fake/reset")
