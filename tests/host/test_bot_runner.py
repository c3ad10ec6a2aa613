"""`patt serve` runs the bot in-process when DISCORD_BOT_TOKEN is set, and says so when it is not."""

import asyncio

from sv_common.testing.fake_discord import FakeDiscord

OFFICER = {"X-Sample-User": "Olga:4"}


async def test_serve_runs_the_bot_when_a_token_is_set(make_client):
    fake = FakeDiscord()
    fake.add_guild(4242, "Guild")
    await fake.start()
    try:
        with fake.patch_client():
            client = await make_client(
                plugins=["sample"], start_services=True, discord_bot_token="fake-token"
            )
            for _ in range(200):
                if client.host.status["bot"] == "ready":
                    break
                await asyncio.sleep(0.025)
            assert client.host.status["bot"] == "ready"
            assert client.host.bot.get_cog("SampleCog") is not None
            assert client.host.bot.intents.members is True
            await asyncio.sleep(1.05)  # past the health cache
            checks = client.data(await client.get("/api/health"))["checks"]
            assert checks["bot"] == {"status": "ok", "detail": "ready"}
            assert checks["scheduler"]["status"] == "ok"
    finally:
        await fake.stop()


async def test_without_a_token_the_site_runs_and_says_the_bot_is_off(make_client):
    client = await make_client(plugins=["sample"], start_services=True)
    assert client.host.bot is None
    checks = client.data(await client.get("/api/health"))["checks"]
    assert checks["bot"]["status"] == "off"
    dashboard = await client.get("/admin", headers=OFFICER)
    assert "Discord bot: <strong>off</strong>" in dashboard.text
    assert "set DISCORD_BOT_TOKEN" in dashboard.text
