"""The author kit: what a plugin's tests import (``from patt_host.testing import PattClient``).

The fixtures themselves come from the pytest plugin this package ships
(:mod:`patt_host.testing.pytest_plugin`, registered through the ``pytest11`` entry point
when ``patt-host[testing]`` is installed); see ``docs/plugins/testing.md``.
"""

from patt_host.testing.browser import no_horizontal_overflow, sign_in
from patt_host.testing.client import TEST_SECRET, PattClient
from patt_host.testing.discord import (
    ANNOUNCE_CHANNEL_ID,
    BOT_ROLE_ID,
    FAKE_TOKEN,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    OFFICER_CHANNEL_ID,
    RANK_ROLE_IDS,
    UNMANAGED_ROLE_ID,
    discord_host,
    map_rank_roles,
    settle,
)
from patt_host.testing.live import LiveServer, free_port, tracebacks
from patt_host.testing.members import PASSWORD, TestMember, create_member, log_in
from patt_host.testing.services import ServiceUnavailableError
from patt_host.testing.waiting import ManualClock, eventually

__all__ = [
    "ANNOUNCE_CHANNEL_ID",
    "BOT_ROLE_ID",
    "FAKE_TOKEN",
    "GENERAL_CHANNEL_ID",
    "GUILD_ID",
    "OFFICER_CHANNEL_ID",
    "PASSWORD",
    "RANK_ROLE_IDS",
    "TEST_SECRET",
    "UNMANAGED_ROLE_ID",
    "LiveServer",
    "PattClient",
    "ServiceUnavailableError",
    "TestMember",
    "create_member",
    "discord_host",
    "ManualClock",
    "eventually",
    "free_port",
    "log_in",
    "map_rank_roles",
    "no_horizontal_overflow",
    "settle",
    "sign_in",
    "tracebacks",
]
