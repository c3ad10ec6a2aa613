"""The Data Quality page and API: officers only, fixes with feedback, a plugin's own rule,
a failing rule or fix reported while the others run, the dashboard count."""

from __future__ import annotations

from sqlalchemy import text

from patt_host import hookimpl
from patt_host.testing import log_in
from sv_common.errors import Conflict
from sv_common.quality import DataQualityRule, Finding, MitigationResult

from .conftest import PLUGINS


async def detect_level_13(session, ctx):
    rows = await session.execute(
        text(
            "SELECT id, character_name FROM guild_identity.wow_characters WHERE level = 13 AND removed_at IS NULL"
        )
    )
    return [Finding(key=f"character:{i}", summary=f"{n} is level 13", wow_character_id=i) for i, n in rows]


async def level_up(session, finding, ctx):
    await session.execute(
        text("UPDATE guild_identity.wow_characters SET level = 14 WHERE id = :id"),
        {"id": finding.wow_character_id},
    )
    return MitigationResult(True, "levelled up")


async def broken_detector(session, ctx):
    await session.execute(text("SELECT * FROM no_such_table"))
    return []


async def refusing_fix(session, finding, ctx):
    raise Conflict("this one cannot be fixed")


class QualitySample:
    """A test-only plugin contributing rules through the hook, one of them broken."""

    name = "quality_sample"
    requires = ()
    settings_model = None

    @hookimpl
    def data_quality_rules(self, host):
        return [
            DataQualityRule(
                "sample_level_13",
                "Unlucky level",
                "error",
                "A character at level 13.",
                detect_level_13,
                "the character is not level 13",
                mitigate=level_up,
                policy="confirm",
            ),
            DataQualityRule(
                "sample_broken", "Broken rule", "info", "Always fails.", broken_detector, "never"
            ),
            DataQualityRule(
                "sample_refuses",
                "Refusing fix",
                "warning",
                "Level 13 too, with a fix that refuses.",
                detect_level_13,
                "never",
                mitigate=refusing_fix,
                policy="auto",
            ),
            "not a rule",
        ]


async def _officer(make_client, guild_member, *extra):
    names = [p.name for p in extra]
    client = await make_client(plugins=PLUGINS + names, extra_plugins=list(extra))
    client.member = await guild_member("Officer", name="Olga")
    await log_in(client, client.member)
    return client


async def test_a_plugins_rule_appears_on_the_page_runs_and_its_fix_reports(
    make_client, guild_member, guild, findings
):
    officer = await _officer(make_client, guild_member, QualitySample())
    unlucky = await guild.character("Unlucky", level=13)
    scanned = await officer.post("/api/v1/drift/scan", json={})
    assert scanned.status_code == 200, scanned.text
    counts = officer.data(scanned)["counts"]
    assert counts["rule_errors"] == 1 and counts["new"] >= 2
    # The broken rule is reported; the others ran (the built-in ones too).
    rules = officer.data(await officer.get("/api/v1/drift/rules"))
    by_name = {r["name"]: r for r in rules["rules"]}
    assert by_name["sample_level_13"]["open"] == 1 and by_name["sample_level_13"]["owner"] == "quality_sample"
    assert "orphan_wow" in by_name and by_name["orphan_wow"]["open"] == 1
    assert any("not a DataQualityRule" in p for p in rules["problems"])
    page = await officer.get("/admin/data-quality")
    assert page.status_code == 200
    assert (
        "Unlucky level" in page.text
        and "Unlucky is level 13" in page.text
        and "from quality_sample" in page.text
    )
    # The automatic fix that refuses is recorded; the scan still stored everything.
    (refused,) = await findings("sample_refuses")
    assert refused.status == "open"
    log = await officer.get("/admin/data-quality")
    assert "mitigation failed" in log.text and "this one cannot be fixed" in log.text
    # One-click fix: a recorded job, its outcome next to the button.
    (row,) = await findings("sample_level_13")
    fixed = await officer.post(f"/api/v1/drift/findings/{row.id}/fix", json={})
    assert fixed.status_code == 200, fixed.text
    data = officer.data(fixed)
    assert (
        data["results"] == [{"id": row.id, "status": "done", "message": "levelled up"}] and data["job_run_id"]
    )
    assert (await findings("sample_level_13"))[0].resolved_by == "Olga"
    refusal = await officer.post(f"/api/v1/drift/findings/{refused.id}/fix", json={})
    assert refusal.status_code == 409 and "cannot be fixed" in refusal.json()["error"]["message"]
    assert unlucky


async def test_dismiss_resolve_fix_all_and_filters(make_client, guild_member, guild, findings):
    officer = await _officer(make_client, guild_member)
    bob = await guild.player("Bob")
    for name in ("Bobone", "Bobtwo"):
        await guild.character(name, note="Bob alt")
    lonely = await guild.character("Lonely", note="")
    await officer.post("/api/v1/drift/scan", json={})
    rows = {r.wow_character_id: r for r in await findings("orphan_wow")}
    # Resolving needs a reason; dismissing does not.
    assert (
        await officer.post(f"/api/v1/drift/findings/{rows[lonely].id}/resolve", json={})
    ).status_code == 422
    dismissed = await officer.post(
        f"/api/v1/drift/findings/{rows[lonely].id}/dismiss", json={"reason": "bank alt"}
    )
    assert dismissed.status_code == 200
    again = await officer.post(f"/api/v1/drift/findings/{rows[lonely].id}/dismiss", json={})
    assert again.status_code == 409
    bad = await officer.post(f"/api/v1/drift/findings/{rows[lonely].id}/dismiss", json={"reason": "a\x00b"})
    assert bad.status_code == 422
    listed = officer.data(await officer.get("/api/v1/drift/findings?status=dismissed"))["findings"]
    assert [f["id"] for f in listed] == [rows[lonely].id] and listed[0]["dismissed_by"] == "Olga"
    assert (await officer.get("/api/v1/drift/findings?status=bogus")).status_code == 422
    page = await officer.get("/admin/data-quality?rule=orphan_wow&status=dismissed")
    shown = page.text.split('id="drift-findings"')[1].split('id="drift-log"')[0]
    assert "bank alt" in shown and "Lonely" in shown and "Bobone" not in shown
    # Fix all: both Bob characters linked in one recorded job, each outcome reported.
    done = await officer.post("/api/v1/drift/rules/orphan_wow/fix-all", json={})
    assert done.status_code == 200
    assert sorted(r["status"] for r in officer.data(done)["results"]) == ["done", "done"]
    assert (await officer.post("/api/v1/drift/rules/stale_character/fix-all", json={})).status_code == 409
    assert (await officer.post("/api/v1/drift/rules/nope/fix-all", json={})).status_code == 404
    resolved = await officer.post(
        f"/api/v1/drift/findings/{rows[lonely].id}/resolve", json={"reason": "the bank alt is fine"}
    )
    assert resolved.status_code == 200
    row = [r for r in await findings("orphan_wow") if r.id == rows[lonely].id][0]
    assert (row.status, row.resolution, row.resolved_by, row.resolution_note) == (
        "resolved",
        "officer",
        "Olga",
        "the bank alt is fine",
    )
    assert bob
    dashboard = await officer.get("/admin")
    assert "Open data-quality findings" in dashboard.text


async def test_members_and_visitors_are_refused(member_client, client, officer_client):
    for c, status in ((member_client, 403), (client, 401)):
        assert (await c.get("/api/v1/drift/findings")).status_code == status
        assert (await c.post("/api/v1/drift/scan", json={})).status_code == status
        assert (await c.post("/api/v1/drift/findings/1/dismiss", json={})).status_code == status
        assert (await c.post("/api/v1/drift/findings/1/fix", json={})).status_code == status
        assert (await c.post("/api/v1/drift/rules/orphan_wow/fix-all", json={})).status_code == status
        page = await c.get("/admin/data-quality")
        assert page.status_code in (401, 403, 303, 302)
    assert (await officer_client.get("/admin/data-quality")).status_code == 200
    assert (await officer_client.post("/api/v1/drift/findings/99/fix", json={})).status_code == 404
