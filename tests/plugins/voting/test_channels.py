"""A campaign's Discord channel: only one of the guild's synced text channels, through the JSON API
and the officers' forms alike; clearing it is always allowed, and a campaign whose channel is gone
stays editable."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from patt_voting.models import Campaign

TEXT = "111111111111111111"
NEWS = "222222222222222222"
VOICE = "333333333333333333"
CATEGORY = "444444444444444444"
UNKNOWN = "999999999999999999"
GUILD = {TEXT: "text", NEWS: "news", VOICE: "voice", CATEGORY: "category"}


def draft(**fields) -> dict:
    return {
        "title": "Channel poll",
        "start_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        "duration_hours": 24,
    } | fields


async def create(officer, **fields):
    return await officer.client.post(
        "/api/v1/admin/campaigns", headers=officer.voter.auth, json=draft(**fields)
    )


async def patch(officer, campaign_id: int, **fields):
    return await officer.client.patch(
        f"/api/v1/admin/campaigns/{campaign_id}", headers=officer.voter.auth, json=fields
    )


def refused(response) -> str:
    """The 422 ``unknown_channel`` envelope's message."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "unknown_channel"
    return error["message"]


async def stored(db, campaign_id: int):
    async with db.session() as s:
        return (await s.get(Campaign, campaign_id)).discord_channel_id


async def campaign_count(db) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(Campaign))


async def test_create_takes_a_synced_text_or_news_channel_and_refuses_the_rest(officer, synced_channels, db):
    await synced_channels(GUILD)
    text = await create(officer, discord_channel_id=TEXT)
    assert text.status_code == 201 and text.json()["data"]["discord_channel_id"] == TEXT
    news = await create(officer, discord_channel_id=NEWS)
    assert news.status_code == 201 and news.json()["data"]["discord_channel_id"] == NEWS

    assert "not a text channel (voice)" in refused(await create(officer, discord_channel_id=VOICE))
    assert "not a text channel (category)" in refused(await create(officer, discord_channel_id=CATEGORY))
    assert "not one of the server's synced channels" in refused(
        await create(officer, discord_channel_id=UNKNOWN)
    )
    none = await create(officer, discord_channel_id=None)
    assert none.status_code == 201 and none.json()["data"]["discord_channel_id"] is None
    assert await campaign_count(db) == 3  # the refused ones left nothing behind


async def test_patch_checks_a_new_channel_and_always_allows_clearing_it(officer, synced_channels, db):
    await synced_channels(GUILD)
    campaign = (await create(officer)).json()["data"]

    assert "voice" in refused(await patch(officer, campaign["id"], discord_channel_id=VOICE, title="Renamed"))
    refused(await patch(officer, campaign["id"], discord_channel_id=UNKNOWN))
    async with db.session() as s:
        row = await s.get(Campaign, campaign["id"])
        assert (row.title, row.discord_channel_id) == ("Channel poll", None)  # nothing of a refused body

    moved = await patch(officer, campaign["id"], discord_channel_id=TEXT)
    assert moved.status_code == 200 and moved.json()["data"]["discord_channel_id"] == TEXT
    cleared = await patch(officer, campaign["id"], discord_channel_id=None)
    assert cleared.status_code == 200 and cleared.json()["data"]["discord_channel_id"] is None
    assert await stored(db, campaign["id"]) is None


async def test_with_no_channel_synced_a_channel_is_refused_with_what_to_do(officer, db):
    """Discord not set up yet (or the bot never connected): nothing can check an id, so none is
    taken; a campaign without a channel (the default announcement channel) still works."""
    message = refused(await create(officer, discord_channel_id=TEXT))
    assert "No Discord channels have been synced yet" in message and "leave the channel empty" in message
    assert await campaign_count(db) == 0

    campaign = await create(officer)
    assert campaign.status_code == 201
    campaign_id = campaign.json()["data"]["id"]
    refused(await patch(officer, campaign_id, discord_channel_id=TEXT))
    cleared = await patch(officer, campaign_id, discord_channel_id=None, title="Still editable")
    assert cleared.status_code == 200 and cleared.json()["data"]["title"] == "Still editable"


async def test_a_campaign_whose_channel_is_gone_still_loads_and_edits(api, officer, synced_channels, db):
    await synced_channels(GUILD)
    campaign_id = (await create(officer, discord_channel_id=TEXT)).json()["data"]["id"]
    await synced_channels({NEWS: "news"})  # #text was deleted in Discord; the next sync removes it

    loaded = await api.get(f"/api/v1/campaigns/{campaign_id}", headers=officer.voter.auth)
    assert loaded.status_code == 200 and loaded.json()["data"]["discord_channel_id"] == TEXT
    titled = await patch(officer, campaign_id, title="New title")
    assert titled.status_code == 200 and titled.json()["data"]["discord_channel_id"] == TEXT
    # A client that sends the whole campaign back keeps the channel it has.
    same = await patch(officer, campaign_id, title="Whole body", discord_channel_id=TEXT)
    assert same.status_code == 200 and same.json()["data"]["title"] == "Whole body"
    # Changing it is checked like any other change.
    refused(await patch(officer, campaign_id, discord_channel_id=UNKNOWN))
    assert await stored(db, campaign_id) == TEXT

    # The edit form re-sends the channel it shows ("A channel not synced (any more)") with the rest.
    page = (await api.get(f"/admin/campaigns/{campaign_id}", headers=officer.voter.auth)).text
    assert f'<option value="{TEXT}" selected>A channel not synced (any more): {TEXT}</option>' in page
    form = {
        "title": "Edited on the page",
        "start_at": "2030-01-02T18:30",
        "duration_hours": "24",
        "picks_per_voter": "1",
        "min_rank_to_vote": "1",
        "live_results_every": "5",
        "discord_channel_id": TEXT,
    }
    saved = await api.post(f"/admin/campaigns/{campaign_id}", data=form, headers=officer.voter.auth)
    assert saved.status_code == 303, saved.text
    async with db.session() as s:
        row = await s.get(Campaign, campaign_id)
        assert (row.title, row.discord_channel_id) == ("Edited on the page", TEXT)
    # "The default announcement channel" (an empty choice) clears it.
    cleared = await api.post(
        f"/admin/campaigns/{campaign_id}", data=form | {"discord_channel_id": ""}, headers=officer.voter.auth
    )
    assert cleared.status_code == 303
    assert await stored(db, campaign_id) is None


async def test_the_forms_refuse_a_channel_the_picker_does_not_offer(api, officer, synced_channels, db):
    await synced_channels(GUILD)
    headers = officer.voter.auth
    form = {
        "title": "Forged",
        "start_at": "2030-01-02T18:30",
        "duration_hours": "24",
        "picks_per_voter": "1",
        "min_rank_to_vote": "1",
        "live_results_every": "5",
        "discord_channel_id": VOICE,
    }
    created = await api.post("/admin/campaigns", data=form, headers=headers)
    assert created.status_code == 422 and "not a text channel (voice)" in created.text
    assert 'role="alert"' in created.text  # shown next to the form
    assert await campaign_count(db) == 0

    made = await api.post("/admin/campaigns", data=form | {"discord_channel_id": TEXT}, headers=headers)
    assert made.status_code == 303
    campaign_id = int(re.search(r"/admin/campaigns/(\d+)", made.headers["location"]).group(1))
    edited = await api.post(
        f"/admin/campaigns/{campaign_id}", data=form | {"discord_channel_id": UNKNOWN}, headers=headers
    )
    assert edited.status_code == 422 and "not one of the server&#39;s synced channels" in edited.text
    assert await stored(db, campaign_id) == TEXT
