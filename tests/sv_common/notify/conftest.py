"""Arrangements shared by the notify tests: players with (or without) Discord accounts."""

import pytest

from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.players import create_player

ALICE_DISCORD = "820000000000000001"
BOB_DISCORD = "820000000000000002"


@pytest.fixture
async def players(db):
    """alice (Discord, present), bob (Discord, DMs closed in the fake), nomad (no Discord)."""
    async with db.session() as session:
        alice_du, _ = await upsert_discord_user(
            session, discord_id=ALICE_DISCORD, username="alice", display_name="Alice", role_ids=[]
        )
        bob_du, _ = await upsert_discord_user(
            session, discord_id=BOB_DISCORD, username="bob", display_name="Bob", role_ids=[]
        )
        alice = await create_player(session, display_name="Alice", discord_user_id=alice_du.id)
        bob = await create_player(session, display_name="Bob", discord_user_id=bob_du.id)
        nomad = await create_player(session, display_name="Nomad")
        return {"alice": alice.id, "bob": bob.id, "nomad": nomad.id}


@pytest.fixture
def set_dm_switches(db):
    """``await set_dm_switches(bot_dm_enabled=True, feature_invite_dm=True)``."""
    from sv_common.discord.config import update_discord_config

    async def apply(**switches):
        async with db.session() as session:
            await update_discord_config(session, **switches)

    return apply
