"""The app factory's web behaviour: envelope, error pages, headers, CSRF, static files, introspection."""

import re
from typing import Annotated

import pytest
from fastapi import APIRouter, Form, Path
from pydantic import BaseModel

from patt_host import hookimpl
from patt_host.testing import ManualClock

OFFICER = {"X-Sample-User": "Olga:4"}


class Broken:
    name = "broken"

    @hookimpl
    def register_routers(self):
        router = APIRouter()

        @router.get("/api/v1/broken")
        async def api_boom():
            raise RuntimeError("kaboom")

        @router.get("/broken")
        async def page_boom():
            raise RuntimeError("kaboom")

        @router.post("/broken/form")
        async def form(name: Annotated[str, Form()]):
            return {"hello": name}

        @router.post("/api/v1/broken/echo")
        async def echo(body: dict[str, int]):
            return body

        return router


async def test_unknown_api_path_is_a_404_envelope(client):
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error": {"code": "not_found", "message": "Not Found"}}


async def test_unknown_page_is_an_html_404(client):
    response = await client.get("/nope", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text


async def test_crash_gives_500_with_error_id_and_no_traceback(make_client):
    client = await make_client(plugins=["broken"], extra_plugins=[Broken])
    api = await client.get("/api/v1/broken")
    assert api.status_code == 500
    body = api.json()
    assert body["ok"] is False and body["error"]["code"] == "internal_error"
    assert len(body["error"]["details"]["error_id"]) == 8
    assert "kaboom" not in api.text
    page = await client.get("/broken")
    assert page.status_code == 500 and body["error"]["details"]["error_id"] not in page.text
    assert "Error id:" in page.text and "kaboom" not in page.text


async def test_validation_error_is_a_422_envelope(make_client):
    client = await make_client(plugins=["broken"], extra_plugins=[Broken])
    response = await client.post("/api/v1/broken/echo", json={"a": "not a number"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["details"][0]["field"] == "a"


class Numbers(BaseModel):
    n: int


class Ids:
    """Routes with int path, query and body parameters, bounded and not."""

    name = "ids"

    @hookimpl
    def register_routers(self):
        router = APIRouter()

        @router.get("/api/v1/ids/{item_id}")
        async def unbounded(item_id: int, n: int = 0):
            return {"item_id": item_id, "n": n}

        @router.get("/api/v1/ids/bounded/{item_id}")
        async def bounded(item_id: Annotated[int, Path(ge=1, le=2**31 - 1)]):
            return {"item_id": item_id}

        @router.post("/api/v1/ids")
        async def body(numbers: Numbers):
            return numbers.model_dump()

        return router


@pytest.mark.parametrize(
    "spelling", ["1.0", "+1", "%201", "1%20", "01", "1e3", "1_0", "-0", "0x1", "%EF%BC%91"]
)
async def test_an_int_path_parameter_has_one_spelling(make_client, spelling):
    """pydantic's lax parsing takes "1.0", "+1", " 1", "01" and "1_0" as ints: one resource,
    many addresses. The host refuses them for every int path parameter, bounded or not."""
    client = await make_client(plugins=["ids"], extra_plugins=[Ids])
    for url in (f"/api/v1/ids/{spelling}", f"/api/v1/ids/bounded/{spelling}"):
        response = await client.get(url)
        assert response.status_code == 422, (url, response.text)
        assert [d["field"] for d in response.json()["error"]["details"]] == ["path.item_id"]


async def test_plain_int_path_parameters_still_work(make_client):
    client = await make_client(plugins=["ids"], extra_plugins=[Ids])
    for value in (0, 7, -5, 2**31 - 1):
        assert (await client.get(f"/api/v1/ids/{value}")).json()["item_id"] == value
    assert (await client.get("/api/v1/ids/bounded/42")).json() == {"item_id": 42}
    # Query parameters come from forms people type into: lax spellings stay accepted there.
    assert (await client.get("/api/v1/ids/1", params={"n": "02"})).json()["n"] == 2


async def test_out_of_range_ints_are_caught_however_they_are_spelled(make_client):
    """The range check reads a value as pydantic will: "1_0000000000" and 2147483648.0 got past it."""
    client = await make_client(plugins=["ids"], extra_plugins=[Ids])

    def fields(response):
        assert response.status_code == 422, response.text
        return [d["field"] for d in response.json()["error"]["details"]]

    for value in ("1_0000000000", "2147483648.0", " 2147483648 ", "+2147483648"):
        assert fields(await client.get("/api/v1/ids/1", params={"n": value})) == ["query.n"]
    for value in ("1_0000000000", 2147483648.0, -2147483649.0, "9" * 5000):
        assert fields(await client.post("/api/v1/ids", json={"n": value})) == ["n"]
    assert (await client.post("/api/v1/ids", json={"n": "2_147_483_647"})).json() == {"n": 2**31 - 1}


async def test_security_headers(client):
    response = await client.get("/api/health")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers


async def test_hsts_in_production(make_client):
    client = await make_client(app_env="production")
    assert client.app.docs_url is None
    response = await client.get("/api/health")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_health_in_production_shows_the_public_only_its_status(make_client):
    client = await make_client(plugins=["sample"], app_env="production")
    public = client.data(await client.get("/api/health"))
    assert public == {"status": "ok"}  # no version, no configured integrations, no outbox counts
    officer = client.data(await client.get("/api/health", headers=OFFICER))
    assert (
        officer["status"] == "ok" and officer["version"] and officer["checks"]["database"]["status"] == "ok"
    )
    member = client.data(await client.get("/api/health", headers={"X-Sample-User": "Max:2"}))
    assert member == {"status": "ok"}
    opted_in = await make_client(plugins=["sample"], app_env="production", patt_public_health_details=True)
    assert "checks" in opted_in.data(await opted_in.get("/api/health"))


async def test_csrf_refuses_cookie_authenticated_post_without_token(make_client):
    client = await make_client(plugins=["sample"])
    client.cookies.set("patt_token", "anything")
    client.send_csrf = False
    refused = await client.post("/api/v1/sample/items", json={"label": "x"}, headers=OFFICER)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    forged = await client.post(
        "/api/v1/sample/items", json={"label": "x"}, headers={**OFFICER, "X-CSRF-Token": "abc.def"}
    )
    assert forged.status_code == 403
    client.send_csrf = True
    allowed = await client.post("/api/v1/sample/items", json={"label": "x"}, headers=OFFICER)
    assert allowed.status_code == 201


async def test_csrf_refuses_plain_form_post(make_client):
    client = await make_client(plugins=["sample"])
    client.send_csrf = False
    response = await client.post("/api/v1/jobs/sample.fail/run", data={"x": "1"}, headers=OFFICER)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


async def test_csrf_token_accepted_in_form_field(make_client):
    client = await make_client(plugins=["broken"], extra_plugins=[Broken])
    client.send_csrf = False
    client.cookies.set("patt_token", "x")
    response = await client.post("/broken/form", data={"csrf_token": client.csrf_token, "name": "Trog"})
    assert response.status_code == 200
    assert response.json() == {"hello": "Trog"}
    refused = await client.post("/broken/form", data={"name": "Trog"})
    assert refused.status_code == 403


async def test_page_sets_csrf_cookie_and_meta(make_client):
    client = await make_client(plugins=["sample"])
    client.cookies.clear()
    response = await client.get("/sample/page")
    token = response.cookies.get("patt_csrf")
    assert token and f'<meta name="csrf-token" content="{token}">' in response.text


async def test_plugin_static_files_are_served(make_client):
    client = await make_client(plugins=["sample"])
    response = await client.get("/static/plugins/sample/sample.css")
    assert response.status_code == 200
    assert ".sample-marker" in response.text
    assert (await client.get("/static/plugins/core/theme.css")).status_code == 200


async def test_plugins_introspection(make_client):
    officer = {"X-Sample-User": "Olga:4"}
    client = await make_client(plugins=["sample"])
    data = client.data(await client.get("/-/plugins.json", headers=officer))
    by_name = {p["name"]: p for p in data["plugins"]}
    sample = by_name["sample"]
    assert sample["migrations"] is True
    assert "register_routers" in sample["hooks"]
    assert by_name["core"]["internal"] is True
    assert {"path": "/api/v1/sample/items", "methods": ["POST"], "name": "sample.add_item"} in sample[
        "routes"
    ]
    jobs = {j["name"]: j for j in sample["jobs"]}
    assert jobs["sample.count_items"]["schedules"] == ["*/15 * * * *"]
    assert jobs["sample.exclusive_count"]["exclusive"] is True
    assert sample["cogs"] is None  # no bot in this process
    page = await client.get("/-/plugins", headers=officer)
    assert 'data-plugin="sample"' in page.text and "/api/v1/sample/items" in page.text
    # The page keeps the site's branding (the document's "site" name must not shadow it).
    brand = re.search(r'class="brand"[^>]*>(.*?)</a>', page.text, re.S).group(1)
    assert client.host.site.title in brand and "built-in method" not in page.text


async def test_plugins_introspection_is_for_officers_unless_made_public(make_client):
    client = await make_client(plugins=["sample"])
    assert (await client.get("/-/plugins.json")).status_code == 401
    assert (await client.get("/-/plugins.json", headers={"X-Sample-User": "Max:2"})).status_code == 403
    assert (await client.get("/-/plugins", headers={"X-Sample-User": "Max:2"})).status_code == 403
    public = await make_client(plugins=["sample"], patt_public_introspection=True)
    assert (await public.get("/-/plugins.json")).status_code == 200


async def test_health_is_503_when_database_is_down(make_client, monkeypatch):
    client = await make_client()
    from sv_common.db import Database

    clock = client.host.plugin("health").obj.clock = ManualClock()
    assert (await client.get("/api/health")).status_code == 200
    await client.host.db.dispose()
    # The host's database now points where nothing listens (closed again by the host on exit).
    monkeypatch.setattr(client.host, "_db", Database("postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    assert (await client.get("/api/health")).status_code == 200  # still the cached result
    clock.advance(1.01)  # past the health cache
    response = await client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "unhealthy"
    assert body["error"]["details"]["checks"]["database"]["status"] == "down"


async def test_login_redirect_only_when_a_login_page_exists(make_client):
    client = await make_client(plugins=["sample"])
    assert client.app.state.login_path is None  # no identity plugin: nothing serves /login
    response = await client.get("/admin/jobs", headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert "Login required" in response.text
    with_identity = await make_client(plugins=["identity", "sample"])
    response = await with_identity.get("/admin/jobs")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/admin/jobs"


class Quoter:
    """Answers the specific ``home_quote`` slot and the generic ``home`` one, and counts its calls."""

    name = "quoter"
    calls: list[str] = []

    @hookimpl
    def template_slot(self, slot, context):
        if slot not in ("home_quote", "home"):
            return None
        Quoter.calls.append(slot)
        return "<p class='quoter'>a quote</p>"


@pytest.mark.parametrize(
    ("site", "asked"),
    [
        ("patt", ["home_quote"]),  # its home page has home_quote (falling back to home), then home
        ("salt", ["home"]),  # the core home page has only the generic slot
    ],
)
async def test_a_plugin_fills_a_slot_and_its_fallback_once_per_page(make_client, site, asked):
    client = await make_client(site=site, extra_plugins=[Quoter], patt_extra_plugins="quoter")
    Quoter.calls.clear()
    page = (await client.get("/")).text
    assert page.count("class='quoter'") == 1
    assert Quoter.calls == asked  # not even called for the fallback it already filled


def test_breakable_escapes_and_lets_a_long_identifier_wrap_after_its_separators():
    """Templates' ``breakable``: /admin/jobs' names, triggers and counts wrap at 1024 px."""
    from patt_host.web.templates import breakable

    assert breakable("discord.deliver_notifications") == "discord.<wbr>deliver_<wbr>notifications"
    assert breakable("event:a/b") == "event:<wbr>a/<wbr>b"
    assert breakable('<b>"x"</b>') == "&lt;b&gt;&#34;x&#34;&lt;/<wbr>b&gt;"  # escaped first
    assert breakable(None) == ""
