"""Officer-only admin routes, seasons (shared table), the opt-in toggle and the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sv_common.identity.models import DiscordChannel, Player

ADMIN_ROUTES = [
    ("GET", "/api/v1/crafting/admin/status", None),
    ("PATCH", "/api/v1/crafting/admin/config", {"cadence_override_until": None}),
    ("POST", "/api/v1/crafting/admin/sync", None),
    ("GET", "/api/v1/admin/seasons", None),
    (
        "POST",
        "/api/v1/admin/seasons",
        {"expansion_name": "X", "season_number": 1, "start_date": "2026-01-01"},
    ),
    ("PATCH", "/api/v1/admin/seasons/1", {"is_active": False}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_admin_routes_refuse_anonymous_and_members(site, arrange, log_in, method, path, body):
    response = await site.request(method, path, json=body)
    assert response.status_code == 401, (path, response.status_code)
    await log_in(site, await arrange.account("Member"))
    response = await site.request(method, path, json=body)
    assert response.status_code == 403, (path, response.status_code)


async def test_admin_page_is_for_officers(site, arrange, log_in):
    await log_in(site, await arrange.account("Member"))
    assert (await site.get("/admin/crafting")).status_code == 403
    await log_in(site, await arrange.account("Officer"))
    page = await site.get("/admin/crafting")
    assert page.status_code == 200 and "Force refresh" in page.text


async def test_seasons_create_list_update_and_cadence(site, arrange, log_in):
    await log_in(site, await arrange.account("Officer"))
    started = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    response = await site.post(
        "/api/v1/admin/seasons",
        json={
            "expansion_name": "The Last Titan",
            "season_number": 1,
            "start_date": started,
            "is_new_expansion": True,
        },
    )
    assert response.status_code == 201, response.text
    season = site.data(response)
    assert season["display_name"] == "The Last Titan Season 1"
    future = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    await site.post(
        "/api/v1/admin/seasons",
        json={"expansion_name": "The Last Titan", "season_number": 2, "start_date": future},
    )
    listed = site.data(await site.get("/api/v1/admin/seasons"))
    assert [s["season_number"] for s in listed] == [2, 1]
    assert [s["is_current"] for s in listed] == [False, True]  # a future season is not current yet
    status = site.data(await site.get("/api/v1/crafting/sync-status"))
    assert (status["current_cadence"], status["daily_days_remaining"]) == ("daily", 25)
    assert status["season_name"] == "The Last Titan Season 1"
    clash = await site.post(
        "/api/v1/admin/seasons",
        json={"expansion_name": "the last titan", "season_number": 1, "start_date": started},
    )
    assert clash.status_code == 409
    moved = await site.patch(f"/api/v1/admin/seasons/{season['id']}", json={"start_date": future})
    assert moved.status_code == 409
    off = await site.patch(f"/api/v1/admin/seasons/{season['id']}", json={"is_active": False})
    assert site.data(off)["is_active"] is False
    assert site.data(await site.get("/api/v1/crafting/sync-status"))["current_cadence"] == "weekly"


async def test_a_blank_or_invisible_expansion_name_is_422_naming_the_field(site, arrange, log_in):
    await log_in(site, await arrange.account("Officer"))
    body = {"expansion_name": "Midnight", "season_number": 1, "start_date": "2026-03-01"}
    season = site.data(await site.post("/api/v1/admin/seasons", json=body))
    for blank in ("   ", "\u200b", "\u2060\ufeff", "\u00ad", "\u180e"):
        for method, url, sent in (
            ("POST", "/api/v1/admin/seasons", {**body, "expansion_name": blank, "season_number": 2}),
            ("PATCH", f"/api/v1/admin/seasons/{season['id']}", {"expansion_name": blank}),
        ):
            response = await site.request(method, url, json=sent)
            assert response.status_code == 422, (method, repr(blank), response.text)
            assert [d["field"] for d in response.json()["error"]["details"]] == ["expansion_name"]


async def test_override_channel_picker_and_force_refresh(site, arrange, log_in, db):
    await log_in(site, await arrange.account("Officer"))
    until = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    data = site.data(
        await site.patch("/api/v1/crafting/admin/config", json={"cadence_override_until": until})
    )
    assert data["current_cadence"] == "daily" and data["cadence_reason"] == "officer override"
    past = await site.patch("/api/v1/crafting/admin/config", json={"cadence_override_until": "2020-01-01"})
    assert past.status_code == 422
    unknown = await site.patch(
        "/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": "123456789012345678"}
    )
    assert unknown.status_code == 422
    async with db.session() as s:
        s.add(DiscordChannel(discord_channel_id="223456789012345678", name="crafters", channel_type="text"))
    data = site.data(
        await site.patch(
            "/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": "223456789012345678"}
        )
    )
    assert data["crafters_corner_channel_name"] == "crafters"
    assert [c["name"] for c in data["channels"]] == ["crafters"]
    response = await site.post("/api/v1/crafting/admin/sync")
    assert response.status_code == 202 and site.data(response)["queued"] is True


async def test_ping_toggle_through_the_api_and_the_profile_section(site, arrange, log_in, db):
    account = await arrange.account("Member")
    assert (await site.put("/api/v1/crafting/preferences", json={"ping_for_orders": True})).status_code == 401
    await log_in(site, account)
    page = await site.get("/profile")
    assert "Ping me for guild orders" in page.text
    response = await site.put("/api/v1/crafting/preferences", json={"ping_for_orders": True})
    assert site.data(response) == {"ping_for_orders": True}
    async with db.session() as s:
        assert (
            await s.scalar(
                select(Player.crafting_notifications_enabled).where(Player.id == account.player_id)
            )
        ) is True
    assert site.data(await site.get("/api/v1/crafting/preferences")) == {"ping_for_orders": True}
    bad = await site.put("/api/v1/crafting/preferences", json={"ping_for_orders": "yes please"})
    assert bad.status_code == 422


async def test_corner_page_and_the_legacy_address(site):
    page = await site.get("/crafting")
    assert page.status_code == 200 and "Who can craft" in page.text
    legacy = await site.get("/crafting-corner", follow_redirects=False)
    assert legacy.status_code == 301 and legacy.headers["location"] == "/crafting"


async def test_a_channel_no_longer_synced_is_shown_and_kept(site, arrange, log_in, db):
    """Orders still go to a channel deleted from the synced list: the picker shows its id as the
    selected option (not "nowhere"), and re-saving it keeps it while another unsynced id is refused."""
    from sqlalchemy import delete

    await log_in(site, await arrange.account("Officer"))
    kept, other = "323456789012345678", "423456789012345678"
    async with db.session() as s:
        s.add(DiscordChannel(discord_channel_id=kept, name="old-crafters", channel_type="text"))
        s.add(DiscordChannel(discord_channel_id="523456789012345678", name="general", channel_type="text"))
    saved = await site.patch("/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": kept})
    assert site.data(saved)["crafters_corner_channel_unsynced"] is False
    page = (await site.get("/admin/crafting")).text
    assert "not synced (any more)" not in page
    async with db.session() as s:
        await s.execute(delete(DiscordChannel).where(DiscordChannel.discord_channel_id == kept))

    page = (await site.get("/admin/crafting")).text
    assert f'<option value="{kept}" selected>A channel not synced (any more): {kept}</option>' in page
    nowhere = page.split('<option value="">', 1)[1].split("</option>", 1)[0]
    assert nowhere == "— nowhere (orders off) —"  # and it is not the selected one
    assert '<option value="" selected' not in page
    assert 'id="craft-channel-unsynced"' in page

    again = await site.patch("/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": kept})
    assert again.status_code == 200, again.text
    data = site.data(again)
    assert data["crafters_corner_channel_id"] == kept and data["crafters_corner_channel_unsynced"] is True
    refused = await site.patch("/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": other})
    assert refused.status_code == 422
    assert site.data(await site.get("/api/v1/crafting/admin/status"))["crafters_corner_channel_id"] == kept
    cleared = await site.patch("/api/v1/crafting/admin/config", json={"crafters_corner_channel_id": None})
    assert site.data(cleared)["crafters_corner_channel_id"] is None
    page = (await site.get("/admin/crafting")).text
    assert "not synced (any more)" not in page
