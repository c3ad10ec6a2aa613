"""Fixtures shared by the plugin tests: the fake Battle.net and guild_sync's settings pointed at it.

A test folder that uses them names its guild with ``blizzard_guild`` and may change
``blizzard_retries``."""

from __future__ import annotations

import pytest

from sv_common.testing.fake_battlenet import FakeBattleNet


@pytest.fixture
async def battlenet():
    fake = FakeBattleNet()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def blizzard_guild() -> tuple[str, str]:
    """(realm slug, guild slug) of the folder's test guild."""
    return "test-realm", "test-guild"


@pytest.fixture
def blizzard_retries() -> int:
    return 4  # tests keep retries quick; the logic is the same


@pytest.fixture
def blizzard_env(monkeypatch, battlenet, blizzard_guild, blizzard_retries):
    """Point guild_sync's settings at the fake server (as an operator's env would)."""
    realm, guild = blizzard_guild
    values = {
        "BLIZZARD_CLIENT_ID": battlenet.client_id,
        "BLIZZARD_CLIENT_SECRET": battlenet.client_secret,
        "BLIZZARD_REGION": "eu",
        "PATT_GUILD_REALM_SLUG": realm,
        "PATT_GUILD_NAME_SLUG": guild,
        "BLIZZARD_API_URL": battlenet.base_url,
        "BLIZZARD_OAUTH_URL": battlenet.oauth_url,
        "PATT_GUILD_SYNC_MAX_RETRIES": str(blizzard_retries),
        "PATT_GUILD_SYNC_REQUEST_TIMEOUT_SECONDS": "1.0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values
