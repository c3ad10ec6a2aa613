"""Campaign lifecycle through the officers' API: draft -> live -> closed -> archived, and the scheduler."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update

from patt_voting.models import CampaignDeletion
from patt_voting.services import campaigns, lifecycle
from sv_common.identity.models import GuildRank, Player


async def test_draft_to_archived_with_every_refusal(api, officer, members, cast):
    draft = await officer.campaign(entries=("Alder",), activate=False, picks_per_voter=1)
    cid = draft["id"]
    assert draft["status"] == "draft"

    # Activation needs two entries.
    r = await api.post(f"/api/v1/admin/campaigns/{cid}/activate", headers=officer.voter.auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "cannot_activate"
    await officer.call("POST", f"/api/v1/admin/campaigns/{cid}/entries", 201, json={"name": "Birch"})
    # ... and no more picks than entries.
    await officer.call("PATCH", f"/api/v1/admin/campaigns/{cid}", json={"picks_per_voter": 3})
    r = await api.post(f"/api/v1/admin/campaigns/{cid}/activate", headers=officer.voter.auth)
    assert r.status_code == 409 and "exceeds the entries" in r.json()["error"]["message"]
    await officer.call("PATCH", f"/api/v1/admin/campaigns/{cid}", json={"picks_per_voter": 2})

    # Entry names are unique per campaign, case-insensitively.
    r = await api.post(
        f"/api/v1/admin/campaigns/{cid}/entries", headers=officer.voter.auth, json={"name": "birch"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "entry_name_taken"

    before = datetime.now(UTC)
    live = await officer.call("POST", f"/api/v1/admin/campaigns/{cid}/activate")
    assert live["status"] == "live"
    # The start moved to now (not left in the future while live), and the end moved with it.
    assert before <= datetime.fromisoformat(live["start_at"]) <= datetime.now(UTC)

    # Live: no edits, no entry changes, no delete, no second activation.
    for method, url, body in [
        ("PATCH", f"/api/v1/admin/campaigns/{cid}", {"title": "New"}),
        ("POST", f"/api/v1/admin/campaigns/{cid}/entries", {"name": "Cedar"}),
        ("DELETE", f"/api/v1/admin/campaigns/{cid}", None),
        ("POST", f"/api/v1/admin/campaigns/{cid}/activate", None),
        ("POST", f"/api/v1/admin/campaigns/{cid}/archive", None),
    ]:
        r = await api.request(method, url, headers=officer.voter.auth, json=body)
        assert r.status_code == 409, (method, url, r.text)

    member = await members.add("Member")
    campaign = await officer.call("GET", f"/api/v1/campaigns/{cid}")
    await cast(member, campaign, ["Birch", "Alder"], expect=201)

    closed = await officer.call("POST", f"/api/v1/admin/campaigns/{cid}/close")
    assert closed["status"] == "closed" and closed["close_reason"] == "officer"
    results = await officer.call("GET", f"/api/v1/campaigns/{cid}/results")
    assert results["final"] is True and results["winner"] == "Birch"
    await cast(member, campaign, ["Alder"], expect=409)

    archived = await officer.call("POST", f"/api/v1/admin/campaigns/{cid}/archive")
    assert archived["status"] == "archived"
    await officer.call("DELETE", f"/api/v1/admin/campaigns/{cid}")
    r = await api.get(f"/api/v1/campaigns/{cid}", headers=officer.voter.auth)
    assert r.status_code == 404


async def test_entries_edit_and_delete_only_in_draft(api, officer):
    draft = await officer.campaign(entries=("Alder", "Birch", "Cedar", "Dogwood"), activate=False)
    entry = draft["entries"][0]
    edited = await officer.call(
        "PATCH",
        f"/api/v1/admin/campaign-entries/{entry['id']}",
        json={"name": "Aspen", "image_url": "https://x.test/a.png"},
    )
    assert edited["name"] == "Aspen" and edited["image_url"] == "https://x.test/a.png"
    await officer.call("DELETE", f"/api/v1/admin/campaigns/{draft['id']}/entries/{entry['id']}")
    again = await officer.call("GET", f"/api/v1/campaigns/{draft['id']}")
    assert [e["name"] for e in again["entries"]] == ["Birch", "Cedar", "Dogwood"]
    await officer.call("POST", f"/api/v1/admin/campaigns/{draft['id']}/activate")
    r = await api.patch(
        f"/api/v1/admin/campaign-entries/{again['entries'][0]['id']}",
        headers=officer.voter.auth,
        json={"name": "X"},
    )
    assert r.status_code == 409


async def test_eligible_voters_are_computed_at_activation_and_counted(api, officer, members, cast, db):
    voters = [await members.add("Member") for _ in range(3)]
    await members.add("Initiate")  # below the threshold
    await members.rankless_player()  # no account: never eligible
    draft = await officer.campaign(activate=False, min_rank_to_vote=2)
    preview = await officer.call("GET", f"/api/v1/admin/campaigns/{draft['id']}/stats")
    assert preview["total_eligible"] == 4  # three members + the officer
    campaign = await officer.call("POST", f"/api/v1/admin/campaigns/{draft['id']}/activate")
    late = await members.add("Veteran")  # qualifies after launch: joins the count when voting
    campaign = await officer.call("GET", f"/api/v1/campaigns/{campaign['id']}")
    await cast(voters[0], campaign, ["Alder"], expect=201)
    stats = await officer.call("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats")
    assert stats == {
        "total_eligible": 4,
        "total_voted": 1,
        "percent_voted": 25.0,
        "cannot_vote": 0,
        "all_voted": False,
    }
    await cast(late, campaign, ["Birch"], expect=201)
    stats = await officer.call("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats")
    assert (stats["total_eligible"], stats["total_voted"]) == (5, 2)


async def test_scheduler_starts_due_drafts_and_closes_ended_and_fully_voted(api, officer, members, cast, db):
    now = datetime.now(UTC)
    due = await officer.campaign(
        activate=False, title="Due", start_at=(now - timedelta(minutes=1)).isoformat()
    )
    not_ready = await officer.campaign(
        entries=("Only",),
        activate=False,
        picks_per_voter=1,
        title="One entry",
        start_at=(now - timedelta(minutes=1)).isoformat(),
    )
    future = await officer.campaign(activate=False, title="Later")
    async with db.session() as s:
        assert await lifecycle.due_transitions(s, now) == {"activated": 1, "closed": 0, "not_ready": 1}
    status = {c["title"]: c["status"] for c in await officer.call("GET", "/api/v1/campaigns")}
    assert status == {"Due": "live", "One entry": "draft", "Later": "draft"}
    assert not_ready["id"] and future["id"]

    # Ends after its duration.
    async with db.session() as s:
        assert (await lifecycle.due_transitions(s, now + timedelta(hours=73)))["closed"] == 1
    closed = await officer.call("GET", f"/api/v1/campaigns/{due['id']}")
    assert closed["status"] == "closed" and closed["close_reason"] == "schedule"

    # Early close once every eligible voter has voted (if enabled).
    member = await members.add("Member")
    early = await officer.campaign(title="Early", min_rank_to_vote=2)
    keep_open = await officer.campaign(title="Stays", early_close_if_all_voted=False)
    for campaign in (early, keep_open):
        await cast(member, campaign, ["Cedar"], expect=201)
        await cast(officer.voter, campaign, ["Alder"], expect=201)
    async with db.session() as s:
        await lifecycle.due_transitions(s)
    assert (await officer.call("GET", f"/api/v1/campaigns/{early['id']}"))["close_reason"] == "all_voted"
    assert (await officer.call("GET", f"/api/v1/campaigns/{keep_open['id']}"))["status"] == "live"


async def test_members_and_anonymous_cannot_use_the_admin_api(api, officer, members):
    campaign = await officer.campaign()
    member = await members.add("Veteran")
    for method, url in [
        ("POST", "/api/v1/admin/campaigns"),
        ("PATCH", f"/api/v1/admin/campaigns/{campaign['id']}"),
        ("POST", f"/api/v1/admin/campaigns/{campaign['id']}/close"),
        ("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats"),
        ("DELETE", f"/api/v1/admin/campaigns/{campaign['id']}"),
    ]:
        anonymous = await api.request(method, url, json={})
        assert anonymous.status_code == 401, url
        as_member = await api.request(method, url, headers=member.auth, json={})
        assert as_member.status_code == 403, url
    assert (await officer.call("GET", f"/api/v1/campaigns/{campaign['id']}"))["status"] == "live"


async def test_nobody_eligible_at_launch_does_not_close_at_the_first_ballot(api, officer, members, cast, db):
    campaign = await officer.campaign(min_rank_to_vote=5)  # no guild leader has an account yet
    leader = await members.add("Guild Leader")
    await cast(leader, campaign, ["Alder"], expect=201)
    async with db.session() as s:
        assert (await lifecycle.due_transitions(s))["closed"] == 0
    stats = await officer.call("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats")
    assert stats == {
        "total_eligible": 1,
        "total_voted": 1,
        "percent_voted": 100.0,
        "cannot_vote": 0,
        "all_voted": False,
    }


async def test_voters_demoted_or_gone_since_launch_are_not_waited_for(api, officer, members, cast, db):
    """The eligible list stays as launched, but "everyone voted" means everyone who may still vote."""
    stays, demoted, leaves, votes_then_demoted = [await members.add("Member") for _ in range(4)]
    campaign = await officer.campaign(min_rank_to_vote=2)  # 5 eligible with the officer
    for voter in (officer.voter, stays, votes_then_demoted):
        await cast(voter, campaign, ["Alder"], expect=201)
    for voter in (demoted, votes_then_demoted):
        await members.set_rank(voter.player_id, "Initiate")
    async with db.session() as s:
        assert (await lifecycle.due_transitions(s))["closed"] == 0  # one voter may still vote
    assert (await cast(demoted, campaign, ["Birch"])).status_code == 403
    stats = await officer.call("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats")
    # Only the demoted member without a ballot cannot vote any more; the other's ballot counts.
    assert stats == {
        "total_eligible": 5,
        "total_voted": 3,
        "percent_voted": 60.0,
        "cannot_vote": 1,
        "all_voted": False,
    }
    async with db.session() as s:
        await s.execute(update(Player).where(Player.id == leaves.player_id).values(is_active=False))
    stats = await officer.call("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats")
    assert (stats["cannot_vote"], stats["all_voted"]) == (2, True)
    page = await api.get(f"/vote/{campaign['id']}", headers=officer.voter.auth)
    assert "3 of 5 eligible voted (2 can no longer vote)" in page.text
    async with db.session() as s:
        assert (await lifecycle.due_transitions(s))["closed"] == 1
    closed = await officer.call("GET", f"/api/v1/campaigns/{campaign['id']}")
    assert (closed["status"], closed["close_reason"]) == ("closed", "all_voted")


async def test_no_early_close_without_a_ballot_when_every_eligible_voter_was_demoted(
    api, officer, members, db
):
    leader = await members.add("Guild Leader")
    campaign = await officer.campaign(min_rank_to_vote=5)  # only the guild leader is eligible
    await members.set_rank(leader.player_id, "Member")
    async with db.session() as s:
        assert (await lifecycle.due_transitions(s))["closed"] == 0
    stats = await officer.call("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats")
    assert (stats["total_eligible"], stats["cannot_vote"], stats["all_voted"]) == (1, 1, False)


async def test_activation_lists_more_eligible_voters_than_one_statement_has_parameters(api, officer, db):
    """asyncpg takes at most 32,767 parameters: a voter list sent from Python failed at 16,384."""
    many = 20_000
    async with db.session() as s:
        rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.name == "Member"))
        await s.execute(
            text(
                "WITH u AS (INSERT INTO common.users (email, password_hash) "
                "SELECT 'listener' || g, '!' FROM generate_series(1, :n) AS g RETURNING id) "
                "INSERT INTO guild_identity.players (display_name, guild_rank_id, website_user_id) "
                "SELECT 'Listener ' || id, :rank, id FROM u"
            ),
            {"n": many, "rank": rank_id},
        )
    campaign = await officer.campaign(min_rank_to_vote=2)
    assert campaign["status"] == "live"
    stats = await officer.call("GET", f"/api/v1/admin/campaigns/{campaign['id']}/stats")
    assert stats["total_eligible"] == many + 1  # and the officer


async def test_entries_per_campaign_and_the_web_condorcet_tally_are_bounded(api, officer, monkeypatch):
    """Schulze is cubic in the entries: a campaign (and an uploaded file) stays countable."""
    monkeypatch.setattr(campaigns, "MAX_ENTRIES", 3)
    draft = await officer.campaign(entries=("Alder", "Birch", "Cedar"), activate=False)
    r = await api.post(
        f"/api/v1/admin/campaigns/{draft['id']}/entries", headers=officer.voter.auth, json={"name": "Dogwood"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "too_many_entries"
    names = "\n".join(f'"C{i}"' for i in range(campaigns.MAX_CONDORCET + 1))
    blt = f'{campaigns.MAX_CONDORCET + 1} 1\n1 1 2 0\n0\n{names}\n"Big"\n'
    r = await api.post(
        "/api/v1/admin/voting/tally?method=condorcet", headers=officer.voter.auth, content=blt.encode()
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "too_many_candidates"
    points = await officer.call("POST", "/api/v1/admin/voting/tally?method=points", content=blt.encode())
    assert points["winner"] == "C0"


async def test_only_the_guild_leader_deletes_a_finished_campaign_and_every_deletion_is_recorded(
    api, officer, members, cast, db
):
    """Issue #18 item 10: any officer could delete a finished campaign with its ballots, with no
    rank check and no record. Officers archive it; the guild leader may delete it, recorded."""
    leader = await members.add("Guild Leader")
    campaign = await officer.campaign(title="Finished")
    await cast(await members.add("Member"), campaign, ["Birch"], expect=201)
    await officer.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/close")
    url = f"/api/v1/admin/campaigns/{campaign['id']}"
    r = await api.delete(url, headers=officer.voter.auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "leader_only"
    assert "archive it instead" in r.json()["error"]["message"]
    page = await api.post(f"/admin/campaigns/{campaign['id']}/do/delete", headers=officer.voter.auth, data={})
    assert page.status_code == 403 and "Only the guild leader" in page.text  # next to the button
    await officer.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/archive")

    r = await api.delete(url, headers=leader.auth)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {
        "id": campaign["id"],
        "deleted": True,
        "ballots": 1,
        "deleted_by": leader.player_id,
    }
    draft = await officer.campaign(title="Scratch", activate=False)
    await officer.call("DELETE", f"/api/v1/admin/campaigns/{draft['id']}")  # drafts: any officer
    async with db.session() as s:
        rows = (
            await s.execute(
                select(
                    CampaignDeletion.title,
                    CampaignDeletion.status,
                    CampaignDeletion.ballots,
                    CampaignDeletion.deleted_by_player_id,
                ).order_by(CampaignDeletion.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("Finished", "archived", 1, leader.player_id),
        ("Scratch", "draft", 0, officer.voter.player_id),
    ]


async def test_blank_or_invisible_titles_and_names_are_422_naming_the_field(api, officer):
    """A title or entry name of spaces or invisible characters only displayed as nothing."""
    draft = await officer.campaign(entries=("Alder",), activate=False)
    start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    entry = draft["entries"][0]["id"]
    for blank in ("   ", "\u200b", "\u2060\ufeff", " \u00ad ", "\u180e"):
        for method, url, body, field in (
            (
                "POST",
                "/api/v1/admin/campaigns",
                {"title": blank, "start_at": start, "duration_hours": 1},
                "title",
            ),
            ("PATCH", f"/api/v1/admin/campaigns/{draft['id']}", {"title": blank}, "title"),
            ("POST", f"/api/v1/admin/campaigns/{draft['id']}/entries", {"name": blank}, "name"),
            ("PATCH", f"/api/v1/admin/campaign-entries/{entry}", {"name": blank}, "name"),
        ):
            r = await api.request(method, url, headers=officer.voter.auth, json=body)
            assert r.status_code == 422, (method, url, repr(blank), r.text)
            assert [d["field"] for d in r.json()["error"]["details"]] == [field]
    # A zero-width joiner inside an emoji (or around a word) is fine; spaces are trimmed as before.
    family = await officer.call(
        "POST", f"/api/v1/admin/campaigns/{draft['id']}/entries", 201, json={"name": " 👩\u200d👩\u200d👧 "}
    )
    assert family["name"] == "👩\u200d👩\u200d👧"
    renamed = await officer.call(
        "PATCH", f"/api/v1/admin/campaigns/{draft['id']}", json={"title": "\u200bArt"}
    )
    assert renamed["title"] == "\u200bArt"
