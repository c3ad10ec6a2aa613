"""Behaviour of the fake Discord checked against Discord's documentation, through the real
discord.py client: follow-ups after a deferral, nonce expiry, rate limits (a bucket in use,
the global limit, the invalid-request ban), DMs without a shared guild, payload limits, the
interaction builder, and op 8 limits (each of these diverged from Discord before)."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands

from sv_common.testing.fake_discord import FakeDiscord, connected
from sv_common.testing.fake_discord_interaction_builder import ChannelOption

GUILD = 950000000000000001
TEXT, PRIVATE = 950000000000000021, 950000000000000022
ALICE, STRANGER = 950000000000000100, 950000000000000101
HELPER = 950000000000000030
VIEW, SEND, MANAGE_MESSAGES = 1 << 10, 1 << 11, 1 << 13
POSTS = rf"/channels/{TEXT}/messages"
TOKEN = "fake-token"


def build_tree(client: discord.Client) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)

    @tree.command(name="think", description="Defers, then follows up")
    async def think(interaction: discord.Interaction, public: bool) -> None:
        await interaction.response.defer(thinking=True, ephemeral=not public)
        # Asks for ephemeral: Discord keeps what the deferral said.
        await interaction.followup.send("done", ephemeral=True)
        await interaction.followup.send("and one more")

    @tree.command(name="where", description="Replies with what it may do here")
    async def where(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    @tree.command(name="ask", description="Opens a modal with a too long title")
    async def ask(interaction: discord.Interaction) -> None:
        modal = discord.ui.Modal(title="t" * 46, custom_id="ask")
        modal.add_item(discord.ui.TextInput(label="Main", custom_id="main"))
        try:
            await interaction.response.send_modal(modal)
        except discord.HTTPException as exc:
            REFUSED.put_nowait(exc)

    return tree


REFUSED: asyncio.Queue[discord.HTTPException] = asyncio.Queue()


@pytest_asyncio.fixture
async def fake():
    fake = FakeDiscord(token=TOKEN)
    fake.add_guild(GUILD, "PATT")
    fake.add_role(GUILD, HELPER, "Helper", position=1, permissions=MANAGE_MESSAGES)
    fake.add_channel(GUILD, TEXT, "general")
    overwrites = [
        {"id": GUILD, "type": 0, "allow": 0, "deny": SEND},
        {"id": HELPER, "type": 0, "allow": SEND, "deny": 0},
        {"id": fake.bot_user_id, "type": 1, "allow": 0, "deny": SEND},
    ]
    fake.add_channel(GUILD, PRIVATE, "helpers", permission_overwrites=overwrites)
    fake.add_member(GUILD, ALICE, "alice", roles=[HELPER])
    fake.users[STRANGER] = {**fake.users[ALICE], "id": str(STRANGER), "username": "stranger"}
    async with fake.serving():
        yield fake


@pytest_asyncio.fixture
async def client(fake):
    while not REFUSED.empty():
        REFUSED.get_nowait()
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    client.tree = build_tree(client)
    async with connected(client, TOKEN):
        yield client


async def raw(fake: FakeDiscord, method: str, path: str, body: dict | None = None) -> tuple[int, dict | str]:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as http:
        async with http.request(method, f"{fake.base_url}{path}", json=body) as answer:
            try:
                return answer.status, await answer.json()
            except aiohttp.ContentTypeError:
                return answer.status, await answer.text()


# --------------------------------------------------------------------------- interactions


@pytest.mark.asyncio
@pytest.mark.parametrize("public", [False, True])
async def test_a_follow_up_right_after_a_deferral_edits_the_thinking_message(fake, client, public):
    await client.tree.sync()
    builder = fake.interaction_builder(GUILD, TEXT)
    record = await fake.interact(builder.slash_command(ALICE, "think", public=public))
    await asyncio.wait_for(_followups(fake, record, 1), 5)
    # The first follow-up replaced "thinking..." and kept the deferral's visibility;
    # the second one is a message of its own.
    assert record.original["content"] == "done" and not int(record.original["flags"]) & 128
    assert bool(int(record.original["flags"]) & 64) is not public
    assert [m["content"] for m in record.followups] == ["and one more"]
    assert [m["content"] for m in fake.messages_in(TEXT)] == (
        ["done", "and one more"] if public else ["and one more"]
    )


async def _followups(fake: FakeDiscord, record, count: int) -> None:
    async with fake._interaction_cond:
        await fake._interaction_cond.wait_for(lambda: len(record.followups) >= count)


@pytest.mark.asyncio
async def test_commands_never_synced_cannot_be_sent_and_guild_commands_carry_guild_id(fake, client):
    builder = fake.interaction_builder(GUILD, TEXT)
    with pytest.raises(ValueError, match="never synced"):
        builder.slash_command(ALICE, "think", public=True)
    client.tree.copy_global_to(guild=discord.Object(GUILD))
    await client.tree.sync(guild=discord.Object(GUILD))
    payload = builder.slash_command(ALICE, "think", public=True)
    assert payload["data"]["guild_id"] == str(GUILD)
    assert payload["data"]["id"] == next(
        c["id"] for c in fake.guilds[GUILD].commands.values() if c["name"] == "think"
    )
    with pytest.raises(ValueError, match="never synced"):
        builder.slash_command(ALICE, "think missing")  # no such subcommand was registered


@pytest.mark.asyncio
async def test_interaction_permissions_apply_the_channel_overwrites(fake, client):
    await client.tree.sync()
    general = fake.interaction_builder(GUILD, TEXT).slash_command(
        ALICE, "where", channel=ChannelOption(PRIVATE)
    )
    private = fake.interaction_builder(GUILD, PRIVATE).slash_command(
        ALICE, "where", channel=ChannelOption(TEXT)
    )
    assert int(general["member"]["permissions"]) & SEND and int(general["app_permissions"]) & SEND
    # #helpers: @everyone may not send, the Helper role may, the bot is denied by a member overwrite.
    assert int(private["member"]["permissions"]) & SEND
    assert not int(private["app_permissions"]) & SEND
    resolved = general["data"]["resolved"]["channels"][str(PRIVATE)]
    assert int(resolved["permissions"]) & SEND  # Alice's permissions there, through her role
    record = await fake.interact(private)
    assert record.content == "ok"


@pytest.mark.asyncio
async def test_a_modal_over_the_title_limit_is_refused(fake, client):
    await client.tree.sync()
    payload = fake.interaction_builder(GUILD, TEXT).slash_command(ALICE, "ask")
    await fake.dispatch("INTERACTION_CREATE", payload)
    refused = await asyncio.wait_for(REFUSED.get(), 5)
    assert (refused.status, refused.code) == (400, 50035) and "title" in str(refused)
    assert fake.interactions[int(payload["id"])].acknowledged is None


# --------------------------------------------------------------------------- messages


@pytest.mark.asyncio
async def test_enforce_nonce_holds_for_a_few_minutes_only(fake, client):
    channel = client.get_channel(TEXT)
    params = {"content": "Raid at 8", "nonce": "patt-1", "enforce_nonce": True}
    first = await client.http.send_message(TEXT, params=_params(params))
    again = await client.http.send_message(TEXT, params=_params(params))
    assert again["id"] == first["id"] and len(fake.messages_in(TEXT)) == 1
    fake.expire_nonces()  # minutes later, Discord has forgotten the nonce
    late = await client.http.send_message(TEXT, params=_params(params))
    assert late["id"] != first["id"] and len(fake.messages_in(TEXT)) == 2
    assert channel is not None


def _params(body: dict):
    from discord.http import MultipartParameters

    return MultipartParameters(payload=dict(body), multipart=None, files=None)


@pytest.mark.asyncio
async def test_a_dm_to_someone_sharing_no_guild_with_the_bot_is_refused(fake, client):
    dm = await client.http.start_private_message(STRANGER)  # opening the channel works
    with pytest.raises(discord.Forbidden) as refused:
        await client.get_partial_messageable(int(dm["id"])).send("Welcome!")
    assert refused.value.code == 50007
    fake.add_member(GUILD, STRANGER, "stranger")
    await client.get_partial_messageable(int(dm["id"])).send("Welcome!")
    assert [m["content"] for m in fake.dms_to(STRANGER)] == ["Welcome!"]
    await fake.member_remove(GUILD, STRANGER)  # left: no guild in common any more
    with pytest.raises(discord.Forbidden) as again:
        await client.get_partial_messageable(int(dm["id"])).send("Come back?")
    assert again.value.code == 50007


def _button(custom_id: str, style: int = 1) -> dict:
    return {"type": 2, "style": style, "custom_id": custom_id}


def _rows(*rows: list[dict]) -> dict:
    return {"components": [{"type": 1, "components": list(row)} for row in rows]}


SELECT = {"type": 3, "custom_id": "pick", "options": [{"label": "a", "value": "a"}]}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": "   \n "}, None),  # whitespace only: empty
        ({"content": "x", "nonce": "n" * 26}, "nonce"),
        ({"embeds": [{"title": "t" * 257}]}, "title"),
        ({"embeds": [{"description": "d" * 4097}]}, "description"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "fields"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "MAX_EMBED_SIZE_EXCEEDED"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, "value"),
        (_rows([_button("c" * 101)]), "custom_id"),
        (_rows([_button(f"b{i}") for i in range(6)]), "components"),
        (_rows(*[[_button(f"r{i}")] for i in range(6)]), "components"),
        (_rows([_button("same")], [_button("same", 2)]), "COMPONENT_CUSTOM_ID_DUPLICATED"),
        (_rows([SELECT, _button("go")]), "components"),
    ],
    ids=[
        "whitespace",
        "nonce",
        "title",
        "description",
        "fields",
        "total",
        "field-value",
        "custom-id",
        "buttons",
        "rows",
        "duplicate",
        "select-alone",
    ],
)
async def test_payloads_past_discords_limits_are_refused(fake, body, field):
    status, answer = await raw(fake, "POST", f"/channels/{TEXT}/messages", body)
    if field is None:
        assert (status, answer["code"]) == (400, 50006)
    else:
        assert (status, answer["code"]) == (400, 50035) and field in str(answer["errors"])
    assert not fake.messages_in(TEXT)
    ok = await raw(
        fake, "POST", f"/channels/{TEXT}/messages", {"content": "x", **_rows([_button("a"), _button("b")])}
    )
    assert ok[0] == 200  # within the limits it is accepted


@pytest.mark.asyncio
async def test_edits_are_validated_like_new_messages(fake, client):
    message = await client.get_channel(TEXT).send("Signups open")
    with pytest.raises(discord.HTTPException) as refused:
        await message.edit(embed=discord.Embed(description="d" * 4097))
    assert refused.value.code == 50035
    status, _ = await raw(fake, "PATCH", f"/channels/{TEXT}/messages/{message.id}", {"content": "c" * 2001})
    assert status == 400 and fake.messages[message.id]["content"] == "Signups open"


# --------------------------------------------------------------------------- rate limits


@pytest.mark.asyncio
async def test_a_limit_set_on_a_bucket_in_use_applies_at_once(fake):
    for _ in range(3):
        assert (await raw(fake, "POST", f"/channels/{TEXT}/messages", {"content": "x"}))[0] == 200
    fake.set_rate_limit("POST", POSTS, limit=2, window=5)
    status, body = await raw(fake, "POST", f"/channels/{TEXT}/messages", {"content": "x"})
    assert status == 429 and not body["global"]


@pytest.mark.asyncio
async def test_the_global_limit_spans_routes_and_spares_interaction_callbacks(fake, client):
    await client.tree.sync()
    fake.set_global_rate_limit(limit=3, window=5)
    answers = [
        await raw(fake, "GET", path)
        for path in ("/users/@me", f"/channels/{TEXT}", f"/guilds/{GUILD}", "/users/@me")
    ]
    assert [a[0] for a in answers] == [200, 200, 200, 429]
    assert answers[-1][1]["global"] is True
    # Interaction callbacks are not bound by the global limit.
    payload = fake.interaction_builder(GUILD, TEXT).slash_command(ALICE, "where", channel=ChannelOption(TEXT))
    assert (await fake.interact(payload)).content == "ok"


@pytest.mark.asyncio
async def test_too_many_invalid_requests_get_the_ip_banned_for_a_while(fake):
    fake.set_invalid_request_limit(limit=5, ban_seconds=60)
    for _ in range(3):
        assert (await raw(fake, "GET", f"/channels/{PRIVATE + 1}"))[0] == 404  # 404s do not count
    statuses = []
    async with aiohttp.ClientSession(headers={"Authorization": "Bot wrong-token"}) as http:
        for _ in range(5):
            async with http.get(f"{fake.base_url}/users/@me") as answer:
                statuses.append(answer.status)
    assert statuses == [401] * 5
    status, text = await raw(fake, "GET", "/users/@me")  # a valid request now meets the ban
    assert status == 429 and "Cloudflare" in text
    fake.rate_limiter.lift_ban()
    assert (await raw(fake, "GET", "/users/@me"))[0] == 200


# --------------------------------------------------------------------------- gateway op 8


@pytest.mark.asyncio
async def test_member_queries_return_at_most_100_and_whole_lists_are_rate_limited(fake):
    for n in range(150):
        fake.add_member(GUILD, 951000000000000000 + n, f"raider{n}")
    client = discord.Client(
        intents=discord.Intents.default() | discord.Intents(members=True), guild_ready_timeout=0.05
    )
    async with connected(client, TOKEN):
        guild = client.get_guild(GUILD)
        assert guild.chunked  # the whole list, requested once at start
        ids = [951000000000000000 + n for n in range(150)]
        await client.ws.request_chunks(GUILD, "raider", limit=1000, nonce="query")
        await client.ws.request_chunks(GUILD, limit=0, user_ids=ids, nonce="ids")
        await client.ws.request_chunks(GUILD, "", limit=0, nonce="again")  # the whole list within 30 s
        await asyncio.wait_for(_dispatched(fake, "RATE_LIMITED"), 5)
    chunks = {c.get("nonce"): c for c in fake.dispatched("GUILD_MEMBERS_CHUNK")}
    assert len(chunks["query"]["members"]) == 100 and len(chunks["ids"]["members"]) == 100
    assert "again" not in chunks
    [limited] = fake.dispatched("RATE_LIMITED")
    assert limited["opcode"] == 8 and limited["meta"] == {"guild_id": str(GUILD), "nonce": "again"}
    assert 0 < limited["retry_after"] <= 30


async def _dispatched(fake: FakeDiscord, event: str) -> None:
    while not fake.dispatched(event):
        await asyncio.sleep(0.01)


# --------------------------------------------------------------------------- DMs to the bot


@pytest.mark.asyncio
async def test_a_users_dm_reaches_bots_with_the_direct_messages_intent_content_included(fake):
    """Discord sends a DM to the bot as MESSAGE_CREATE without guild_id, to sessions with
    DIRECT_MESSAGES; its content is there without the message-content intent (DMs are exempt)."""
    got: dict[str, asyncio.Queue[discord.Message]] = {"dm": asyncio.Queue(), "none": asyncio.Queue()}

    def listening(key: str, intents: discord.Intents) -> discord.Client:
        client = discord.Client(intents=intents, guild_ready_timeout=0.05)

        @client.event
        async def on_message(message: discord.Message) -> None:
            got[key].put_nowait(message)

        return client

    no_dm = discord.Intents.default()
    no_dm.dm_messages = False
    with_dm = listening("dm", discord.Intents.default())
    without = listening("none", no_dm)
    async with connected(with_dm, TOKEN), connected(without, TOKEN):
        sent = await fake.user_dm(ALICE, "Thrallson-Area 52")
        message = await asyncio.wait_for(got["dm"].get(), 5)
        [frame] = fake.dispatched("MESSAGE_CREATE")  # one session asked for DMs: one frame
        assert "guild_id" not in frame
        assert (message.content, message.author.id, message.guild) == ("Thrallson-Area 52", ALICE, None)
        assert isinstance(message.channel, discord.DMChannel) and message.id == int(sent["id"])
    assert fake.dms_to(ALICE) == []  # what the bot sent; the user's own message is not in it
