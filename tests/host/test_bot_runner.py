"""`patt serve` runs the bot in-process when DISCORD_BOT_TOKEN is set, and says so when it is not."""

from patt_host.testing import ManualClock, eventually
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
            clock = client.host.plugin("health").obj.clock = ManualClock()
            await eventually(lambda: client.host.status["bot"] == "ready", timeout=5)
            assert client.host.bot.get_cog("SampleCog") is not None
            assert client.host.bot.intents.members is True
            clock.advance(1.01)  # past the health cache (a result from the start would be stale)
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
