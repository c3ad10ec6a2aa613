"""Identity matching from the officers' side: run (as the job), review, apply, reject, auto-apply."""

from __future__ import annotations

import pytest

from patt_host import hookimpl
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.matching import Suggestion


class PluggedRule:
    """A plugin's matching rule: characters named "Plugged*" belong to the player named "Plugger"."""

    name = "test_plugged"

    async def propose(self, ctx):
        owner = next((p for p in ctx.players if p.display_name == "Plugger"), None)
        return [
            Suggestion(
                character_id=c.id,
                discord_user_id=None,
                player_id=owner.id,
                rule=self.name,
                confidence="medium",
                reason="named after Plugger",
            )
            for c in ctx.characters
            if owner is not None and c.name.startswith("Plugged")
        ]


class RulePlugin:
    name = "ruleplugin"

    @hookimpl
    def matching_rules(self):
        return [PluggedRule()]


@pytest.fixture
async def matcher(make_client, guild, log_in, db):
    async def build(**settings):
        client = await make_client(plugins=["identity", "ruleplugin"], extra_plugins=[RulePlugin], **settings)
        officer = await guild.member("Officer", name="Judge")
        await log_in(client, officer)
        return client

    return build


async def arrange(guild, db):
    async with db.session() as s:
        rocket, _ = await upsert_discord_user(
            s, discord_id="400000000000000001", username="rocket", display_name="Rocket", role_ids=[]
        )
        await upsert_discord_user(
            s, discord_id="400000000000000002", username="kara", display_name="Kara", role_ids=[]
        )
        await upsert_discord_user(
            s, discord_id="400000000000000003", username="karaoke", display_name="kara", role_ids=[]
        )
    rocket_dh = await guild.character("Rocketdh", class_name="Demon Hunter", guild_note="Rocket's DH")
    twin = await guild.character("Karamage", guild_note="Kara alt")
    await guild.player("Plugger")
    plugged = await guild.character("Pluggedin", class_name="Monk")
    return {"rocket_user": rocket.id, "rocket_dh": rocket_dh, "twin": twin, "plugged": plugged}


async def test_run_review_apply_and_reject(matcher, guild, db):
    ids = await arrange(guild, db)
    client = await matcher()
    run = client.data(await client.post("/api/v1/admin/matching/run"))
    assert run["status"] == "succeeded" and run["counts"]["created"] >= 3 and run["counts"]["applied"] == 0
    runs = client.data(await client.get("/api/v1/jobs/runs", params={"job": "identity.run_matching"}))
    assert runs[0]["id"] == run["run_id"] and runs[0]["triggered_by"] == "Judge"

    pending = client.data(await client.get("/api/v1/admin/matching/suggestions"))
    by_character = {}
    for s in pending:
        by_character.setdefault(s["character"]["id"], []).append(s)
    rocket = next(s for s in by_character[ids["rocket_dh"]] if s["rule"] == "note_key")
    assert rocket["confidence"] == "high" and rocket["ambiguous"] is False
    assert rocket["discord_user"]["username"] == "rocket" and rocket["player"] is None
    assert "Rocket's DH" in rocket["reason"]
    assert all(s["ambiguous"] for s in by_character[ids["twin"]])
    plugged = by_character[ids["plugged"]][0]
    assert plugged["rule"] == "test_plugged" and plugged["player"]["display_name"] == "Plugger"

    applied = client.data(await client.post(f"/api/v1/admin/matching/suggestions/{rocket['id']}/apply"))
    assert applied["status"] == "applied" and applied["character_id"] == ids["rocket_dh"]
    players = client.data(await client.get("/api/v1/admin/players"))
    new_player = next(p for p in players["players"] if p["id"] == applied["player_id"])
    assert new_player["display_name"] == "Rocket" and new_player["discord_user_id"] == ids["rocket_user"]
    assert (
        next(c for c in players["characters"] if c["id"] == ids["rocket_dh"])["player_id"] == new_player["id"]
    )

    rejected = client.data(await client.post(f"/api/v1/admin/matching/suggestions/{plugged['id']}/reject"))
    assert rejected["status"] == "rejected"
    again = await client.post(f"/api/v1/admin/matching/suggestions/{plugged['id']}/apply")
    assert again.status_code == 409
    rerun = client.data(await client.post("/api/v1/admin/matching/run"))
    assert rerun["status"] == "succeeded"
    remaining = client.data(await client.get("/api/v1/admin/matching/suggestions"))
    assert {s["character"]["id"] for s in remaining} == {ids["twin"]}  # rejected ones stay rejected

    page = await client.get("/admin/matching")
    assert "Karamage" in page.text and "ambiguous" in page.text and "test_plugged" in page.text


async def test_auto_apply_takes_only_unambiguous_high_confidence(matcher, guild, db, monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_AUTO_APPLY_HIGH_CONFIDENCE", "true")
    ids = await arrange(guild, db)
    client = await matcher()
    run = client.data(await client.post("/api/v1/admin/matching/run"))
    assert run["counts"]["applied"] == 1 and run["counts"]["players_created"] == 1
    players = client.data(await client.get("/api/v1/admin/players"))
    owners = {c["id"]: c["player_id"] for c in players["characters"]}
    assert owners[ids["rocket_dh"]] is not None
    assert owners[ids["twin"]] is None  # ambiguous: waits for an officer
    assert owners[ids["plugged"]] is None  # medium: waits for an officer


async def test_applying_a_suggestion_stays_within_the_officers_rank(matcher, guild, db):
    """In-game notes are editable by officers: a suggestion must not be a way round the rank ceiling."""
    await guild.player("The Guild Leader", rank="Guild Leader")
    plugger = await guild.player("Plugger")  # no override: the rank follows the characters
    # The in-game Guild Master rank (index 0) would make its owner Guild Leader on the site.
    gm_alt = await guild.character("Pluggedgm", class_name="Monk", wow_rank_index=0)
    client = await matcher()
    assert client.data(await client.post("/api/v1/admin/matching/run"))["status"] == "succeeded"
    suggestion = next(
        s
        for s in client.data(await client.get("/api/v1/admin/matching/suggestions"))
        if s["character"]["id"] == gm_alt
    )
    refused = await client.post(f"/api/v1/admin/matching/suggestions/{suggestion['id']}/apply")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "rank_too_high", refused.text
    players = {p["id"]: p for p in client.data(await client.get("/api/v1/admin/players"))["players"]}
    assert players[plugger]["rank"] is None
    characters = {c["id"]: c for c in client.data(await client.get("/api/v1/admin/players"))["characters"]}
    assert characters[gm_alt]["player_id"] is None
    pending = client.data(await client.get("/api/v1/admin/matching/suggestions"))
    assert suggestion["id"] in {s["id"] for s in pending}  # still there for the guild leader to decide


async def test_a_suggestion_for_a_player_above_the_officer_is_refused(matcher, guild, db):
    await guild.player("The Guild Leader", rank="Guild Leader")
    await guild.player("Plugger", rank="Guild Leader")
    plain = await guild.character("Pluggedplain", class_name="Monk")
    client = await matcher()
    client.data(await client.post("/api/v1/admin/matching/run"))
    suggestion = next(
        s
        for s in client.data(await client.get("/api/v1/admin/matching/suggestions"))
        if s["character"]["id"] == plain
    )
    refused = await client.post(f"/api/v1/admin/matching/suggestions/{suggestion['id']}/apply")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "rank_too_high", refused.text


async def test_bulk_apply_over_http_reports_rows_it_could_not_apply(matcher, guild, db):
    await guild.player("The Guild Leader", rank="Guild Leader")
    await guild.player("Plugger", rank="Guild Leader")  # above the officer: refused row by row
    above = await guild.character("Pluggedhigh", class_name="Monk")
    async with db.session() as s:
        await upsert_discord_user(
            s, discord_id="400000000000000001", username="rocket", display_name="Rocket", role_ids=[]
        )
    ids = {
        "rocket_dh": await guild.character("Rocketdh", class_name="Demon Hunter", guild_note="Rocket's DH")
    }
    client = await matcher()
    client.data(await client.post("/api/v1/admin/matching/run"))
    pending = client.data(await client.get("/api/v1/admin/matching/suggestions"))
    chosen = {
        s["character"]["id"]: s["id"] for s in pending if s["character"]["id"] in (above, ids["rocket_dh"])
    }
    answer = client.data(
        await client.post(
            "/api/v1/admin/matching/suggestions/apply", json={"suggestion_ids": list(chosen.values())}
        )
    )
    assert [(a["character_id"], a["player_name"]) for a in answer["applied"]] == [
        (ids["rocket_dh"], "Rocket")
    ]
    assert answer["errors"] == [
        {
            "suggestion_id": chosen[above],
            "message": "You cannot change a player whose rank is at or above your own.",
        }
    ]
    players = client.data(await client.get("/api/v1/admin/players"))
    owners = {c["id"]: c["player_id"] for c in players["characters"]}
    assert owners[above] is None and owners[ids["rocket_dh"]] is not None
    # The refused one is still pending for the guild leader; the page shows the rest.
    assert chosen[above] in {
        s["id"] for s in client.data(await client.get("/api/v1/admin/matching/suggestions"))
    }
    for junk in ([], [0], ["x"], list(range(1, 2002))):
        bad = await client.post("/api/v1/admin/matching/suggestions/apply", json={"suggestion_ids": junk})
        assert bad.status_code == 422


async def test_note_aliases_page_add_and_remove(matcher, guild, db):
    rowan = await guild.player("Rowan", rank="Member")
    client = await matcher()
    made = await client.post(
        "/api/v1/admin/matching/aliases", json={"player_id": rowan, "alias": "  Tánky's "}
    )
    assert made.status_code == 201
    alias = client.data(made)
    assert (alias["alias"], alias["player_name"], alias["source"]) == ("tanky", "Rowan", "manual")
    again = await client.post("/api/v1/admin/matching/aliases", json={"player_id": rowan, "alias": "tanky"})
    assert again.status_code == 409
    for junk in (
        {"player_id": rowan, "alias": "x"},
        {"player_id": rowan, "alias": "a" * 51},
        {"player_id": 0, "alias": "ok"},
        {"player_id": rowan, "alias": "'s !"},
        {"player_id": rowan, "alias": "ok\x00"},
    ):
        assert (await client.post("/api/v1/admin/matching/aliases", json=junk)).status_code == 422, junk
    missing = await client.post(
        "/api/v1/admin/matching/aliases", json={"player_id": 2**31 - 1, "alias": "ok"}
    )
    assert missing.status_code == 404
    page = await client.get("/admin/matching/aliases?q=rowan")
    assert page.status_code == 200 and "tanky" in page.text and f'href="/admin/players/{rowan}"' in page.text
    assert "tanky" not in (await client.get("/admin/matching/aliases?q=nobody")).text
    # The matcher reads it: a note with the alias now points at Rowan.
    tank = await guild.character("Tankyrow", class_name="Warrior", guild_note="Tanky-prot main")
    client.data(await client.post("/api/v1/admin/matching/run"))
    pending = client.data(await client.get("/api/v1/admin/matching/suggestions"))
    assert [s["player"]["id"] for s in pending if s["character"]["id"] == tank] == [rowan]
    removed = await client.delete(f"/api/v1/admin/matching/aliases/{alias['id']}")
    assert client.data(removed) == {"id": alias["id"], "removed": True}
    assert (await client.delete(f"/api/v1/admin/matching/aliases/{alias['id']}")).status_code == 404
    assert "tanky" not in (await client.get("/admin/matching/aliases")).text


async def notes_at_three_ranks(guild, db) -> dict[str, int]:
    """Three unlinked characters whose guild notes all name the Discord user "rocket": a
    Veteran (in-game index 2, level 3), an Initiate (index 4, level 1) and one without a rank."""
    async with db.session() as s:
        await upsert_discord_user(
            s, discord_id="400000000000000001", username="rocket", display_name="Rocket", role_ids=[]
        )
    return {
        "veteran": await guild.character("Rocketvet", guild_note="Rocket main", wow_rank_index=2),
        "initiate": await guild.character("Rocketnew", guild_note="Rocket alt", wow_rank_index=4),
        "unranked": await guild.character("Rocketbank", guild_note="Rocket bank"),
    }


async def suggested_characters(client) -> set[int]:
    return {s["character"]["id"] for s in client.data(await client.get("/api/v1/admin/matching/suggestions"))}


async def test_matching_can_be_limited_to_a_minimum_rank(matcher, guild, db):
    ids = await notes_at_three_ranks(guild, db)
    client = await matcher()

    run = client.data(await client.post("/api/v1/admin/matching/run", params={"min_rank_level": 3}))
    assert run["status"] == "succeeded" and run["min_rank_level"] == 3
    assert run["counts"]["characters"] == 1 and run["counts"]["created"] == 1
    assert await suggested_characters(client) == {ids["veteran"]}

    everyone = client.data(await client.post("/api/v1/admin/matching/run"))
    assert everyone["min_rank_level"] is None and everyone["counts"]["characters"] == 3
    assert await suggested_characters(client) == set(ids.values())

    # A limited run leaves the suggestions of the characters it did not look at alone.
    members = client.data(await client.post("/api/v1/admin/matching/run", params={"min_rank_level": 1}))
    assert members["counts"]["characters"] == 2  # the unranked character is below every rank
    assert members["counts"]["removed"] == 0 and members["counts"]["pending"] == 3
    assert await suggested_characters(client) == set(ids.values())


async def test_an_unknown_or_out_of_range_minimum_rank_is_a_422_naming_the_field(matcher, guild, db):
    client = await matcher()
    unknown = await client.post("/api/v1/admin/matching/run", params={"min_rank_level": 7})
    assert unknown.status_code == 422, unknown.text
    error = unknown.json()["error"]
    assert error["code"] == "validation_failed" and "No rank has level 7" in error["message"]
    assert [d["field"] for d in error["details"]] == ["min_rank_level"]
    for junk in ("0", "101", "-1", "abc", "2147483648", "1.5"):
        bad = await client.post(f"/api/v1/admin/matching/run?min_rank_level={junk}")
        assert bad.status_code == 422, (junk, bad.text)
        assert any("min_rank_level" in d["field"] for d in bad.json()["error"]["details"]), junk
    runs = client.data(await client.get("/api/v1/jobs/runs", params={"job": "identity.run_matching"}))
    assert runs == []  # refused before the job ran


async def test_the_generic_jobs_api_checks_the_minimum_rank_like_the_page(matcher, guild, db):
    """``POST /api/v1/jobs/identity.run_matching/run`` refuses a bad ``min_rank_level`` with a 422
    naming it before anything is queued; a level no rank has fails the run with one line."""
    from patt_host.testing import eventually

    ids = await notes_at_three_ranks(guild, db)
    client = await matcher()
    url = "/api/v1/jobs/identity.run_matching/run"

    async def runs():
        return client.data(await client.get("/api/v1/jobs/runs", params={"job": "identity.run_matching"}))

    for raw in ('"abc"', "[1]", str(10**30), "-5", "0", "101", '"3"', "3.0", "true"):
        refused = await client.post(
            url,
            content=f'{{"kwargs": {{"min_rank_level": {raw}}}}}',
            headers={"content-type": "application/json"},
        )
        assert refused.status_code == 422, (raw, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "validation_failed" and "min_rank_level" in error["message"], raw
        assert [d["field"] for d in error["details"]] == ["kwargs.min_rank_level"], raw
    assert await runs() == []  # nothing was queued

    assert (await client.post(url, json={"kwargs": {"min_rank_level": 7}})).status_code == 202
    [failed] = await eventually(lambda: _finished(runs))
    assert failed["status"] == "failed" and failed["error"] == "No rank has level 7."

    assert (await client.post(url, json={"kwargs": {"min_rank_level": 3}})).status_code == 202
    done = await eventually(lambda: _finished(runs, 2))
    assert done[0]["status"] == "succeeded" and done[0]["counts"]["characters"] == 1
    assert await suggested_characters(client) == {ids["veteran"]}


async def _finished(runs, count: int = 1):
    found = [r for r in await runs() if r["status"] != "running"]
    return found if len(found) >= count else None


async def test_run_matching_service_limits_the_characters_and_keeps_the_others_suggestions(guild, db):
    from sv_common.identity import matching

    ids = await notes_at_three_ranks(guild, db)
    async with db.session() as s:
        veterans = await matching.load_context(s, min_rank_level=3)
        assert [c.id for c in veterans.characters] == [ids["veteran"]]
        assert len((await matching.load_context(s)).characters) == 3
        full = await matching.run_matching(s, rules=matching.rule_set(), auto_apply=False)
        assert (full.characters, full.created, full.min_rank_level) == (3, 3, None)
        limited = await matching.run_matching(
            s, rules=matching.rule_set(), auto_apply=False, min_rank_level=5
        )
        assert (limited.characters, limited.created, limited.removed, limited.pending) == (0, 0, 0, 3)
        assert limited.min_rank_level == 5


async def test_the_matching_page_offers_every_rank_as_a_minimum(matcher, guild, db):
    client = await matcher()
    html = (await client.get("/admin/matching")).text
    assert '<select name="min_rank_level">' in html
    assert '<option value="">All ranks</option>' in html  # the first option: the default
    assert '<option value="5">Guild Leader</option>' in html
    assert '<option value="3">Veteran and above</option>' in html
    assert '<option value="1">Initiate and above</option>' in html
    assert 'id="matching-run-status" role="status"' in html
