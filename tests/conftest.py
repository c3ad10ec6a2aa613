"""Suite-wide setup: the test-only plugins join the migrated schema; the fake Battle.net with
guild_sync's settings pointed at it (plugin and browser tests alike).

A test folder or module that uses the Blizzard fixtures names its guild with
``blizzard_guild`` and may change ``blizzard_retries`` / ``blizzard_request_timeout``."""

import sys
from pathlib import Path

import pytest

# Test-only plugin packages live beside their tests (e.g. tests/host/patt_sample).
sys.path.insert(0, str(Path(__file__).parent / "host"))


@pytest.fixture(scope="session")
def patt_test_plugins():
    from patt_sample import SamplePlugin

    return [SamplePlugin]


# --- the fake Battle.net ----------------------------------------------------------------------


@pytest.fixture
async def battlenet():
    from sv_common.testing.fake_battlenet import FakeBattleNet

    fake = FakeBattleNet()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def blizzard_guild() -> tuple[str, str]:
    """(realm slug, guild slug) of the test guild."""
    return "test-realm", "test-guild"


@pytest.fixture
def blizzard_retries() -> int:
    return 4  # tests keep retries quick; the logic is the same


@pytest.fixture
def blizzard_request_timeout() -> float:
    return 1.0


@pytest.fixture
def blizzard_env(monkeypatch, battlenet, blizzard_guild, blizzard_retries, blizzard_request_timeout):
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
        "PATT_GUILD_SYNC_REQUEST_TIMEOUT_SECONDS": str(blizzard_request_timeout),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def raid_helper_env(monkeypatch):
    """``raid_helper_env(fake, leader_id, **more)``: point the raids plugin's Raid-Helper connector
    at a ``FakeRaidHelper`` (as an operator's env would; before the host is made). ``more`` adds or
    overrides variables by their suffix (``TIMEZONE="Europe/Paris"``, ``API_KEY=""``)."""

    def apply(fake, leader_id: str, **more: str) -> dict[str, str]:
        values = {
            "API_KEY": fake.api_key,
            "SERVER_ID": fake.server_id,
            "LEADER_ID": leader_id,
            "BASE_URL": fake.base_url,
            **more,
        }
        for key, value in values.items():
            monkeypatch.setenv(f"PATT_RAIDS_RAID_HELPER_{key}", value)
        return values

    return apply
