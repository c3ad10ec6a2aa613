"""The fake Discord refuses what Discord refuses, seen through the real discord.py client:
role hierarchy and permissions, privileged intents, tokens, and message rules."""

from __future__ import annotations

import discord
import pytest
import pytest_asyncio

from sv_common.testing.fake_discord import FakeDiscord, connected

GUILD = 920000000000000001
LOW, BOT_ROLE, HIGH, MANAGED = 920000000000000010, 920000000000000011, 920000000000000012, 920000000000000013
CATEGORY, TEXT, HIDDEN, READ_ONLY = (
    920000000000000020,
    920000000000000021,
    920000000000000022,
    920000000000000023,
)
ALICE = 920000000000000100
TOKEN = "the-real-token"
MANAGE_ROLES, VIEW, SEND = 1 << 28, 1 << 10, 1 << 11


@pytest_asyncio.fixture
async def fake():
    fake = FakeDiscord(token=TOKEN)
    fake.add_guild(GUILD, "PATT")
    fake.add_role(GUILD, LOW, "Member", position=1)
    fake.add_role(GUILD, BOT_ROLE, "Bot", position=2, permissions=MANAGE_ROLES)
    fake.add_role(GUILD, HIGH, "Guild Master", position=3)
    fake.add_role(GUILD, MANAGED, "Server Booster", position=1, managed=True)
    fake.add_member(GUILD, fake.bot_user_id, "PATT Bot", roles=[BOT_ROLE])
    fake.add_member(GUILD, ALICE, "alice")
    fake.add_channel(GUILD, CATEGORY, "guild", type=4)
    fake.add_channel(GUILD, TEXT, "general", parent_id=CATEGORY)
    deny_view = [{"id": GUILD, "type": 0, "allow": 0, "deny": VIEW}]
    fake.add_channel(GUILD, HIDDEN, "officers", parent_id=CATEGORY, permission_overwrites=deny_view)
    deny_send = [{"id": BOT_ROLE, "type": 0, "allow": 0, "deny": SEND}]
    fake.add_channel(GUILD, READ_ONLY, "rules", parent_id=CATEGORY, permission_overwrites=deny_send)
    async with fake.serving():
        yield fake


def running(intents: discord.Intents | None = None, token: str = TOKEN):
    client = discord.Client(intents=intents or discord.Intents.default(), guild_ready_timeout=0.05)
    return connected(client, token)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "role_id",
    [HIGH, BOT_ROLE, MANAGED, GUILD],  # above the bot, its own top role, managed, @everyone
    ids=["above", "equal", "managed", "everyone"],
)
async def test_unassignable_roles_are_refused_with_50013(fake, role_id):
    async with running() as client:
        member = await client.get_guild(GUILD).fetch_member(ALICE)
        with pytest.raises(discord.Forbidden) as refused:
            await member.add_roles(discord.Object(role_id))
        with pytest.raises(discord.Forbidden):
            await member.edit(roles=[discord.Object(role_id)])
        assert fake.member_role_ids(GUILD, ALICE) == set()
        await member.add_roles(discord.Object(LOW))  # a role below the bot's is fine
    assert refused.value.code == 50013
    assert fake.member_role_ids(GUILD, ALICE) == {LOW}


@pytest.mark.asyncio
async def test_without_manage_roles_every_role_change_is_refused(fake):
    fake.guilds[GUILD].roles[BOT_ROLE]["permissions"] = "0"
    async with running() as client:
        member = await client.get_guild(GUILD).fetch_member(ALICE)
        with pytest.raises(discord.Forbidden) as refused:
            await member.add_roles(discord.Object(LOW))
    assert refused.value.code == 50013


@pytest.mark.asyncio
async def test_members_intent_off_in_portal_closes_4014_and_hides_member_list(fake):
    fake.disable_intents(members=True)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(discord.Intents.default() | discord.Intents(members=True)):
            pass  # pragma: no cover - the gateway refuses before READY
    async with running():  # without the intent the bot connects
        pass
    # A REST-only client (as jobs use) asking for the member list.
    client = discord.Client(intents=discord.Intents(guilds=True, members=True))
    await client.login(TOKEN)
    try:
        guild = await client.fetch_guild(GUILD)
        with pytest.raises(discord.Forbidden) as refused:
            [m async for m in guild.fetch_members(limit=None)]
    finally:
        await client.close()
    assert refused.value.code == 50001
    assert fake.gateway_closes == [4014]


@pytest.mark.asyncio
async def test_bad_token_is_refused_on_rest_and_gateway(fake):
    refused = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    with pytest.raises(discord.LoginFailure):
        async with connected(refused, "wrong"):
            pass  # pragma: no cover
    # The refused login had opened an aiohttp session: closed with the client, not left to the
    # garbage collector ("Unclosed connector" at the end of the test run).
    assert refused.is_closed() and refused.http.connector.closed
    async with running():
        await fake.revoke_token()  # reset in the portal while connected
    assert fake.gateway_closes == [4004]
    with pytest.raises(discord.LoginFailure):
        async with running():  # the old token no longer works on REST
            pass  # pragma: no cover


@pytest.mark.asyncio
async def test_message_rules(fake):
    async with running() as client:
        guild = client.get_guild(GUILD)
        refusals = {}
        for name, channel_id, kwargs in [
            ("category", CATEGORY, {"content": "x"}),
            ("hidden", HIDDEN, {"content": "x"}),
            ("read_only", READ_ONLY, {"content": "x"}),
            ("too_long", TEXT, {"content": "x" * 2001}),
            ("unknown", 920000000000000099, {"content": "x"}),
        ]:
            with pytest.raises(discord.HTTPException) as refused:
                await client.http.send_message(channel_id, params=_params(**kwargs))
            refusals[name] = (refused.value.status, refused.value.code)
        with pytest.raises(discord.HTTPException) as empty:
            await client.http.send_message(TEXT, params=_params(content=""))
        refusals["empty"] = (empty.value.status, empty.value.code)
        channel = guild.get_channel(TEXT)
        first = await channel.send("raid at 8", nonce="resend-1")
        again = await channel.send("raid at 8", nonce="resend-1")  # a retry after a lost reply
        other = await channel.send("raid at 8", nonce="resend-2")
    assert refusals == {
        "category": (400, 50008),
        "hidden": (403, 50001),
        "read_only": (403, 50013),
        "too_long": (400, 50035),
        "unknown": (404, 10003),
        "empty": (400, 50006),
    }
    assert first.id == again.id != other.id
    assert [m["content"] for m in fake.messages_in(TEXT)] == ["raid at 8", "raid at 8"]


def _params(**kwargs):
    from discord.http import handle_message_parameters

    return handle_message_parameters(**kwargs)
