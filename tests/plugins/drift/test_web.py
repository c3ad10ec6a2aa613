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
    # ... a reason that shows: spaces or invisible characters only are no reason.
    for blank in ("   ", "\u200b", "\u2060\n\ufeff", "\u00ad", "\u180e"):
        refused = await officer.post(
            f"/api/v1/drift/findings/{rows[lonely].id}/resolve", json={"reason": blank}
        )
        assert refused.status_code == 422, (repr(blank), refused.text)
        assert [d["field"] for d in refused.json()["error"]["details"]] == ["reason"]
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
    # One finding of a rule without a fix: open, so not "no open finding with that id" (a 404).
    sleeper = await guild.character("Sleeper", note="", days_ago=45)
    await officer.post("/api/v1/drift/scan", json={})
    (stale,) = [r for r in await findings("stale_character") if r.wow_character_id == sleeper]
    no_fix = await officer.post(f"/api/v1/drift/findings/{stale.id}/fix", json={})
    assert no_fix.status_code == 409 and no_fix.json()["error"]["message"] == "This rule has no fix."
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
        assert (await c.post("/api/v1/drift/report", json={})).status_code == status
        page = await c.get("/admin/data-quality")
        assert page.status_code in (401, 403, 303, 302)
    assert (await officer_client.get("/admin/data-quality")).status_code == 200
    assert (await officer_client.post("/api/v1/drift/findings/99/fix", json={})).status_code == 404


def _finding_html(page: str, name: str) -> str:
    """The page's list item of the finding whose summary names ``name``."""
    items = page.split('<li class="drift-finding"')[1:]
    (item,) = [i.split("</li>")[0] for i in items if f"{name}-test-realm" in i.split("</li>")[0]]
    return item


def _rule_row(page: str, rule: str) -> str:
    return page.split(f'<tr data-rule="{rule}">')[1].split("</tr>")[0]


async def test_fixes_that_cannot_run_are_not_offered_and_fix_all_leaves_them_out(
    make_client, guild_member, guild, findings, history, db
):
    """An unlinked character whose note names nobody, and rank-role findings while role sync is
    off, offered a button that could only answer 409: the page says what to do instead, "Fix
    all" counts (and runs) only the fixable ones and says why the others are left out."""
    from patt_host.testing import map_rank_roles

    officer = await _officer(make_client, guild_member)
    await guild.player("Bob")
    await guild.character("Bobhunter", note="Bob's hunter")
    for name in ("Quietone", "Quiettwo"):
        await guild.character(name, note="")
    await map_rank_roles(db)
    roleless = await guild.discord("norole", roles=())
    await guild.player("Roleless", discord=roleless, rank="Member")
    await officer.post("/api/v1/drift/scan", json={})

    page = (await officer.get("/admin/data-quality")).text
    linkable = _finding_html(page, "Bobhunter")
    assert "js-fix" in linkable and "Confirm: Link" in linkable
    quiet = _finding_html(page, "Quietone")
    assert "js-fix" not in quiet
    assert "drift-by-hand" in quiet and "link this character on the players page" in quiet
    assert "js-dismiss" in quiet  # dismissing and resolving by hand stay offered
    roles = page.split('data-rule="no_guild_role"', 1)[1].split("</li>")[0]
    assert "Run role sync" not in roles and "Role sync does not run towards Discord here" in roles
    # Fix all: one of three unlinked characters can be linked; none of the role findings.
    orphan_row = _rule_row(page, "orphan_wow")
    assert 'data-count="1"' in orphan_row and "Fix all (1)" in orphan_row
    assert "2 of 3 open findings have no fix to confirm (Fix all leaves them out)" in orphan_row
    role_row = _rule_row(page, "no_guild_role")
    assert 'data-count="0"' in role_row and "disabled>Fix all</button>" in role_row
    assert "The open finding has no fix to confirm: Role sync does not run" in role_row
    rules = {r["name"]: r for r in officer.data(await officer.get("/api/v1/drift/rules"))["rules"]}
    assert (rules["orphan_wow"]["open"], rules["orphan_wow"]["fixable"]) == (3, 1)
    assert (rules["no_guild_role"]["open"], rules["no_guild_role"]["fixable"]) == (1, 0)

    done = officer.data(await officer.post("/api/v1/drift/rules/orphan_wow/fix-all", json={}))
    assert [r["status"] for r in done["results"]] == ["done"]
    assert done["counts"]["skipped"] == 2 and "players page" in done["skipped_reason"]
    assert done["failures"] == [] and done["other_failures"] == 0
    quiet_rows = await findings("orphan_wow", status="open")
    assert len(quiet_rows) == 2
    for row in quiet_rows:  # left out: no "mitigation failed" written for them
        assert await history(row.id) == ["opened"]
    # A finding named by id is still tried, and its refusal says why.
    refused = await officer.post(f"/api/v1/drift/findings/{quiet_rows[0].id}/fix", json={})
    assert refused.status_code == 409 and "players page" in refused.json()["error"]["message"]


async def test_fix_all_reports_the_failures_grouped_by_reason(make_client, guild_member, guild, findings):
    officer = await _officer(make_client, guild_member, QualitySample())
    for name in ("Unluckyone", "Unluckytwo", "Unluckythree"):
        await guild.character(name, level=13)
    await officer.post("/api/v1/drift/scan", json={})
    assert len(await findings("sample_refuses", status="open")) == 3
    answer = await officer.post("/api/v1/drift/rules/sample_refuses/fix-all", json={})
    assert answer.status_code == 200, answer.text
    data = officer.data(answer)
    assert [r["status"] for r in data["results"]] == ["failed"] * 3
    assert data["failures"] == [{"reason": "this one cannot be fixed", "count": 3}]
    assert data["other_failures"] == 0 and data["skipped_reason"] is None


def test_failure_reasons_are_bounded_most_frequent_first():
    from patt_drift.services.findings import failure_reasons

    results = [{"status": "done", "message": "ok"}]
    results += [{"status": "failed", "message": f"reason {n}"} for n in range(8) for _ in range(n + 1)]
    results += [{"status": "failed", "message": None}]
    summary = failure_reasons(results, limit=3)
    assert summary["failures"] == [
        {"reason": "reason 7", "count": 8},
        {"reason": "reason 6", "count": 7},
        {"reason": "reason 5", "count": 6},
    ]
    assert summary["other_failures"] == (1 + 2 + 3 + 4 + 5) + 1


async def test_long_finding_lists_are_paged(make_client, guild_member, guild):
    officer = await _officer(make_client, guild_member)
    for n in range(30):
        await guild.character(f"Lost{chr(97 + n // 26)}{chr(97 + n % 26)}", note="")
    await officer.post("/api/v1/drift/scan", json={})
    first = (await officer.get("/admin/data-quality?rule=orphan_wow")).text
    assert first.count('<li class="drift-finding"') == 25
    assert "Showing 1–25 of 30, newest first." in first
    assert (
        'rel="next" href="?rule=orphan_wow&amp;status=open&amp;page=2"' in first and 'rel="prev"' not in first
    )
    second = (await officer.get("/admin/data-quality?rule=orphan_wow&status=open&page=2")).text
    assert second.count('<li class="drift-finding"') == 5
    assert "Showing 26–30 of 30" in second and 'rel="prev"' in second and 'rel="next"' not in second
    past = (await officer.get("/admin/data-quality?rule=orphan_wow&page=99")).text
    assert past.count('<li class="drift-finding"') == 5  # past the end: the last page
    assert (await officer.get("/admin/data-quality?page=0")).status_code == 422
    api = officer.data(await officer.get("/api/v1/drift/findings?rule=orphan_wow&page=2"))
    assert api["findings"] == []  # the API pages by 200


async def test_empty_filter_parameters_mean_all_as_the_pages_form_sends_them(
    make_client, guild_member, guild
):
    """The Filter button with its "all" options sent ``?rule=&status=open&severity=``, which
    was a 422 "Invalid input"."""
    officer = await _officer(make_client, guild_member)
    await guild.character("Lostone", note="")
    await officer.post("/api/v1/drift/scan", json={})
    page = await officer.get("/admin/data-quality?rule=&status=open&severity=")
    assert page.status_code == 200, page.text
    assert "1 finding, newest first." in page.text and "Lostone" in page.text
    # Every parameter empty: the defaults (open findings, page 1).
    empty = await officer.get("/admin/data-quality?rule=&status=&severity=&page=")
    assert empty.status_code == 200 and "Lostone" in empty.text
    api = await officer.get("/api/v1/drift/findings?rule=&status=&severity=")
    assert api.status_code == 200
    assert [f["summary"] for f in officer.data(api)["findings"]] == [
        f["summary"] for f in officer.data(await officer.get("/api/v1/drift/findings"))["findings"]
    ]
    # A value that is given is still checked.
    assert (await officer.get("/admin/data-quality?rule=&severity=fatal")).status_code == 422
    assert (await officer.get("/admin/data-quality?rule=No+Such")).status_code == 422


async def test_the_open_backlog_goes_to_the_audit_channel_in_one_message(
    officer_client, guild, db, monkeypatch
):
    from datetime import UTC, datetime

    from sqlalchemy import select

    # The same minute for both clicks below (the key that makes a second click queue nothing).
    monkeypatch.setattr("patt_drift.services.report.utcnow", lambda: datetime(2030, 1, 1, 12, 0, tzinfo=UTC))

    from patt_drift.services.runner import run_scan
    from sv_common.discord.config import update_discord_config
    from sv_common.notify.models import NotificationOutbox

    refused = await officer_client.post("/api/v1/drift/report", json={})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_audit_channel"
    async with db.session() as session:
        await update_discord_config(session, audit_channel_id="800000000000000099")
    nothing = officer_client.data(await officer_client.post("/api/v1/drift/report", json={}))
    assert nothing == {"queued": False, "open": 0}

    for i in range(14):
        await guild.character(f"Orphan{i:02d}")
    await run_scan(officer_client.host.plugin_state("drift"), source="schedule")  # reports the 14 new ones
    async with db.session() as session:
        before = len((await session.scalars(select(NotificationOutbox))).all())
    posted = officer_client.data(await officer_client.post("/api/v1/drift/report", json={}))
    assert (posted["queued"], posted["open"], posted["rules"]) == (True, 14, 1)
    again = officer_client.data(await officer_client.post("/api/v1/drift/report", json={}))
    async with db.session() as session:
        rows = (await session.scalars(select(NotificationOutbox).order_by(NotificationOutbox.id))).all()
    assert len(rows) == before + 1 and again["notification_id"] == posted["notification_id"]  # one message
    (embed,) = rows[-1].payload["embeds"]
    assert embed["title"] == "Open findings: 14"
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [
        (officer_client.host.plugin_state("drift").registry.get("orphan_wow").title, "14")
    ]
