"""Interactions through the fake Discord with the real discord.py client: the callback
route, follow-up webhooks and the INTERACTION_CREATE builder."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands

from sv_common.testing.fake_discord import FakeDiscord, connected
from sv_common.testing.fake_discord_interaction_builder import UserOption

GUILD = 910000000000000001
TEXT = 910000000000000021
ALICE = 910000000000000100
BOB = 910000000000000101
ERRORS: asyncio.Queue[discord.HTTPException] = asyncio.Queue()


class Signup(discord.ui.Modal, title="Sign up"):
    note = discord.ui.TextInput(label="Note", custom_id="note")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"noted: {self.note.value}", ephemeral=True)


class Board(discord.ui.View):
    """A persistent view: buttons and selects keep working after a restart."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Join", custom_id="board:join")
    async def join(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"joined by {interaction.user.name}")

    @discord.ui.select(
        custom_id="board:role", options=[discord.SelectOption(label=x) for x in ("tank", "healer")]
    )
    async def role(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"role {select.values[0]}")

    @discord.ui.button(label="Form", custom_id="board:form")
    async def form(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(Signup(custom_id="signup"))


def build_tree(client: discord.Client) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    events = app_commands.Group(name="events", description="Events")

    @events.command(name="signup", description="Sign up")
    async def signup(interaction: discord.Interaction, slot: int, note: str, who: discord.Member) -> None:
        callback = await interaction.response.send_message(f"{who.name} in slot {slot}: {note}")
        # with_response: discord.py parsed the 200 body into the created message's id.
        assert callback.message_id is not None

    @events.command(name="slow", description="Defers")
    async def slow(interaction: discord.Interaction, edit: bool) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        if edit:
            await interaction.edit_original_response(content="edited")
        else:
            await interaction.followup.send("followed up", ephemeral=True)

    @events.command(name="twice", description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        try:
            await interaction.followup.send("")  # empty: Discord refuses
        except discord.HTTPException as exc:
            ERRORS.put_nowait(exc)

    @events.command(name="late", description="Answers too late")
    async def late(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as exc:
            ERRORS.put_nowait(exc)

    @events.command(name="pick", description="Autocomplete")
    async def pick(interaction: discord.Interaction, raid: str) -> None:  # pragma: no cover - never run
        pass

    @pick.autocomplete("raid")
    async def raid_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ("Nerub-ar Palace", "Liberation of Undermine", "Manaforge Omega")
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()]

    @events.command(name="form", description="Opens a modal")
    async def form(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Signup(custom_id="signup"))

    tree.add_command(events)
    return tree


@pytest_asyncio.fixture
async def fake():
    fake = FakeDiscord()
    fake.add_guild(GUILD, "PATT")
    fake.add_channel(GUILD, TEXT, "general")
    fake.add_member(GUILD, ALICE, "alice")
    fake.add_member(GUILD, BOB, "bob")
    async with fake.serving():
        yield fake


@pytest_asyncio.fixture
async def client(fake):
    while not ERRORS.empty():
        ERRORS.get_nowait()
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    client.tree = build_tree(client)

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        pass  # the tree and view store handle them; this keeps the event visible in tests

    client.add_view(Board())
    async with connected(client):
        await client.tree.sync()  # Discord delivers only registered commands
        yield client


async def register(fake: FakeDiscord, *commands: dict, guild_id: int | None = None) -> None:
    """PUT the app's commands (globally, or to one guild) as a bot's tree.sync() does."""
    scope = f"/guilds/{guild_id}" if guild_id else ""
    url = f"{fake.base_url}/applications/{fake.application_id}{scope}/commands"
    async with aiohttp.ClientSession(headers={"Authorization": "Bot fake-token"}) as http:
        async with http.put(url, json=list(commands)) as answer:
            assert answer.status == 200


def builder(fake: FakeDiscord):
    return fake.interaction_builder(GUILD, TEXT)


@pytest.mark.asyncio
async def test_slash_command_with_options_replies_once(fake, client):
    payload = builder(fake).slash_command(
        ALICE, "events signup", slot=2, note="bringing flasks", who=UserOption(BOB)
    )
    record = await fake.interact(payload)
    assert record.content == "bob in slot 2: bringing flasks"
    assert not record.ephemeral and [c["status"] for c in record.callbacks] == [200]
    # A public reply is a channel message; it needed no bot token.
    assert fake.messages_in(TEXT)[-1]["content"] == record.content
    callback = fake.requests_matching("POST", rf"/interactions/{record.id}/[^/]+/callback")[0]
    assert "Authorization" not in callback.headers


@pytest.mark.asyncio
@pytest.mark.parametrize(("edit", "expected"), [(False, "followed up"), (True, "edited")])
async def test_deferred_reply_is_followed_up_or_edited(fake, client, edit, expected):
    record = await fake.interact(builder(fake).slash_command(ALICE, "events slow", edit=edit))
    assert record.response_type == 5
    assert record.content == expected and record.ephemeral
    assert not fake.messages_in(TEXT)  # ephemeral replies are not channel messages


@pytest.mark.asyncio
async def test_second_callback_is_refused_and_empty_followup_too(fake, client):
    payload = builder(fake).slash_command(ALICE, "events twice")
    record = await fake.interact(payload)
    # A second process answering the same interaction (e.g. two bots on one token).
    duplicate = discord.Interaction(data=payload, state=client._connection)  # noqa: SLF001
    with pytest.raises(discord.HTTPException) as refused:
        await duplicate.response.send_message("again")
    empty_followup = await asyncio.wait_for(ERRORS.get(), 5)
    assert refused.value.code == 40060 and empty_followup.code == 50006
    assert [c["status"] for c in record.callbacks] == [200, 400]
    assert [m["content"] for m in record.replies] == ["first"]


@pytest.mark.asyncio
async def test_callback_after_three_seconds_is_unknown(fake, client):
    payload = builder(fake).slash_command(ALICE, "events late")
    fake.interactions[int(payload["id"])].sent_at = time.monotonic() - 3.5  # created 3.5 s ago
    await fake.dispatch("INTERACTION_CREATE", payload)
    late = await asyncio.wait_for(ERRORS.get(), 5)
    assert isinstance(late, discord.NotFound) and late.code == 10062


@pytest.mark.asyncio
async def test_autocomplete_returns_choices(fake, client):
    payload = builder(fake).autocomplete(ALICE, "events pick", focused="raid", raid="mana")
    record = await fake.interact(payload)
    assert record.response_type == 8
    assert record.choices == [{"name": "Manaforge Omega", "value": "Manaforge Omega"}]


@pytest.mark.asyncio
async def test_modal_opened_by_command_and_submitted(fake, client):
    opened = await fake.interact(builder(fake).slash_command(ALICE, "events form"))
    assert opened.modal["custom_id"] == "signup" and opened.modal["title"] == "Sign up"
    submitted = await fake.interact(builder(fake).modal_submit(ALICE, "signup", {"note": "late by 10"}))
    assert submitted.content == "noted: late by 10" and submitted.ephemeral


@pytest.mark.asyncio
async def test_button_and_select_on_a_posted_message(fake, client):
    channel = client.get_channel(TEXT)
    await channel.send("Raid night", view=Board())
    message = fake.messages_in(TEXT)[-1]

    clicked = await fake.interact(builder(fake).button(BOB, message, "board:join"))
    assert clicked.response_type == 7
    assert fake.messages[int(message["id"])]["content"] == "joined by bob"

    chosen = await fake.interact(builder(fake).select(ALICE, message, "board:role", ["healer"]))
    assert chosen.content == "role healer"

    form = await fake.interact(builder(fake).button(ALICE, message, "board:form"))
    assert form.modal["custom_id"] == "signup"


@pytest.mark.asyncio
async def test_callback_route_codes_without_a_client(fake):
    """Raw HTTP: no Authorization needed; 204 without with_response; 40060; 10062; bot routes 401."""
    await register(fake, {"name": "events", "options": [{"name": "signup", "type": 1}]})
    payload = builder(fake).slash_command(ALICE, "events signup", slot=1, note="x", who=UserOption(BOB))
    url = f"{fake.base_url}/interactions/{payload['id']}/{payload['token']}/callback"
    body = {"type": 4, "data": {"content": "hi"}}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=body) as first:
            assert first.status == 204
        async with http.post(url, json=body) as again:
            assert again.status == 400 and (await again.json())["code"] == 40060
        async with http.post(url.replace(payload["token"], "wrong"), json=body) as unknown:
            assert unknown.status == 404 and (await unknown.json())["code"] == 10062
        async with http.post(f"{fake.base_url}/channels/{TEXT}/messages", json={"content": "x"}) as bot_route:
            assert bot_route.status == 401
        followup = f"{fake.base_url}/webhooks/{fake.application_id}/{payload['token']}"
        async with http.post(followup, params={"wait": "1"}, json={"content": "more"}) as sent:
            assert sent.status == 200 and (await sent.json())["content"] == "more"
        async with http.patch(f"{followup}/messages/@original", json={"content": "hello"}) as edited:
            assert edited.status == 200 and (await edited.json())["content"] == "hello"


@pytest.mark.asyncio
async def test_follow_up_after_fifteen_minutes_is_refused(fake, client):
    record = await fake.interact(builder(fake).slash_command(ALICE, "events slow", edit=False))
    record.sent_at = time.monotonic() - 15 * 60 - 1  # the token has expired since
    webhook = discord.Webhook.partial(fake.application_id, record.token, client=client)
    with pytest.raises(discord.HTTPException) as expired:
        await webhook.send("too late", wait=True)
    assert (expired.value.status, expired.value.code) == (401, 50027)
