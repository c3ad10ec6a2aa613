"""Site-wide page behaviour over HTTP: favicon, the original site's URLs, taglines, human times."""

import dataclasses
from datetime import UTC, date, datetime

from patt_host.site import load_site
from patt_host.web.templates import human_time

LEGACY = {
    "/roster.html": "/roster",
    "/roster-view.html": "/roster",
    "/raid-admin": "/admin",
    "/raid-admin.html": "/admin",
    "/mitos-corner": "/mito",
    "/mitos-corner.html": "/mito",
    "/api/v1/guild/mito": "/api/v1/mito",
}


async def test_favicon_is_served_not_404(make_client):
    client = await make_client()
    response = await client.get("/favicon.ico")
    assert response.status_code == 301
    icon = await client.get(response.headers["location"])
    assert icon.status_code == 200 and icon.text.startswith("<svg")
    assert 'rel="icon"' in (await client.get("/")).text


async def test_original_site_urls_redirect_permanently(make_client):
    client = await make_client()
    for old, new in LEGACY.items():
        response = await client.get(old)
        assert (response.status_code, response.headers["location"]) == (301, new), old
        # The target exists (the admin one sends anonymous visitors on to the login page).
        assert (await client.get(new)).status_code in (200, 303), new


async def test_the_original_mito_api_url_answers_in_its_shape(make_client):
    """The original's GET /api/v1/guild/mito gave data: {quotes: [{id, quote}], titles: [{id, title}]}."""
    client = await make_client()
    async with client.host.db.session() as session:
        from patt_mito import service

        await service.add(session, "quotes", "Pull all the things!")
        await service.add(session, "titles", "the Puller")
    response = await client.get("/api/v1/guild/mito", follow_redirects=True)
    assert response.status_code == 200
    data = response.json()["data"]
    assert [q["quote"] for q in data["quotes"]] == ["Pull all the things!"] and data["quotes"][0]["id"]
    assert [t["title"] for t in data["titles"]] == ["the Puller"] and data["titles"][0]["id"]


async def test_sister_site_tagline_appears_once_on_its_home_page(make_client):
    for name in ("salt", "shadowedvaca", "patt"):
        client = await make_client(site=name)
        html = (await client.get("/")).text
        assert html.count(client.host.site.tagline) == 1, name


async def test_a_home_page_without_hero_text_does_not_repeat_the_tagline(make_client):
    site = dataclasses.replace(load_site("salt"), texts={}, plugins=[])
    client = await make_client(site=site)
    assert (await client.get("/")).text.count(site.tagline) == 1


async def test_anonymous_visitor_is_told_why_the_login_page_appeared(make_client):
    client = await make_client()
    response = await client.get("/profile")
    assert response.headers["location"] == "/login?next=/profile"
    login = await client.get(response.headers["location"])
    assert "Log in to continue to that page." in login.text
    assert "Log in to continue" not in (await client.get("/login")).text


def test_human_time_is_readable_utc_text_in_a_time_element():
    moment = datetime(2026, 12, 2, 0, 42, 19, tzinfo=UTC)
    html = str(human_time(moment))
    assert html == (
        '<time class="js-time" data-style="absolute" datetime="2026-12-02T00:42:19+00:00">2 Dec 2026, 00:42 UTC</time>'
    )
    assert 'data-style="relative"' in str(human_time("2026-12-02T00:42:19+00:00", "relative"))
    assert str(human_time(None)) == "—"
    # A date is a day on the calendar: written with its weekday, never moved to another zone.
    day = '<time class="js-time" data-style="date" datetime="2026-10-28">Wed 28 Oct 2026</time>'
    assert str(human_time(date(2026, 10, 28))) == day and str(human_time("2026-10-28")) == day
    assert str(human_time("<b>not a date</b>")) == "&lt;b&gt;not a date&lt;/b&gt;"


async def test_roster_shows_a_human_update_time_not_an_iso_stamp(make_client):
    client = await make_client()
    html = (await client.get("/roster")).text
    assert 'Updated <time class="js-time" data-style="relative"' in html
    assert "UTC</time>." in html
