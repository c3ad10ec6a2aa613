"""The guild's seasons page and API, served by the host: on a site without crafting or raids
too, officers only, and one menu entry however many plugins list it; the admin menu marks the
section of a page below an entry."""

from __future__ import annotations

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
            json={"expansion_name": "Midnight", "season_number": 2, "start_date": "2099-01-01"},
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
