"""Pages: campaign list, vote page with the no-JS ballot form, results, officers' admin, home slot, demo."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from patt_voting.models import Campaign, CampaignEntry, CampaignResult, Vote
from sv_common.discord.channel_sync import ChannelSnapshot, upsert_channel
from sv_common.identity.models import Player


async def test_anonymous_sees_live_campaign_and_a_login_link(api, officer):
    draft = await officer.campaign(title="Banner <art>", activate=False)
    entry = draft["entries"][0]["id"]
    await officer.call(
        "PATCH", f"/api/v1/admin/campaign-entries/{entry}", json={"image_url": "https://img.test/a.png"}
    )
    campaign = await officer.call("POST", f"/api/v1/admin/campaigns/{draft['id']}/activate")
    page = await api.get(f"/vote/{campaign['id']}")
    assert page.status_code == 200
    assert "Banner &lt;art&gt;" in page.text and "Log in to vote" in page.text
    assert (
        '<img src="https://img.test/a.png" alt="Alder" loading="lazy" referrerpolicy="no-referrer">'
        in page.text
    )
    assert "js-countdown" in page.text
    assert "Live standings appear once you have voted" not in page.text  # anonymous cannot vote
    listing = await api.get("/vote")
    assert "Open now" in listing.text and f"/vote/{campaign['id']}" in listing.text


async def test_no_js_ballot_form_saves_and_reports_errors_next_to_the_form(api, officer, members, db):
    campaign = await officer.campaign(entries=("Alder", "Birch", "Cedar"))
    member = await members.add("Member")
    r = await api.post(
        "/api/v1/auth/login", json={"username": member.username, "password": "long enough pw 1"}
    )
    assert r.status_code == 200
    page = await api.get(f"/vote/{campaign['id']}")
    assert 'name="rank_' in page.text and "Submit my ballot" in page.text
    ids = [e["id"] for e in campaign["entries"]]

    bad = await api.post(f"/vote/{campaign['id']}", data={f"rank_{ids[0]}": "1", f"rank_{ids[1]}": "1"})
    assert bad.status_code == 422 and "Two entries have rank 1" in bad.text and 'role="alert"' in bad.text
    gap = await api.post(f"/vote/{campaign['id']}", data={f"rank_{ids[0]}": "2"})
    assert gap.status_code == 422 and "without gaps" in gap.text

    good = await api.post(f"/vote/{campaign['id']}", data={f"rank_{ids[2]}": "1", f"rank_{ids[0]}": "2"})
    assert good.status_code == 303 and good.headers["location"].endswith("?saved=ballot#ballot")
    async with db.session() as s:
        assert await s.scalar(select(Vote.rankings).where(Vote.player_id == member.player_id)) == [
            ids[2],
            ids[0],
        ]
    after = await api.get(good.headers["location"])
    assert "Your ballot is saved." in after.text and "Live standings" in after.text
    # The form is CSRF-protected like every cookie-authenticated post.
    api.send_csrf = False
    refused = await api.post(f"/vote/{campaign['id']}", data={f"rank_{ids[1]}": "1"})
    assert refused.status_code == 403


async def test_results_page_shows_chart_rounds_transfers_and_matrix(api, officer, members, cast):
    irv = await officer.campaign(counting_method="instant_runoff", title="IRV")
    schulze = await officer.campaign(counting_method="condorcet", title="Schulze")
    voters = [await members.add("Member") for _ in range(4)]
    for campaign in (irv, schulze):
        await cast(voters[0], campaign, ["Alder", "Birch"], expect=201)
        await cast(voters[1], campaign, ["Birch"], expect=201)
        await cast(voters[2], campaign, ["Cedar", "Alder"], expect=201)
        await cast(voters[3], campaign, ["Alder"], expect=201)
        await officer.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/close")
    page = await api.get(f"/vote/{irv['id']}/results")
    assert page.status_code == 200
    assert "<svg" in page.text and "Round by round" in page.text and "Transfers" in page.text
    assert "was eliminated" in page.text and "Winner: <strong>Alder</strong>" in page.text
    assert "ballots.blt" in page.text
    matrix = await api.get(f"/vote/{schulze['id']}/results")
    assert "Pairwise matrix" in matrix.text and 'class="table vote-matrix"' in matrix.text


async def test_officer_builds_and_runs_a_campaign_with_forms(api, officer, members, db):
    r = await api.post(
        "/api/v1/auth/login", json={"username": officer.voter.username, "password": "long enough pw 1"}
    )
    assert r.status_code == 200
    assert (await api.get("/admin/campaigns")).status_code == 200
    form = {
        "title": "Form made",
        "counting_method": "points",
        "picks_per_voter": "2",
        "min_rank_to_vote": "1",
        "min_rank_to_view": "",
        "start_at": "2030-01-02T18:30",
        "tz_offset": "-60",  # a browser at UTC+1
        "duration_hours": "48",
        "agent_chattiness": "hype",
        "agent_enabled": "on",
    }
    created = await api.post("/admin/campaigns", data=form)
    assert created.status_code == 303
    url = created.headers["location"].split("?")[0]
    async with db.session() as s:
        campaign = await s.scalar(select(Campaign).where(Campaign.title == "Form made"))
        assert campaign.start_at.isoformat() == "2030-01-02T17:30:00+00:00"
        assert (campaign.agent_chattiness, campaign.early_close_if_all_voted) == ("hype", False)
    # Times are the host's <time> elements (UTC text until app.js shows the viewer's zone).
    start = '<time class="js-time" data-style="absolute" datetime="2030-01-02T17:30:00+00:00">2 Jan 2030, 17:30 UTC</time>'
    assert f"Starts {start}" in (await api.get(url)).text
    assert f"Starts {start}" in (await api.get("/vote")).text
    ends = '<time class="js-time" data-style="absolute" datetime="2030-01-04T17:30:00+00:00">4 Jan 2030, 17:30 UTC</time>'
    assert ends in (await api.get("/admin/campaigns")).text
    bad = await api.post("/admin/campaigns", data=form | {"duration_hours": "0"})
    assert bad.status_code == 422 and "duration_hours" in bad.text
    for name in ("Alder", "Birch"):
        assert (await api.post(f"{url}/entries", data={"name": name})).status_code == 303
    duplicate = await api.post(f"{url}/entries", data={"name": "alder"})
    assert duplicate.status_code == 409
    # The message sits in the entries section, next to the form that was sent.
    entries_section = duplicate.text.split('id="entries"', 1)[1]
    assert "already has that name" in entries_section.split("</section>", 1)[0]
    live = await api.post(f"{url}/do/activate")
    assert live.status_code == 303 and live.headers["location"].endswith("?done=activate#status")
    detail = await api.get(live.headers["location"])
    assert "The campaign is live." in detail.text and "Close now" in detail.text
    closed = await api.post(f"{url}/do/close")
    assert closed.status_code == 303
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(CampaignResult)) == 1


async def test_admin_pages_refuse_members(api, officer, members):
    member = await members.add("Veteran")
    r = await api.post(
        "/api/v1/auth/login", json={"username": member.username, "password": "long enough pw 1"}
    )
    assert r.status_code == 200
    assert (await api.get("/admin/campaigns")).status_code == 403
    assert (await api.post("/admin/campaigns", data={"title": "x"})).status_code == 403


async def test_home_page_shows_the_open_campaign_and_last_result(api, officer, members, cast):
    done = await officer.campaign(title="Finished poll")
    await cast(await members.add("Member"), done, ["Cedar"], expect=201)
    await officer.call("POST", f"/api/v1/admin/campaigns/{done['id']}/close")
    await officer.campaign(title="Open poll")
    home = await api.get("/")
    assert home.status_code == 200
    assert "Open poll" in home.text and "Finished poll" in home.text and "<strong>Cedar</strong>" in home.text
    assert home.text.count('class="panel vote-home"') == 1
    assert re.search(
        r'open until <time class="js-time" data-style="absolute" datetime="[0-9T:.-]+\+00:00">'
        r"[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4}, [0-9]{2}:[0-9]{2} UTC</time>",
        home.text,
    )


async def test_demo_seeds_a_live_and_a_closed_campaign_once(make_host, db):
    host = make_host(plugins=["identity", "voting"])
    await host.open()
    try:
        for _ in range(2):
            async with host.db.session() as session:
                for plugin in host.plugins:
                    seed = getattr(plugin.obj, "seed_demo_data", None)
                    if seed is not None:
                        await seed(session=session, host=host)
        async with host.db.session() as session:
            statuses = sorted((await session.scalars(select(Campaign.status))).all())
            assert statuses == ["closed", "live"]
            assert await session.scalar(select(func.count()).select_from(CampaignResult)) == 1
            assert await session.scalar(select(func.count()).select_from(Vote)) > 10
    finally:
        await host.close()


async def test_the_demo_vote_stays_open_for_a_member_who_logs_in(make_host, db):
    """The demo's live campaign waited on nobody (every listed voter had a ballot), so the
    scheduler closed it a minute after `patt demo` started: a newcomer could not try voting."""
    from patt_voting.demo import LIVE_TITLE
    from patt_voting.services import ballots, campaigns, lifecycle
    from sv_common.auth import Actor

    host = make_host(plugins=["identity", "voting"])
    await host.open()
    try:
        async with host.db.session() as session:
            await host.hooks.seed_demo_data(session)
        async with host.db.session() as session:
            assert (await lifecycle.due_transitions(session))["closed"] == 0
            live = await session.scalar(select(Campaign).where(Campaign.title == LIVE_TITLE))
            assert live.status == "live"
            turnout = await campaigns.turnout(session, live)
            assert turnout.remaining >= 1  # the officer, who logs in first, has not voted
            # A member who joined after launch votes; the campaign still stays open.
            newcomer = await session.scalar(
                select(Player).where(Player.website_user_id.is_(None)).order_by(Player.id.desc())
            )
            actor = Actor(user_id=None, player_id=newcomer.id, display_name="new", rank_level=2)
            entry_ids = [e.id for e in await campaigns.list_entries(session, live.id)]
            await ballots.cast_ballot(session, live.id, actor, entry_ids[:1], officer_level=4)
        async with host.db.session() as session:
            assert (await lifecycle.due_transitions(session))["closed"] == 0
            assert await session.scalar(select(Campaign.status).where(Campaign.id == live.id)) == "live"
    finally:
        await host.close()


async def test_forms_refuse_digits_that_are_not_ascii_without_a_500(api, officer, members):
    """'²'.isdigit() is True but int('²') fails: every number field must answer 422, not 500."""
    campaign = await officer.campaign()
    member = await members.add("Member")
    login = {"username": member.username, "password": "long enough pw 1"}
    assert (await api.post("/api/v1/auth/login", json=login)).status_code == 200
    entry = campaign["entries"][0]["id"]
    ballot = await api.post(f"/vote/{campaign['id']}", data={f"rank_{entry}": "²"})
    assert ballot.status_code == 422 and "Ranks go from 1 to 3" in ballot.text

    login = {"username": officer.voter.username, "password": "long enough pw 1"}
    assert (await api.post("/api/v1/auth/login", json=login)).status_code == 200
    form = {"title": "T", "start_at": "2030-01-02T18:30", "duration_hours": "48", "picks_per_voter": "2"}
    for change in ({"picks_per_voter": "²"}, {"start_at": "9999-12-31T23:59", "tz_offset": "600"}):
        created = await api.post("/admin/campaigns", data=form | change)
        assert created.status_code == 422, (change, created.text[-300:])
        assert 'role="alert"' in created.text
    draft = await officer.campaign(activate=False)
    added = await api.post(f"/admin/campaigns/{draft['id']}/entries", data={"name": "X", "sort_order": "³"})
    assert added.status_code == 422 and "sort order must be a whole number" in added.text


async def test_home_panel_shows_only_what_the_viewer_may_see(api, officer, members, cast):
    await officer.campaign(title="Veterans poll", min_rank_to_view=3)
    await officer.campaign(title="Draft poll", activate=False)
    secret = await officer.campaign(title="Officers result", min_rank_to_view=4)
    await cast(officer.voter, secret, ["Birch"], expect=201)
    await officer.call("POST", f"/api/v1/admin/campaigns/{secret['id']}/close")
    anonymous = (await api.get("/")).text
    assert not any(t in anonymous for t in ("Veterans poll", "Draft poll", "Officers result", "Birch"))
    veteran = await members.add("Veteran")
    login = {"username": veteran.username, "password": "long enough pw 1"}
    assert (await api.post("/api/v1/auth/login", json=login)).status_code == 200
    home = (await api.get("/")).text
    assert "Veterans poll" in home and "0 of" in home
    assert "Draft poll" not in home and "Officers result" not in home


async def test_entry_forms_only_edit_entries_of_the_campaign_in_the_url(api, officer):
    one = await officer.campaign(title="One", activate=False)
    two = await officer.campaign(title="Two", activate=False)
    login = {"username": officer.voter.username, "password": "long enough pw 1"}
    assert (await api.post("/api/v1/auth/login", json=login)).status_code == 200
    foreign = two["entries"][0]["id"]
    r = await api.post(f"/admin/campaigns/{one['id']}/entries/{foreign}", data={"name": "Renamed"})
    assert r.status_code == 404
    again = await officer.call("GET", f"/api/v1/campaigns/{two['id']}")
    assert again["entries"][0]["name"] == "Alder"


async def test_vote_page_offers_no_ballot_once_the_time_is_up_before_the_job_closes(
    api, officer, members, db
):
    campaign = await officer.campaign()
    async with db.session() as s:
        row = await s.get(Campaign, campaign["id"])
        row.start_at = row.start_at - timedelta(hours=row.duration_hours + 1)  # ended, still "live"
    member = await members.add("Member")
    login = {"username": member.username, "password": "long enough pw 1"}
    assert (await api.post("/api/v1/auth/login", json=login)).status_code == 200
    page = await api.get(f"/vote/{campaign['id']}")
    assert page.status_code == 200
    assert "Submit my ballot" not in page.text and "Voting has ended" in page.text


async def test_home_page_lists_the_three_most_recent_results(api, officer, members, cast):
    voter = await members.add("Member")
    for title, pick in (
        ("Oldest poll", "Alder"),
        ("Second poll", "Birch"),
        ("Third poll", "Cedar"),
        ("Newest poll", "Alder"),
    ):
        done = await officer.campaign(title=title)
        await cast(voter, done, [pick], expect=201)
        await officer.call("POST", f"/api/v1/admin/campaigns/{done['id']}/close")
    home = (await api.get("/")).text
    panel = home[home.index('class="panel vote-home"') :]
    panel = panel[: panel.index("</section>")]
    assert "Recent results" in panel
    listed = re.findall(r'<a href="/vote/\d+/results">([^<]+)</a> — <strong>([^<]+)</strong>', panel)
    assert listed == [("Newest poll", "Alder"), ("Third poll", "Cedar"), ("Second poll", "Birch")]


async def test_campaign_forms_pick_channels_ranks_and_players_by_name(api, officer, members, db):
    async with db.session() as s:
        await upsert_channel(
            s,
            ChannelSnapshot(
                discord_channel_id="123456789012345678",
                name="contests",
                channel_type="text",
                category_name="Events",
                position=1,
                is_nsfw=False,
                is_public=True,
            ),
        )
    headers = officer.voter.auth
    page = (await api.get("/admin/campaigns", headers=headers)).text
    assert '<option value="123456789012345678">Events / #contests</option>' in page
    assert '<option value="4">Officer and above</option>' in page and "rank level" not in page.lower()
    assert 'name="discord_channel_id" inputmode' not in page  # no raw id field any more
    form = {
        "title": "Picked",
        "start_at": "2030-01-02T18:30",
        "duration_hours": "48",
        "picks_per_voter": "1",
        "min_rank_to_vote": "3",
        "agent_enabled": "on",
        "min_rank_to_view": "",
        "discord_channel_id": "123456789012345678",
    }
    created = await api.post("/admin/campaigns", data=form, headers=headers)
    assert created.status_code == 303
    campaign_id = int(re.search(r"/admin/campaigns/(\d+)", created.headers["location"]).group(1))
    detail = (await api.get(f"/admin/campaigns/{campaign_id}", headers=headers)).text
    assert '<option value="3" selected>Veteran and above</option>' in detail
    assert '<option value="123456789012345678" selected>Events / #contests</option>' in detail
    assert "Posts go to #contests." in detail
    # The entry's author is picked by name ("Name #id" from the list), never typed as an id.
    author = await members.add("Member", name="Artsy Alder")
    detail = (await api.get(f"/admin/campaigns/{campaign_id}", headers=headers)).text
    assert f'<option value="Artsy Alder #{author.player_id}">' in detail
    added = await api.post(
        f"/admin/campaigns/{campaign_id}/entries",
        data={"name": "By Artsy", "player": f"Artsy Alder #{author.player_id}"},
        headers=headers,
    )
    assert added.status_code == 303
    async with db.session() as s:
        entries = (await s.execute(select(CampaignEntry.name, CampaignEntry.player_id))).all()
    assert [tuple(e) for e in entries] == [("By Artsy", author.player_id)]
    typed = await api.post(
        f"/admin/campaigns/{campaign_id}/entries", data={"name": "Typed", "player": "Artsy"}, headers=headers
    )
    assert typed.status_code == 422 and "Pick the player from the list" in typed.text


async def test_officer_forms_refuse_an_invisible_title_or_name(api, officer):
    login = {"username": officer.voter.username, "password": "long enough pw 1"}
    assert (await api.post("/api/v1/auth/login", json=login)).status_code == 200
    form = {
        "title": "\u200b\u2060",
        "start_at": "2030-01-02T18:30",
        "duration_hours": "48",
        "picks_per_voter": "1",
    }
    created = await api.post("/admin/campaigns", data=form)
    assert created.status_code == 422 and "title: Value error, must not be blank" in created.text
    draft = await officer.campaign(activate=False)
    added = await api.post(f"/admin/campaigns/{draft['id']}/entries", data={"name": "\ufeff "})
    assert added.status_code == 422 and "name: Value error, must not be blank" in added.text
