"""Officer-edited site settings: declared by the site, validated, stored, shown, announced."""

import dataclasses

import pytest

from patt_host import SiteSetting
from patt_host.site import load_site
from patt_sample import CALLS

OFFICER = {"X-Sample-User": "Olga:4"}
MEMBER = {"X-Sample-User": "Max:2"}
SETTINGS = [
    SiteSetting("motto", "Motto", "Pull everything"),
    SiteSetting("discord", "Discord link", "", kind="url"),
    SiteSetting("tanks", "Tanks wanted", 2, kind="int"),
    SiteSetting("about", "About", "", kind="textarea"),
]


@pytest.fixture
async def site(make_client):
    CALLS.clear()
    site = dataclasses.replace(load_site("shadowedvaca"), plugins=["sample"], settings=SETTINGS)
    return await make_client(site=site)


async def csrf(client) -> str:
    await client.get("/admin/settings", headers=OFFICER)
    return client.csrf_token


async def save(client, **values):
    form = {"csrf_token": await csrf(client), **values}
    return await client.post("/admin/settings", data=form, headers=OFFICER)


async def test_defaults_until_an_officer_changes_them(site):
    assert await site.host.site_settings() == {
        "motto": "Pull everything",
        "discord": "",
        "tanks": 2,
        "about": "",
    }
    page = await site.get("/admin/settings", headers=OFFICER)
    assert 'value="Pull everything"' in page.text and 'href="/admin/settings"' in page.text

    response = await save(
        site, motto="Pull it all", discord="https://discord.gg/abc", tanks="3", about="Line one\nLine two"
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/settings?saved=1"
    assert await site.host.site_settings() == {
        "motto": "Pull it all",
        "discord": "https://discord.gg/abc",
        "tanks": 3,
        "about": "Line one\nLine two",
    }
    assert "Settings saved." in (await site.get("/admin/settings?saved=1", headers=OFFICER)).text
    events = [call[1] for call in CALLS if call[0] == "event" and call[1].name == "site.settings_changed"]
    assert sorted(events[-1].data["keys"]) == ["about", "discord", "motto", "tanks"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("discord", "javascript:alert(1)", "Discord link: a full link starting with https://."),
        ("tanks", "1001", "Tanks wanted: between 0 and 1000."),
        ("tanks", "two", "Tanks wanted: enter a whole number."),
        ("motto", "two\nlines", "Motto: one line only."),
        ("motto", "bell\x07", "Motto: at most 4000 characters, no control characters."),
        ("about", "x" * 4001, "About: at most 4000 characters, no control characters."),
    ],
)
async def test_bad_values_are_refused_next_to_the_form(site, field, value, message):
    values = {"motto": "ok", "discord": "", "tanks": "2", "about": "", field: value}
    response = await save(site, **values)
    assert response.status_code == 422
    assert message.replace("'", "&#39;") in response.text
    assert (await site.host.site_settings())["motto"] == "Pull everything"  # nothing was stored


async def test_only_officers_see_or_change_settings(site):
    assert (await site.get("/admin/settings", headers=MEMBER)).status_code == 403
    token = await csrf(site)
    refused = await site.post("/admin/settings", data={"csrf_token": token, "motto": "x"}, headers=MEMBER)
    assert refused.status_code == 403
    assert (await site.get("/admin/settings")).status_code in (401, 303)
    assert (await site.host.site_settings())["motto"] == "Pull everything"
