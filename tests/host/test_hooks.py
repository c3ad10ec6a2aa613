"""One test per hook: the sample plugin (public API only) proves each hook works end to end.

``test_every_hook_has_a_test_and_docs`` keeps this file and docs/plugins/hooks.md complete.
"""

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from patt_host import hookimpl, hookspecs
from patt_host.plugins import HOOK_NAMES
from patt_host.testing import eventually
from patt_sample import CALLS, SampleCog

OFFICER = {"X-Sample-User": "Olga:4"}
MEMBER = {"X-Sample-User": "Max:2"}


@pytest.fixture
async def sample(make_client):
    CALLS.clear()
    return await make_client(plugins=["sample"])


def test_every_hook_has_a_test_and_docs():
    tests = set(
        re.findall(r"^async def test_hook_(\w+)|^def test_hook_(\w+)", Path(__file__).read_text(), re.M)
    )
    tested = {a or b for a, b in tests}
    docs = Path(__file__).parents[2] / "docs" / "plugins" / "hooks.md"
    documented = set(re.findall(r"^### `(\w+)`", docs.read_text(), re.M))
    assert HOOK_NAMES - tested == set(), "hooks without a test_hook_<name>"
    assert HOOK_NAMES - documented == set(), "hooks without a section in docs/plugins/hooks.md"
    assert documented - HOOK_NAMES == set(), "docs describe hooks that do not exist"
    for name in HOOK_NAMES:
        assert getattr(hookspecs, name).__doc__, f"hook {name} has no docstring"


async def test_hook_startup(sample):
    assert [c for c in CALLS if c[0] == "startup"][0][1] is sample.app


async def test_hook_shutdown(make_host):
    from patt_host.app import create_app

    host = make_host(plugins=["sample"])
    app = create_app(host, start_services=False)
    CALLS.clear()
    async with app.router.lifespan_context(app):
        assert ("shutdown", None) not in CALLS
    assert ("shutdown", None) in CALLS


async def test_hook_register_routers(sample):
    response = await sample.get("/api/v1/sample/items")
    assert response.status_code == 200
    assert sample.data(response) == []
    # Unqualified route names are namespaced by the host.
    assert sample.app.url_path_for("sample.items") == "/api/v1/sample/items"


async def test_hook_prepare_jinja2_environment(sample):
    response = await sample.get("/sample/page")
    assert '<h1 id="greeting">HELLO!</h1>' in response.text


async def test_hook_extra_template_vars(sample):
    response = await sample.get("/sample/page")
    assert '<p id="template-name">sample/page.html</p>' in response.text


async def test_hook_template_slot(sample):
    response = await sample.get("/sample/page")
    assert "<span id='sample-footer'>sample footer slot</span>" in response.text


async def test_hook_menu_links(sample):
    anonymous = (await sample.get("/sample/page")).text
    assert '<a href="/sample/page" aria-current="page">Sample</a>' in anonymous
    assert "Sample Officers" not in anonymous
    officer = (await sample.get("/sample/page", headers=OFFICER)).text
    assert "Sample Officers" in officer


async def test_hook_admin_menu_links(sample):
    page = await sample.get("/admin", headers=OFFICER)
    assert page.status_code == 200
    assert '<a href="/sample/page">Sample admin</a>' in page.text
    assert (await sample.get("/admin", headers=MEMBER)).status_code == 403


async def test_hook_admin_dashboard_items(sample):
    page = (await sample.get("/admin", headers=OFFICER)).text
    card = page[page.index('data-item="Sample items to review"') :]
    assert 'href="/sample/page"' in card[:400] and "severity-warn" in page
    assert '<span class="count">3</span>' in card[:400] and "Olga" in card[:400]


async def test_a_failing_dashboard_count_does_not_hide_the_dashboard(make_client):
    class Broken:
        name = "broken"

        @hookimpl
        def admin_dashboard_items(self):
            raise RuntimeError("boom")

    client = await make_client(plugins=["sample", "broken"], extra_plugins=[Broken])
    page = await client.get("/admin", headers=OFFICER)
    assert page.status_code == 200
    assert "broken: counts unavailable" in page.text and "Sample items to review" in page.text


async def test_hook_authenticate(sample):
    refused = await sample.post("/api/v1/sample/items", json={"label": "x"}, headers=MEMBER)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    anonymous = await sample.post("/api/v1/sample/items", json={"label": "x"})
    assert anonymous.status_code == 401
    created = await sample.post("/api/v1/sample/items", json={"label": "sword"}, headers=OFFICER)
    assert created.status_code == 201
    assert sample.data(created)["label"] == "sword"


async def test_hook_permissions(sample):
    perms = {p.name: p for _plugin, p in sample.host.hooks.permissions()}
    assert perms["sample.add"].min_rank_level == 4
    assert "admin.view" in perms


async def test_hook_health_checks(sample):
    body = (await sample.get("/api/health")).json()
    assert body["data"]["checks"]["sample.items"] == {"status": "ok", "detail": "sample fine"}


async def test_hook_handle_event(sample):
    await sample.post("/api/v1/sample/items", json={"label": "gem"}, headers=OFFICER)
    events = [c[1] for c in CALLS if c[0] == "event"]
    assert [e.name for e in events] == ["sample.item_added"]
    assert isinstance(events[0].data["item_id"], int)


async def test_hook_register_jobs(sample):
    from patt_host.jobs.runner import run_job

    assert {"sample.fail", "sample.exclusive_count"} <= set(sample.host.jobs.jobs)
    run = await run_job(sample.host, "sample.fail")
    assert run.status == "failed"
    assert "sample failure" in run.error


async def test_hook_register_cron_jobs(sample):
    from datetime import UTC, datetime

    from patt_host.jobs.runner import run_job

    schedules = sample.host.jobs.schedules_for("sample.count_items")
    assert [s.cron.expression for s in schedules] == ["*/15 * * * *"]
    assert schedules[0].cron.matches(datetime(2026, 1, 1, 10, 45, tzinfo=UTC))
    run = await run_job(sample.host, "sample.count_items", trigger="cron", kwargs={"add": 2})
    assert (run.status, run.counts) == ("succeeded", {"items": 2, "added": 2})


async def test_hook_discord_intents(make_host):
    from patt_host.bot import merged_intents

    host = make_host(plugins=["sample"])
    assert merged_intents(host).members is True
    assert merged_intents(make_host(plugins=[])).members is False


async def test_hook_discord_cogs(make_host):
    """The real discord.py bot logs in to a loopback fake Discord; setup_hook attaches the cog."""

    from patt_host.bot import build_bot
    from sv_common.testing.fake_discord import FakeDiscord

    fake = FakeDiscord()
    await fake.start()
    try:
        with fake.patch_client():
            bot = build_bot(make_host(plugins=["sample"]))
            await bot.login("fake-token")
            cog = bot.get_cog("SampleCog")
            assert isinstance(cog, SampleCog)
            assert bot.cog_status["sample"] == {"cogs": ["sample:SampleCog"], "error": None}
            bot.dispatch("sample_ping", "pong")
            assert await eventually(lambda: cog.pings == ["pong"], timeout=2)
            await bot.close()
    finally:
        await fake.stop()


def test_hook_register_commands(make_host, monkeypatch):
    from patt_host import cli as cli_module

    host = make_host(plugins=["sample"])
    monkeypatch.setattr(cli_module.HostContext, "host", lambda self: host)
    result = CliRunner().invoke(cli_module.cli, ["sample", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "hello from sample"
    assert [(p.name, type(g)) for p, g in host.hooks.register_commands()] == [("sample", click.Group)]


async def test_hook_data_quality_rules(make_host):
    rules = make_host(plugins=["sample"]).hooks.data_quality_rules()
    assert [(p.name, r["name"]) for p, r in rules] == [("sample", "sample.rule")]


async def test_hook_matching_rules(make_host):
    rules = make_host(plugins=["sample"]).hooks.matching_rules()
    assert [(p.name, r["name"]) for p, r in rules] == [("sample", "sample.match")]


async def test_hook_adopt_steps(make_host):
    from sv_common.adopt import AdoptStep

    # Listed dependants first: the steps still come requirements first (load order).
    pairs = make_host(plugins=["mito", "identity"]).hooks.adopt_steps()
    assert [(p.name, s.name) for p, s in pairs] == [
        ("identity", "identity.availability"),
        ("mito", "mito.sayings"),
    ]
    assert all(isinstance(s, AdoptStep) and s.reads for _, s in pairs)


async def test_hook_schedule_summary(sample):
    from patt_sample.models import SampleItem

    async with sample.host.db.session() as session:
        assert await sample.host.hooks.schedule_summary(session) is None  # nobody knows a schedule
        session.add_all([SampleItem(label="night:Mondays at 20:00"), SampleItem(label="night:Thursdays")])
        await session.flush()
        # The caller's session: the implementation sees the rows it has not committed yet.
        summary = await sample.host.hooks.schedule_summary(session)
    assert summary == "Sample nights: Mondays at 20:00, Thursdays."


async def add_items_of_two_players(client):
    from patt_sample.models import SampleItem

    async with client.host.db.session() as session:
        session.add_all(
            [SampleItem(label="mine", owner_player_id=7), SampleItem(label="other", owner_player_id=8)]
        )


async def test_hook_export_member_data(sample):
    await add_items_of_two_players(sample)
    async with sample.host.db.session() as session:
        exported = await sample.host.hooks.export_member_data(session, 7)
    assert exported["sample"] == {"items": ["mine"]}


async def test_hook_delete_member_data(sample):
    await add_items_of_two_players(sample)
    async with sample.host.db.session() as session:
        deleted = await sample.host.hooks.delete_member_data(session, 7)
    assert deleted["sample"] == 1
    items = sample.data(await sample.get("/api/v1/sample/items"))
    assert [i["label"] for i in items] == ["other"]


async def test_hook_seed_demo_data(sample):
    async with sample.host.db.session() as session:
        summary = await sample.host.hooks.seed_demo_data(session)
    assert summary["sample"] == "1 sample item"
    items = sample.data(await sample.get("/api/v1/sample/items"))
    assert [i["label"] for i in items] == ["demo"]
