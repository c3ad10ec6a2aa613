"""Site bundles: enabled plugin sets, branding, and template overrides."""

import dataclasses

from patt_host.site import available_sites, load_site

OFFICER = {"X-Sample-User": "Olga:4"}


def test_every_site_bundle_loads_and_names_its_plugins():
    sites = {name: load_site(name) for name in available_sites()}
    assert {"patt", "salt", "shadowedvaca"} <= set(sites)
    assert "identity" in sites["patt"].plugins
    # Sister sites enable a subset of what PATT runs.
    for name in ("salt", "shadowedvaca"):
        assert set(sites[name].plugins) <= set(sites["patt"].plugins)


async def test_each_site_serves_its_own_home_page(make_client):
    for name in sorted(available_sites()):
        client = await make_client(site=name)
        response = await client.get("/")
        assert response.status_code == 200, name
        assert f"<title>Home · {client.host.site.title}</title>" in response.text


async def test_site_package_overrides_a_plugin_template(make_client, tmp_path):
    overrides = tmp_path / "templates" / "sample"
    overrides.mkdir(parents=True)
    (overrides / "page.html").write_text(
        '{% extends "core/base.html" %}{% block content %}<p id="o">site wins</p>{% endblock %}'
    )
    site = dataclasses.replace(load_site("patt"), plugins=["sample"], templates_dir=tmp_path / "templates")
    client = await make_client(site=site)
    response = await client.get("/sample/page")
    assert '<p id="o">site wins</p>' in response.text


async def test_site_texts_reach_templates(make_client):
    site = dataclasses.replace(load_site("patt"), title="Salted Guild", plugins=[])
    client = await make_client(site=site)
    assert "Salted Guild" in (await client.get("/")).text
