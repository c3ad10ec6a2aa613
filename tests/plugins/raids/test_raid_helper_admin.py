"""Officers test the Raid-Helper connection (``POST /api/v1/admin/raids/raid-helper/test``) and see
on ``/admin/raids`` whether the connector is configured: the real client against the loopback
fake of Raid-Helper, configured by the same environment variables as in production."""

from __future__ import annotations

import pytest

from patt_host.testing import create_member, log_in
from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID
from patt_raids.services.raid_helper import Connection, RaidHelperClient, RaidHelperError
from sv_common.testing.fake_raid_helper import FakeRaidHelper

API_KEY = "rh-admin-key-0123456789"
SERVER_ID = "800000000000000077"
LEADER_ID = "810000000000000177"
TEST_URL = "/api/v1/admin/raids/raid-helper/test"


@pytest.fixture
async def raid_helper():
    fake = FakeRaidHelper(api_key=API_KEY, server_id=SERVER_ID, timezone="Europe/Paris")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def configure(raid_helper_env, raid_helper):
    """Set the connector's environment (before the host is made), as an operator would."""
    return lambda **changes: raid_helper_env(raid_helper, LEADER_ID, **changes)


async def officer_on(make_client, db):
    client = await make_client(plugins=["identity", "raids"])
    await log_in(client, await create_member(db, "Officer"))
    return client


async def test_a_configured_connector_answers_connected_with_the_servers_event_count(
    db, raid_helper, configure, make_client
):
    configure()
    officer = await officer_on(make_client, db)
    member = await make_client(host=officer.host)
    await log_in(member, await create_member(db, "Member"))
    assert (await member.post(TEST_URL, json={})).status_code == 403
    assert (await (await make_client(host=officer.host)).post(TEST_URL, json={})).status_code == 401

    async with RaidHelperClient(Connection(raid_helper.base_url, API_KEY, SERVER_ID)) as client:
        for n in range(3):
            await client.create_event(str(ANNOUNCE_CHANNEL_ID), {
                "leaderId": LEADER_ID, "templateId": "wowretail2", "date": f"{n + 1}-6-2031", "time": "20:00",
                "title": f"Old {n}",
            })  # fmt: skip
    raid_helper.page_size = 2  # the list is paged: the count is the server's, not the first page's
    response = await officer.post(TEST_URL, json={})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "connected": True,
        "server_id": SERVER_ID,
        "event_count": 3,
        "base_url": raid_helper.base_url,
    }
    [asked] = raid_helper.requests_to("GET", rf"/api/v4/servers/{SERVER_ID}/events")
    assert asked.authorization == API_KEY  # the key itself, no "Bearer"

    page = await officer.get("/admin/raids")
    assert page.status_code == 200
    assert 'data-configured="true"' in page.text and SERVER_ID in page.text
    assert "js-raids-rh-test" in page.text and API_KEY not in page.text  # the key is never shown


async def test_each_failure_is_a_clear_error_never_a_500(db, raid_helper, configure, make_client):
    configure()
    officer = await officer_on(make_client, db)

    raid_helper.fail_next(1, 503)
    outage = await officer.post(TEST_URL, json={})
    assert outage.status_code == 503, outage.text
    assert outage.json()["error"]["code"] == "raid_helper_unavailable"
    assert "503" in outage.json()["error"]["message"]

    raid_helper.api_key = "a-refreshed-key"  # the guild ran /apikey again: ours is stale
    refused = await officer.post(TEST_URL, json={})
    assert refused.status_code == 502 and refused.json()["error"]["code"] == "raid_helper_refused"
    message = refused.json()["error"]["message"]
    assert "401" in message and "invalid authorization" in message and "API key" in message

    raid_helper.api_key, raid_helper.server_id = API_KEY, "800000000000000078"  # the key of another server
    other = await officer.post(TEST_URL, json={})
    assert other.status_code == 502 and "403" in other.json()["error"]["message"]
    assert "server id" in other.json()["error"]["message"]

    await raid_helper.stop()  # Raid-Helper down altogether
    gone = await officer.post(TEST_URL, json={})
    assert gone.status_code == 503 and "unreachable" in gone.json()["error"]["message"]


async def test_connection_tests_are_limited_per_officer_and_for_the_site(
    db, raid_helper, configure, make_client
):
    """Every click asked Raid-Helper, however many: past a few a minute the officer (then the
    site) gets a 429 saying when to try again, and Raid-Helper is not asked."""
    from patt_raids.state import TESTS_PER_OFFICER, TESTS_PER_SITE

    configure()
    first = await officer_on(make_client, db)
    for _ in range(TESTS_PER_OFFICER):
        assert (await first.post(TEST_URL, json={})).status_code == 200
    refused = await first.post(TEST_URL, json={})
    assert refused.status_code == 429, refused.text
    error = refused.json()["error"]
    assert error["code"] == "raid_helper_test_limited"
    assert f"You tested the Raid-Helper connection {TESTS_PER_OFFICER} times" in error["message"]
    assert "try again in" in error["message"] and 1 <= int(refused.headers["Retry-After"]) <= 60

    sent = TESTS_PER_OFFICER  # other officers test on, up to the site's limit
    while sent < TESTS_PER_SITE:
        other = await make_client(host=first.host)
        await log_in(other, await create_member(db, "Officer"))
        for _ in range(min(TESTS_PER_OFFICER, TESTS_PER_SITE - sent)):
            assert (await other.post(TEST_URL, json={})).status_code == 200
            sent += 1
    late = await make_client(host=first.host)
    await log_in(late, await create_member(db, "Officer"))
    site_wide = await late.post(TEST_URL, json={})
    assert site_wide.status_code == 429, site_wide.text
    assert (
        f"Officers tested the Raid-Helper connection {TESTS_PER_SITE} times"
        in site_wide.json()["error"]["message"]
    )
    assert len(raid_helper.requests_to("GET", rf"/api/v4/servers/{SERVER_ID}/events")) == TESTS_PER_SITE


async def test_a_base_url_that_is_not_raid_helpers_api_is_refused_with_a_hint(
    db, raid_helper, configure, make_client
):
    configure(BASE_URL=raid_helper.base_url.replace("/api/v4", "/api/v2"))  # the original's mistake
    officer = await officer_on(make_client, db)
    response = await officer.post(TEST_URL, json={})
    assert response.status_code == 502, response.text
    assert "404" in response.json()["error"]["message"] and "base URL" in response.json()["error"]["message"]


async def test_not_configured_is_a_409_and_the_page_says_what_to_set(db, make_client, monkeypatch):
    for key in ("API_KEY", "SERVER_ID", "LEADER_ID"):
        monkeypatch.delenv(f"PATT_RAIDS_RAID_HELPER_{key}", raising=False)
    monkeypatch.setenv("PATT_RAIDS_RAID_HELPER_SERVER_ID", SERVER_ID)  # half done: no key, no leader
    officer = await officer_on(make_client, db)
    response = await officer.post(TEST_URL, json={})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "raid_helper_not_configured"
    assert "PATT_RAIDS_RAID_HELPER_API_KEY" in response.json()["error"]["message"]

    page = (await officer.get("/admin/raids")).text
    assert 'data-configured="false"' in page
    off = page[page.index('id="raids-raid-helper-off"') :].split("</p>", 1)[0]
    assert "PATT_RAIDS_RAID_HELPER_API_KEY" in off and "PATT_RAIDS_RAID_HELPER_LEADER_ID" in off
    assert "PATT_RAIDS_RAID_HELPER_SERVER_ID" not in off  # only what is missing
    button = page[page.index("js-raids-rh-test") :].split(">", 1)[0]
    assert "disabled" in button  # the button says why it cannot work instead of failing


@pytest.mark.parametrize(
    ("key", "setting", "why"),
    [
        ("API_KEY", "clé-secrète", "printable ASCII"),
        ("API_KEY", f" {API_KEY}\n", "space or line break at its start or end"),  # a .env slip
        ("API_KEY", f"{API_KEY} ", "space or line break at its start or end"),
        ("BASE_URL", "http://[::1", "is not a valid URL"),
        ("BASE_URL", "http://127.0.0.1:99999/api/v4", "port"),
        ("BASE_URL", "http://127.0.0.1:0/api/v4", "port that is not a number from 1 to 65535"),
        ("BASE_URL", "http://127.0.0.1:x/api/v4", "port"),
        ("BASE_URL", "ftp://raid-helper.xyz/api/v4", "http(s) URL"),
        ("BASE_URL", "https:///api/v4", "no host name"),
        ("SERVER_ID", "not-a-server", "Discord id"),
    ],
)
async def test_an_unusable_setting_keeps_the_site_up_and_is_a_409_naming_it(
    db, raid_helper, configure, make_client, caplog, key, setting, why
):
    configure(**{key: setting})
    with caplog.at_level("WARNING", logger="patt.raids"):
        officer = await officer_on(make_client, db)  # the site starts: the connector is optional
    env = f"PATT_RAIDS_RAID_HELPER_{key}"
    response = await officer.post(TEST_URL, json={})
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "raid_helper_not_configured"
    assert env in error["message"] and why in error["message"], error["message"]
    assert {"setting": env, "problem": error["details"][0]["problem"]} == error["details"][0]
    assert raid_helper.requests == []  # nothing was sent with it

    page = (await officer.get("/admin/raids")).text
    assert 'data-configured="false"' in page
    off = page[page.index('id="raids-raid-helper-off"') :].split("</p>", 1)[0]
    assert env in off and why in off
    assert env in caplog.text and why in caplog.text  # reported at start, not a traceback
    if key == "API_KEY":  # the key is never repeated, in the answer, the page or the log
        secret = setting.strip()
        assert secret not in response.text and secret not in page and secret not in caplog.text


async def test_the_client_refuses_a_connection_it_cannot_use_without_repeating_the_key():
    for connection, why in (
        (Connection("http://[::1", API_KEY, SERVER_ID), "base URL"),
        (Connection("http://127.0.0.1:99999/api/v4", API_KEY, SERVER_ID), "port"),
        (Connection("https://raid-helper.xyz/api/v4", "clé-secrète", SERVER_ID), "API key"),
        (Connection("https://raid-helper.xyz/api/v4", f"{API_KEY}\n", SERVER_ID), "API key"),
    ):
        with pytest.raises(RaidHelperError) as refused:
            RaidHelperClient(connection)
        assert why in refused.value.message and not refused.value.retryable
        assert connection.api_key.strip() not in refused.value.message
