"""Ballots, rank gating, result visibility and edge validation through the HTTP API."""

import asyncio

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from patt_voting.models import Campaign, Vote
from patt_voting.services.blt import parse_blt
from patt_voting.services.counting import tally


async def post_ballot(api, voter, campaign, body):
    return await api.post(f"/api/v1/campaigns/{campaign['id']}/vote", headers=voter.auth, json=body)


async def test_ballot_rules_each_with_its_code(api, officer, members, cast):
    campaign = await officer.campaign(entries=("Alder", "Birch", "Cedar", "Dogwood"), picks_per_voter=3)
    other = await officer.campaign(entries=("Elm", "Fir"), picks_per_voter=1)
    member = await members.add("Member")
    ids = [e["id"] for e in campaign["entries"]]
    cases = [
        ({"entry_ids": ids[:4]}, 422, "wrong_number_of_picks"),  # more than picks_per_voter
        ({"entry_ids": []}, 422, "wrong_number_of_picks"),
        ({"entry_ids": [ids[0], ids[0]]}, 422, "duplicate_entry"),
        ({"entry_ids": [ids[0], other["entries"][0]["id"]]}, 422, "unknown_entry"),
        (
            {"picks": [{"entry_id": ids[0], "rank": 1}, {"entry_id": ids[1], "rank": 3}]},
            422,
            "validation_failed",
        ),
        ({"picks": [{"entry_id": ids[0], "rank": 1}], "entry_ids": [ids[0]]}, 422, "validation_failed"),
        ({"entry_ids": [2**31]}, 422, "validation_failed"),
        ({"entry_ids": ["1"], "extra": 1}, 422, "validation_failed"),
        # An id is a plain JSON integer: not a string, a float or true.
        ({"entry_ids": [str(ids[0])]}, 422, "validation_failed"),
        ({"entry_ids": [float(ids[0])]}, 422, "validation_failed"),
        ({"entry_ids": [True]}, 422, "validation_failed"),
        ({"picks": [{"entry_id": str(ids[0]), "rank": 1}]}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        r = await post_ballot(api, member, campaign, body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body

    # The original shape (picks with ranks, in any order) is accepted; shorter ballots too.
    r = await post_ballot(
        api, member, campaign, {"picks": [{"entry_id": ids[2], "rank": 2}, {"entry_id": ids[1], "rank": 1}]}
    )
    assert r.status_code == 201 and r.json()["data"]["entry_ids"] == [ids[1], ids[2]]
    mine = await api.get(f"/api/v1/campaigns/{campaign['id']}/my-vote", headers=member.auth)
    assert mine.json()["data"]["votes"] == [{"entry_id": ids[1], "rank": 1}, {"entry_id": ids[2], "rank": 2}]
    # Changing is allowed by default: 200 and the new ranking replaces the old.
    r = await cast(member, campaign, ["Dogwood"], expect=200)
    assert r.json()["data"]["changed"] is True
    mine = await api.get(f"/api/v1/campaigns/{campaign['id']}/my-vote", headers=member.auth)
    assert mine.json()["data"]["entry_ids"] == [ids[3]]


async def test_exact_picks_and_final_ballots(api, officer, members, cast):
    campaign = await officer.campaign(picks_per_voter=2, exact_picks=True, allow_ballot_change=False)
    member = await members.add("Member")
    r = await cast(member, campaign, ["Alder"], expect=422)
    assert "exactly 2" in r.json()["error"]["message"]
    await cast(member, campaign, ["Alder", "Cedar"], expect=201)
    r = await cast(member, campaign, ["Birch", "Cedar"], expect=409)
    assert r.json()["error"]["code"] == "already_voted"


async def test_voting_needs_login_and_rank(api, officer, members, cast):
    campaign = await officer.campaign(min_rank_to_vote=3)
    r = await api.post(
        f"/api/v1/campaigns/{campaign['id']}/vote", json={"entry_ids": [campaign["entries"][0]["id"]]}
    )
    assert r.status_code == 401
    member = await members.add("Member")  # level 2
    r = await cast(member, campaign, ["Alder"], expect=403)
    assert r.json()["error"]["code"] == "rank_too_low"
    await cast(await members.add("Veteran"), campaign, ["Alder"], expect=201)


async def test_viewing_follows_min_rank_to_view(api, officer, members):
    hidden = await officer.campaign(title="Veterans only", min_rank_to_view=3)
    public = await officer.campaign(title="Everyone")
    draft = await officer.campaign(title="Draft", activate=False)
    member, veteran = await members.add("Member"), await members.add("Veteran")

    assert (await api.get(f"/api/v1/campaigns/{hidden['id']}")).status_code == 401
    r = await api.get(f"/api/v1/campaigns/{hidden['id']}", headers=member.auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "rank_too_low"
    assert (await api.get(f"/api/v1/campaigns/{hidden['id']}", headers=veteran.auth)).status_code == 200
    # Drafts are officers' business: invisible (404) to everyone else.
    assert (await api.get(f"/api/v1/campaigns/{draft['id']}", headers=veteran.auth)).status_code == 404

    async def titles(headers=None):
        return {c["title"] for c in (await api.get("/api/v1/campaigns", headers=headers)).json()["data"]}

    assert await titles() == {"Everyone"}
    assert await titles(member.auth) == {"Everyone"}
    assert await titles(veteran.auth) == {"Everyone", "Veterans only"}
    assert await titles(officer.voter.auth) == {"Everyone", "Veterans only", "Draft"}
    assert public["id"]


async def test_the_agents_channel_and_settings_are_shown_to_officers_only(
    api, officer, members, text_channel
):
    campaign = await officer.campaign(title="Posted", discord_channel_id=text_channel)
    member = await members.add("Member")
    admin_fields = {"discord_channel_id", "agent_enabled", "agent_chattiness", "created_by"}
    for headers in (None, member.auth):
        one = (await api.get(f"/api/v1/campaigns/{campaign['id']}", headers=headers)).json()["data"]
        listed = (await api.get("/api/v1/campaigns", headers=headers)).json()["data"]
        assert not admin_fields & set(one) and not any(admin_fields & set(c) for c in listed)
        assert one["title"] == "Posted"
    seen = (await api.get(f"/api/v1/campaigns/{campaign['id']}", headers=officer.voter.auth)).json()["data"]
    assert str(seen["discord_channel_id"]) == "123456789012345678" and admin_fields <= set(seen)


async def test_live_standings_are_published_in_batches_so_a_poll_cannot_reveal_a_ballot(
    api, officer, members, cast, db
):
    """Issue #18 item 5: polling /results right before and after a known member votes showed
    their choice. Standings are now recounted only after every ``live_results_every`` ballot
    events (ballots + changes), and everyone sees that stored count in between."""
    campaign = await officer.campaign(counting_method="points", live_results_every=3)
    group = [await members.add("Member") for _ in range(5)]
    url = f"/api/v1/campaigns/{campaign['id']}/results"
    counted = []  # the statement that loads every ballot of the campaign

    def watch(conn, cursor, statement, *args):
        if "string_agg" in statement:
            counted.append(statement)

    engine = Engine  # every engine: web requests use their own pool
    event.listen(engine, "before_cursor_execute", watch)
    try:
        await cast(group[0], campaign, ["Birch"], expect=201)
        r = await api.get(url, headers=group[0].auth)
        assert r.status_code == 409 and r.json()["error"]["code"] == "live_results_hidden"
        assert "after the first 3 ballots" in r.json()["error"]["message"]
        for voter in group[1:3]:
            await cast(voter, campaign, ["Alder"], expect=201)
        first_batch = (await api.get(url, headers=group[0].auth)).json()["data"]
        assert (first_batch["total_ballots"], first_batch["winner"], first_batch["batch"]) == (3, "Alder", 3)
        # The attack: a poll right after a known member votes. The standings do not move.
        await cast(group[3], campaign, ["Cedar"], expect=201)
        after = (await api.get(url, headers=group[3].auth)).json()["data"]
        assert after == first_batch and len(counted) == 1
        # A changed ballot is an event too: 4 ballots + 1 change = the next batch at 6 events.
        await cast(group[3], campaign, ["Birch"], expect=200)
        assert (await api.get(url, headers=group[0].auth)).json()["data"] == first_batch
        await cast(group[4], campaign, ["Birch"], expect=201)
        second_batch = (await api.get(url, headers=group[4].auth)).json()["data"]
        assert (second_batch["total_ballots"], second_batch["winner"]) == (5, "Birch")
        assert len(counted) == 2  # counted once per batch, not per view
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    async with db.session() as s:  # stored: every web process and the contest agent show this one
        stored = await s.scalar(select(Campaign.live_snapshot_events).where(Campaign.id == campaign["id"]))
    assert stored == 6


async def test_live_results_every_0_shows_turnout_only_until_the_close(api, officer, members, cast):
    campaign = await officer.campaign(counting_method="instant_runoff", live_results_every=0)
    voters = [await members.add("Member") for _ in range(3)]
    for voter in voters:
        await cast(voter, campaign, ["Birch"], expect=201)
    url = f"/api/v1/campaigns/{campaign['id']}/results"
    r = await api.get(url, headers=voters[0].auth)
    assert r.status_code == 409 and "only the turnout" in r.json()["error"]["message"]
    page = await api.get(f"/vote/{campaign['id']}", headers=voters[0].auth)
    assert page.status_code == 200 and "only the turnout" in page.text and "3 of" in page.text
    await officer.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/close")
    assert (await api.get(url)).json()["data"]["winner"] == "Birch"


async def test_live_standings_only_for_voters_final_results_for_all(api, officer, members, cast):
    campaign = await officer.campaign(counting_method="instant_runoff", live_results_every=1)
    voter, bystander = await members.add("Member"), await members.add("Member")
    url = f"/api/v1/campaigns/{campaign['id']}/results"
    assert (await api.get(url)).status_code == 403
    r = await api.get(url, headers=bystander.auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "vote_to_see_results"
    await cast(voter, campaign, ["Birch", "Alder"], expect=201)
    live = (await api.get(url, headers=voter.auth)).json()["data"]
    assert live["final"] is False and live["winner"] == "Birch"
    await officer.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/close")
    final = (await api.get(url)).json()["data"]
    assert final["final"] is True and final["method"] == "instant_runoff"
    assert final["rounds"][0]["counts"] == {"Birch": 1, "Alder": 0, "Cedar": 0}
    assert final["winner_entry_id"] == campaign["entries"][1]["id"]


async def test_live_standings_for_everyone_when_configured(api, officer, members, cast):
    api.host.plugin_settings("voting").live_results_for_voters_only = False
    campaign = await officer.campaign(live_results_every=1)
    await cast(await members.add("Member"), campaign, ["Cedar"], expect=201)
    r = await api.get(f"/api/v1/campaigns/{campaign['id']}/results")
    assert (
        r.status_code == 200 and r.json()["data"]["final"] is False and r.json()["data"]["winner"] == "Cedar"
    )


async def test_two_simultaneous_ballots_by_one_voter_leave_one(api, officer, members, db):
    changeable = await officer.campaign(title="Changeable")
    final = await officer.campaign(title="Final", allow_ballot_change=False)
    voter = await members.add("Member")
    for campaign in (changeable, final):
        ids = [e["id"] for e in campaign["entries"]]
        bodies = [{"entry_ids": [ids[i]]} for i in range(3)]
        responses = await asyncio.gather(*(post_ballot(api, voter, campaign, b) for b in bodies))
        statuses = sorted(r.status_code for r in responses)
        if campaign is final:
            assert statuses == [201, 409, 409]
        else:
            assert statuses[0] in (200, 201) and set(statuses) <= {200, 201} and statuses.count(201) == 1
        async with db.session() as s:
            rows = (await s.execute(select(Vote.rankings).where(Vote.campaign_id == campaign["id"]))).all()
        assert len(rows) == 1 and rows[0][0][0] in ids


async def test_edge_validation_never_gives_a_500(api, officer):
    auth = officer.voter.auth
    checks = [
        ("GET", f"/api/v1/campaigns/{2**40}", None, 422),
        ("GET", "/api/v1/campaigns/0", None, 422),
        ("GET", "/api/v1/campaigns?status=bogus", None, 422),
        (
            "POST",
            "/api/v1/admin/campaigns",
            {"title": "bad\x07", "start_at": "2026-12-24T18:00:00Z", "duration_hours": 1},
            422,
        ),
        (
            "POST",
            "/api/v1/admin/campaigns",
            {"title": "naive", "start_at": "2026-12-24T18:00:00", "duration_hours": 1},
            422,
        ),
        (
            "POST",
            "/api/v1/admin/campaigns",
            {"title": "far", "start_at": "9999-12-31T23:00:00Z", "duration_hours": 99},
            422,
        ),
        (
            "POST",
            "/api/v1/admin/campaigns",
            {"title": "t", "start_at": "2026-12-24T18:00:00Z", "duration_hours": 0},
            422,
        ),
        (
            "POST",
            "/api/v1/admin/campaigns",
            {"title": "x" * 70_000, "start_at": "2026-12-24T18:00:00Z", "duration_hours": 1},
            413,
        ),
        ("PATCH", "/api/v1/admin/campaigns/1", {"title": None}, 422),
        ("PATCH", "/api/v1/admin/campaigns/1", {"agent_enabled": None}, 422),
        ("PATCH", "/api/v1/admin/campaign-entries/1", {"sort_order": None}, 422),
        ("POST", "/api/v1/admin/campaigns/1/entries", {"name": "x", "image_url": "javascript:alert(1)"}, 422),
        ("POST", f"/api/v1/admin/campaigns/{2**31}/activate", None, 422),
        ("POST", "/api/v1/admin/campaigns/999999/activate", None, 404),
    ]
    for method, url, body, status in checks:
        r = await api.request(method, url, headers=auth, json=body)
        assert r.status_code == status, (url, body and str(body)[:80], r.text[:300])
        assert r.json()["ok"] is False


async def test_blt_export_of_a_closed_campaign_recounts_to_the_stored_result(api, officer, members, cast):
    campaign = await officer.campaign(
        counting_method="condorcet", entries=('A "quoted" one', "Birch", "Cedar")
    )
    for names in (["Birch", "Cedar"], ["Cedar", "Birch", 'A "quoted" one'], ["Birch"]):
        await cast(await members.add("Member"), campaign, names, expect=201)
    url = f"/api/v1/campaigns/{campaign['id']}/ballots.blt"
    assert (await api.get(url)).status_code == 409  # live: ballots stay sealed
    await officer.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/close")
    r = await api.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    stored = (await api.get(f"/api/v1/campaigns/{campaign['id']}/results")).json()["data"]
    recount = tally(parse_blt(r.text), "condorcet").to_dict()
    assert recount["winner"] == stored["winner"] == "Birch"
    assert recount["pairwise"] == stored["pairwise"] and recount["rounds"] == stored["rounds"]
    # Officers can count an uploaded file on the web too.
    web = await officer.call("POST", "/api/v1/admin/voting/tally?method=condorcet", content=r.text.encode())
    assert web["winner"] == "Birch"


async def test_member_data_export_and_delete_cover_ballots(api, officer, members, cast):
    campaign = await officer.campaign(title="Mine")
    member = await members.add("Member")
    await cast(member, campaign, ["Birch", "Alder"], expect=201)
    exported = await api.get("/api/v1/me/export", headers=member.auth)
    ballots = exported.json()["data"]["plugins"]["voting"]["ballots"]
    ids = {e["name"]: e["id"] for e in campaign["entries"]}
    assert [(b["campaign"], b["entry_ids"]) for b in ballots] == [("Mine", [ids["Birch"], ids["Alder"]])]
    deleted = await api.post("/api/v1/me/delete", headers=member.auth, json={"password": "long enough pw 1"})
    assert deleted.status_code == 200
    assert deleted.json()["data"]["plugins"]["voting"] == {"deleted": 1, "anonymised": 0}
    stats = await officer.call("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats")
    assert stats["total_voted"] == 0


async def test_deleting_an_account_keeps_its_ballots_in_closed_campaigns_unlinked(
    api, officer, members, cast, db
):
    """Issue #18 item 10: the published BLT must keep recounting to the published result."""
    closed = await officer.campaign(title="Closed", counting_method="instant_runoff")
    live = await officer.campaign(title="Live")
    leaving, staying = await members.add("Member"), await members.add("Member")
    await cast(leaving, closed, ["Birch", "Alder"], expect=201)
    await cast(staying, closed, ["Alder"], expect=201)
    await cast(leaving, live, ["Cedar"], expect=201)
    await officer.call("POST", f"/api/v1/admin/campaigns/{closed['id']}/close")
    blt_url = f"/api/v1/campaigns/{closed['id']}/ballots.blt"
    before = (await api.get(blt_url)).text
    stored = (await api.get(f"/api/v1/campaigns/{closed['id']}/results")).json()["data"]

    deleted = await api.post("/api/v1/me/delete", headers=leaving.auth, json={"password": "long enough pw 1"})
    assert deleted.json()["data"]["plugins"]["voting"] == {"deleted": 1, "anonymised": 1}

    after = (await api.get(blt_url)).text
    assert after == before  # the same ballots: the file still recounts to the stored result
    assert tally(parse_blt(after), "instant_runoff").to_dict()["rounds"] == stored["rounds"]
    async with db.session() as s:
        owners = (await s.scalars(select(Vote.player_id).where(Vote.campaign_id == closed["id"]))).all()
        assert sorted(owners, key=str) == sorted([None, staying.player_id], key=str)  # no link left
        assert (
            await s.scalar(select(func.count()).select_from(Vote).where(Vote.campaign_id == live["id"])) == 0
        )


async def test_the_web_tally_takes_blt_files_larger_than_the_site_body_limit(officer, api):
    """The BLT route declares 8 MiB; the site's 1 MiB default must not cut it short."""
    lines = ["3 1", *(f"1 {i % 3 + 1} {(i + 1) % 3 + 1} 0" for i in range(200_000)), "0"]
    blt = "\n".join([*lines, '"Alder"', '"Birch"', '"Cedar"', '"Big file"']).encode()
    assert len(blt) > 1024 * 1024
    result = await officer.call("POST", "/api/v1/admin/voting/tally?method=points", content=blt)
    assert sum(result["rounds"][0]["counts"].values()) > 0 and result["winner"] in ("Alder", "Birch")
    ballot = {"entry_ids": [1] * 40_000}  # > 64 KiB: the vote route's own, smaller limit
    refused = await api.post("/api/v1/campaigns/1/vote", json=ballot, headers=officer.voter.auth)
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "payload_too_large"
