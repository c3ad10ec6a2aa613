"""The channel table mirrors the guild's channels (for pickers); removed channels go away."""

from patt_host.testing.discord import (
    ANNOUNCE_CHANNEL_ID,
    CATEGORY_ID,
    FAKE_TOKEN,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    OFFICER_CHANNEL_ID,
)
from sv_common.discord.channel_sync import channel_dict, list_channels
from sv_common.discord.client import discord_rest_client
from sv_common.discord.operations import run_channel_sync


async def synced(db, fake):
    async with discord_rest_client(FAKE_TOKEN) as client:
        report = await run_channel_sync(db, client, GUILD_ID)
    async with db.session() as session:
        return report, {c["id"]: c for c in map(channel_dict, await list_channels(session))}


async def test_channels_are_mirrored_with_category_and_visibility(db, fake_discord):
    report, channels = await synced(db, fake_discord)
    assert report.counts() == {"created": 4, "updated": 0, "removed": 0}
    assert {c["name"]: (c["type"], c["category"], c["public"]) for c in channels.values()} == {
        "guild": ("category", None, True),
        "general": ("text", "guild", True),
        "announcements": ("text", "guild", True),
        "officers": ("text", "guild", False),  # @everyone cannot view it
    }
    async with db.session() as session:
        postable = [c.discord_channel_id for c in await list_channels(session, postable_only=True)]
    assert set(postable) == {str(GENERAL_CHANNEL_ID), str(ANNOUNCE_CHANNEL_ID), str(OFFICER_CHANNEL_ID)}


async def test_renamed_and_removed_channels_follow(db, fake_discord):
    await synced(db, fake_discord)
    fake_discord.guilds[GUILD_ID].channels[GENERAL_CHANNEL_ID]["name"] = "chat"
    del fake_discord.guilds[GUILD_ID].channels[OFFICER_CHANNEL_ID]
    report, channels = await synced(db, fake_discord)
    assert report.counts() == {"created": 0, "updated": 3, "removed": 1}
    assert channels[str(GENERAL_CHANNEL_ID)]["name"] == "chat"
    assert str(OFFICER_CHANNEL_ID) not in channels and str(CATEGORY_ID) in channels


async def test_a_channel_setting_must_name_a_synced_text_channel(db, synced_channels):
    import pytest

    from sv_common.discord.channel_sync import require_postable_channel
    from sv_common.errors import ValidationFailed

    async def refusal(channel_id: str) -> str:
        async with db.session() as session:
            with pytest.raises(ValidationFailed) as caught:
                await require_postable_channel(session, channel_id)
        assert caught.value.code == "unknown_channel"
        return caught.value.message

    assert "synced yet" in await refusal("810000000000000001")
    # A name from Discord may carry bidi overrides: they stay out of our sentence.
    await synced_channels({"810000000000000001": "text", "810000000000000002": "voice"})
    async with db.session() as session:
        assert await require_postable_channel(session, "810000000000000001") == "810000000000000001"
        from sqlalchemy import update

        from sv_common.identity.models import DiscordChannel

        await session.execute(
            update(DiscordChannel)
            .where(DiscordChannel.discord_channel_id == "810000000000000002")
            .values(name="\u202egnirts-ekaf")
        )
        await session.commit()
    message = await refusal("810000000000000002")
    assert message.startswith("#gnirts-ekaf is not a text channel (voice)") and "\u202e" not in message
    assert "not one of the server's synced channels" in await refusal("810000000000000003")
