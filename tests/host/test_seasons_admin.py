"""The guild's seasons page and API, served by the host: on a site without crafting or raids
too, officers only, and one menu entry however many plugins list it; the admin menu marks the
section of a page below an entry."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from patt_host.testing import eventually
from sv_common import seasons
from sv_common.errors import Conflict, ValidationFailed

TODAY = datetime.now(UTC).date()
AHEAD = (TODAY + timedelta(days=400)).isoformat()  # entered ahead: not current yet
OFFICER = {"X-Sample-User": "Olga:4"}
MEMBER = {"X-Sample-User": "Mem:2"}


async def test_officers_edit_seasons_on_a_site_without_the_plugins_that_read_them(make_client):
    client = await make_client(plugins=["sample"])
    for headers, status in (({}, 401), (MEMBER, 403)):
        assert (await client.get("/api/v1/admin/seasons", headers=headers)).status_code == status
        assert (
            await client.post(
                "/api/v1/admin/seasons",
                headers=headers,
                json={"expansion_name": "X", "season_number": 1, "start_date": "2026-01-01"},
            )
        ).status_code == status
    first = await client.post(
        "/api/v1/admin/seasons",
        headers=OFFICER,
        json={
            "expansion_name": "Midnight",
            "season_number": 1,
            "start_date": "2026-03-01",
            "is_new_expansion": True,
        },
    )
    assert first.status_code == 201, first.text
    season = client.data(first)
    assert season["display_name"] == "Midnight Season 1" and season["is_new_expansion"] is True
    ahead = client.data(
        await client.post(
            "/api/v1/admin/seasons",
            headers=OFFICER,
            json={"expansion_name": "Midnight", "season_number": 2, "start_date": AHEAD},
        )
    )
    listed = client.data(await client.get("/api/v1/admin/seasons", headers=OFFICER))
    assert [(s["season_number"], s["is_current"]) for s in listed] == [(2, False), (1, True)]

    clash = await client.post(
        "/api/v1/admin/seasons",
        headers=OFFICER,
        json={"expansion_name": "midnight", "season_number": 1, "start_date": "2026-04-01"},
    )
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "season_exists"
    fixed = await client.patch(
        f"/api/v1/admin/seasons/{season['id']}", headers=OFFICER, json={"start_date": "2026-03-02"}
    )
    assert fixed.status_code == 409 and fixed.json()["error"]["code"] == "start_date_fixed"
    for bad in ({"expansion_name": "\u200b"}, {"season_number": 100}, {"colour": "red"}):
        assert (
            await client.patch(f"/api/v1/admin/seasons/{season['id']}", headers=OFFICER, json=bad)
        ).status_code == 422, bad
    assert (
        await client.patch("/api/v1/admin/seasons/999999", headers=OFFICER, json={"is_active": False})
    ).status_code == 404
    off = client.data(
        await client.patch(f"/api/v1/admin/seasons/{ahead['id']}", headers=OFFICER, json={"is_active": False})
    )
    assert off["is_active"] is False

    page = await client.get("/admin/seasons", headers=OFFICER)
    assert page.status_code == 200
    assert (
        'id="seasons-table"' in page.text
        and 'Midnight Season 1 <span class="badge">current</span>' in page.text
    )
    assert page.text.count('href="/admin/seasons"') == 0  # no plugin here lists the page
    assert (await client.get("/admin/seasons", headers=MEMBER)).status_code in (303, 403)


async def test_the_patt_site_lists_the_seasons_page_once(officer_client):
    """Crafting and raids both read seasons and both list the page: one menu entry."""
    page = await officer_client.get("/admin")
    assert page.status_code == 200
    sidebar = page.text.split('<div class="admin-nav-wide">')[1].split("</nav>")[0]
    assert sidebar.count('href="/admin/seasons"') == 1
    crafting = await officer_client.get("/admin/crafting")
    assert 'href="/admin/seasons"' in crafting.text and 'id="craft-season-new"' not in crafting.text


async def test_a_page_under_a_menu_entry_names_its_section(officer_client):
    """/admin/discord/sent is under "Discord": the folded phone menu says so, the sidebar marks it."""
    page = (await officer_client.get("/admin/discord/sent")).text
    assert '<summary>Admin menu <span class="muted">· Discord</span></summary>' in page
    assert '<a href="/admin/discord" aria-current="location">Discord</a>' in page
    dashboard = (await officer_client.get("/admin")).text
    assert '<a href="/admin" aria-current="page">' in dashboard
    assert 'aria-current="location"' not in dashboard  # the dashboard is no section of itself


async def _season(client, name: str, number: int, start: str = "2026-03-01", **flags):
    return await client.post(
        "/api/v1/admin/seasons",
        headers=OFFICER,
        json={"expansion_name": name, "season_number": number, "start_date": start, **flags},
    )


async def test_a_flag_sent_as_null_is_refused_and_the_season_stays_current(make_client):
    """bool(None) used to switch both flags off, so a null could end the current season."""
    client = await make_client(plugins=["sample"])
    season = client.data(await _season(client, "Midnight", 1, is_new_expansion=True))
    url = f"/api/v1/admin/seasons/{season['id']}"
    for body in (
        {"is_active": None, "is_new_expansion": None},
        {"is_active": None},
        {"is_new_expansion": None},
        {"expansion_name": None},
        {"season_number": None},
        {"is_active": "no"},
        {"is_active": 0},
    ):
        refused = await client.patch(url, headers=OFFICER, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert {d["field"] for d in refused.json()["error"]["details"]} == set(body), body
    for flag in ("is_active", "is_new_expansion"):
        refused = await _season(client, "Midnight", 2, **{flag: None})
        assert refused.status_code == 422, (flag, refused.text)
    listed = client.data(await client.get("/api/v1/admin/seasons", headers=OFFICER))
    assert [(s["is_active"], s["is_new_expansion"], s["is_current"]) for s in listed] == [(True, True, True)]


async def test_null_flags_are_refused_by_the_service_too(db):
    """Plugins call sv_common.seasons directly, without the route's model."""
    async with db.session() as session:
        season = await seasons.create_season(
            session, expansion_name="Midnight", season_number=1, start_date=date(2026, 3, 1)
        )
        for flag in ("is_active", "is_new_expansion"):
            with pytest.raises(ValidationFailed):
                await seasons.update_season(session, season.id, **{flag: None})
            with pytest.raises(ValidationFailed):
                await seasons.create_season(
                    session,
                    expansion_name="Midnight",
                    season_number=2,
                    start_date=date(2026, 3, 1),
                    **{flag: None},
                )
        assert (season.is_active, season.is_new_expansion) == (True, False)


@pytest.mark.parametrize(
    "start",
    [
        "0001-01-01",
        "9999-12-31",
        "2004-11-22",
        0,
        1772323200,
        20260301.0,
        "2026-03-01T00:00:00",
        "1.3.2026",
        None,
    ],
)
async def test_a_start_date_outside_the_games_lifetime_or_not_a_date_string_is_422(make_client, start):
    client = await make_client(plugins=["sample"])
    refused = await _season(client, "Midnight", 1, start)
    assert refused.status_code == 422, refused.text
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["start_date"]
    assert client.data(await client.get("/api/v1/admin/seasons", headers=OFFICER)) == []


async def test_a_start_date_from_wows_release_to_five_years_ahead_is_accepted(make_client, db):
    client = await make_client(plugins=["sample"])
    last = (TODAY + timedelta(days=5 * 366)).isoformat()
    for number, start in ((1, "2004-11-23"), (2, last)):
        created = await _season(client, "Classic", number, start)
        assert created.status_code == 201, created.text
        assert client.data(created)["start_date"] == start
    too_far = await _season(client, "Classic", 3, (TODAY + timedelta(days=5 * 366 + 1)).isoformat())
    assert too_far.status_code == 422
    async with db.session() as session:  # the service keeps the rule for plugins that call it
        for day in (date(1970, 1, 1), date(9999, 12, 31), datetime(2026, 3, 1, tzinfo=UTC)):
            with pytest.raises(ValidationFailed):
                await seasons.create_season(
                    session, expansion_name="Classic", season_number=4, start_date=day
                )


LOOKALIKES = [
    "midnight",
    "MIDNIGHT",
    "\u200bMidnight",  # zero-width space before
    "Midnight\u200b",
    "Midnight\ufe0f",  # variation selector
    "\uff2didnight",  # full-width M
    "\uff2d\uff29\uff24\uff2e\uff29\uff27\uff28\uff34",  # all full-width
    "Mid\u00adnight",  # soft hyphen inside
    "\u2060Midnight\ufeff",
    "Midnight\u00a0",
]


async def test_names_that_read_the_same_are_the_same_expansion(make_client):
    client = await make_client(plugins=["sample"])
    assert (await _season(client, "Midnight", 1)).status_code == 201
    for name in LOOKALIKES:
        clash = await _season(client, name, 1, "2026-04-01")
        assert clash.status_code == 409, (repr(name), clash.text)
        error = clash.json()["error"]
        assert (error["code"], error["message"]) == ("season_exists", "Midnight Season 1 exists already.")
    # Stored tidied: full-width letters plain, nothing invisible at the ends.
    second = client.data(await _season(client, "\u200b \uff2didnight\ufe0f ", 2, "2026-05-01"))
    assert second["expansion_name"] == "Midnight" and second["display_name"] == "Midnight Season 2"
    renamed = await client.patch(
        f"/api/v1/admin/seasons/{second['id']}", headers=OFFICER, json={"season_number": 1}
    )
    assert renamed.status_code == 409 and renamed.json()["error"]["code"] == "season_exists"
    # Another expansion is not a look-alike.
    assert (await _season(client, "Midnight Falls", 1)).status_code == 201


async def test_concurrent_case_variants_make_one_season_and_its_flags_stay_editable(make_client):
    client = await make_client(plugins=["sample"])
    names = ["Casey", "casey", "CASEY", "cAsey"]
    answers = await asyncio.gather(*(_season(client, name, 8) for name in names))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"season_exists"}
    created = next(client.data(a) for a in answers if a.status_code == 201)
    url = f"/api/v1/admin/seasons/{created['id']}"
    for body in ({"is_active": False}, {"is_new_expansion": True}, {"is_active": True}):
        changed = await client.patch(url, headers=OFFICER, json=body)
        assert changed.status_code == 200, (body, changed.text)
    # Its own name in another case, and its own name and number sent again, are no clash.
    for body in ({"expansion_name": "CASEY"}, {"expansion_name": "Casey", "season_number": 8}):
        same = await client.patch(url, headers=OFFICER, json=body)
        assert same.status_code == 200 and client.data(same)["expansion_name"] == body["expansion_name"]
    other = client.data(await _season(client, "Casey", 9))
    clash = await client.patch(
        f"/api/v1/admin/seasons/{other['id']}", headers=OFFICER, json={"season_number": 8}
    )
    assert clash.status_code == 409 and clash.json()["error"]["message"] == "Casey Season 8 exists already."
    listed = client.data(await client.get("/api/v1/admin/seasons", headers=OFFICER))
    assert sorted((s["expansion_name"], s["season_number"]) for s in listed) == [("Casey", 8), ("Casey", 9)]


async def test_a_lost_race_meets_the_unique_constraint_as_the_same_409(db):
    """Two transactions both pass the check before either commits: the constraint decides."""
    first = db.sessionmaker()
    await first.begin()
    try:
        await seasons.create_season(
            first, expansion_name="Casey", season_number=8, start_date=date(2026, 3, 1)
        )

        async def second() -> None:
            async with db.session() as session:
                await seasons.create_season(
                    session, expansion_name="cASEY", season_number=8, start_date=date(2026, 3, 1)
                )

        racing = asyncio.create_task(second())

        async def waiting_on_the_first() -> bool:
            async with db.read() as conn:
                return bool(
                    await conn.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock'"
                        )
                    )
                )

        await eventually(waiting_on_the_first)  # past its check, blocked on the index
        await first.commit()
    finally:
        await first.close()
    with pytest.raises(Conflict) as refused:
        await racing
    assert refused.value.code == "season_exists" and refused.value.message == "cASEY Season 8 exists already."
    async with db.session() as session:
        assert [(s.expansion_name, s.season_number) for s in await seasons.list_seasons(session)] == [
            ("Casey", 8)
        ]
