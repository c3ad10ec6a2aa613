"""`patt demo` stores the demo values a site declares (`SiteSetting.demo`): the PATT demo had
no Discord invite link, so the home page's "say hello on Discord" linked nowhere."""

import dataclasses

from patt_host import SiteSetting
from patt_host.site import load_site

OFFICER = {"X-Sample-User": "Olga:4"}
SETTINGS = [
    SiteSetting("discord", "Discord link", "", kind="url", demo="https://discord.gg/pattdemo"),
    SiteSetting("forum", "Forum link", "", kind="url", demo="https://forum.example/demo"),
    SiteSetting("motto", "Motto", "Pull everything"),
]


async def seed(host) -> dict:
    async with host.db.session() as session:
        return await host.hooks.seed_demo_data(session)


async def test_demo_values_are_stored_once_and_an_officers_edit_wins(make_client):
    site = dataclasses.replace(load_site("shadowedvaca"), plugins=["sample"], settings=SETTINGS)
    client = await make_client(site=site)
    await client.get("/admin/settings", headers=OFFICER)
    edited = await client.post(
        "/admin/settings",
        data={
            "csrf_token": client.csrf_token,
            "forum": "https://forum.example/ours",
            "motto": "Pull everything",
        },
        headers=OFFICER,
    )
    assert edited.status_code in (200, 303), edited.text

    summaries = await seed(client.host)
    assert summaries["site"] == "demo settings: Discord link"  # the forum link was an officer's
    assert await client.host.site_settings() == {
        "discord": "https://discord.gg/pattdemo",
        "forum": "https://forum.example/ours",
        "motto": "Pull everything",  # no demo value: untouched
    }
    assert "site" not in await seed(client.host)  # nothing left to store: no summary


async def test_the_patt_site_declares_a_well_formed_discord_invite_for_its_demo():
    setting = {s.key: s for s in load_site("patt").settings}["discord_invite_url"]
    assert setting.default == "" and setting.demo.startswith("https://discord.gg/")
