"""What an operator deploying the raids plugin meets: a typo in its settings, a site with no season."""

from __future__ import annotations

import pytest

from patt_host.plugins import PluginLoadError


def test_a_default_timezone_that_is_not_a_zone_stops_startup_naming_it(make_host, monkeypatch):
    # It used to be taken as it was and every event fell back to UTC without a word.
    monkeypatch.setenv("PATT_RAIDS_DEFAULT_TIMEZONE", "America/New_Yrok")
    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["identity", "raids"])
    message = str(info.value)
    assert "raids: invalid settings: PATT_RAIDS_DEFAULT_TIMEZONE: must be an IANA time zone" in message
    assert "'America/New_Yrok'" in message
    monkeypatch.setenv("PATT_RAIDS_DEFAULT_TIMEZONE", "Europe/Paris")
    assert (
        make_host(plugins=["identity", "raids"]).plugin_settings("raids").default_timezone == "Europe/Paris"
    )


async def test_without_a_season_the_raids_page_points_at_the_seasons_page(officer):
    page = (await officer.get("/admin/raids")).text
    line = page[page.index("Season:") :].split("</p>", 1)[0]
    assert 'href="/admin/seasons"' in line and "Seasons page" in line
    assert "Crafting page" not in line  # seasons moved to their own page
