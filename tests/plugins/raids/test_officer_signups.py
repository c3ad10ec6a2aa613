"""Officers set members' answers on the event page (``PUT /api/v1/admin/raids/events/{id}/signup``):
for a member signed up by rule, for a raider with no signup yet (listed on the page so an officer
can put them on the bench), and never once the event is cancelled or over."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from patt_host.testing import create_member
from patt_raids.models import RaidAttendance
from patt_raids.services import events


def changes(client):
    return [e.data for e in client.host.plugin("recorder").obj.events if e.name == "raids.event_changed"]


async def new_event(officer, days=10) -> int:
    day = (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
    response = await officer.post(
        "/api/v1/admin/raids/events",
        json={"title": "Heroic night", "event_date": day, "start_time": "20:00", "timezone": "UTC"},
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def answers(db, event_id) -> dict[int, tuple[str, str]]:
    async with db.session() as session:
        rows = await session.execute(
            select(RaidAttendance.player_id, RaidAttendance.status, RaidAttendance.source).where(
                RaidAttendance.event_id == event_id
            )
        )
        return {p: (status, source) for p, status, source in rows}


def row_of(html: str, player_id: int) -> str:
    found = re.search(rf'<tr data-player="{player_id}".*?</tr>', html, re.S)
    assert found, f"no row for player {player_id}"
    return found.group(0)


async def test_officer_sets_answers_also_for_raiders_without_a_signup(officer, member, raider, db):
    event_id = await new_event(officer)
    late = await raider(rank="Member", name="Latecomer", spec=("Mage", "Frost"))  # joined afterwards
    url = f"/api/v1/admin/raids/events/{event_id}/signup"

    page = await officer.get(f"/admin/raids/events/{event_id}")
    assert page.status_code == 200
    signed = row_of(page.text, member.ref.player_id)
    assert 'class="js-raids-signup status-tentative"' in signed and "by rule" in signed
    assert '<option value="tentative" selected>' in signed
    assert 'role="status"' in signed  # the feedback beside the control
    unanswered = row_of(page.text, late.player_id)
    assert "No signup" in unanswered and "Latecomer" in unanswered
    assert "no signup 1" in page.text  # the counts say so

    bench = await officer.put(url, json={"player_id": member.ref.player_id, "status": "bench"})
    assert bench.status_code == 200, bench.text
    assert bench.json()["data"] == {
        "event_id": event_id,
        "player_id": member.ref.player_id,
        "status": "bench",
        "changed": True,
    }
    assert changes(officer)[-1] == {
        "event_id": event_id,
        "reason": "signup",
        "player_id": member.ref.player_id,
        "status": "bench",
        "source": "officer",
    }  # the Discord post and Raid-Helper follow the officer's change as a member's own
    accepted = await officer.put(url, json={"player_id": late.player_id, "status": "accepted"})
    assert accepted.status_code == 200 and accepted.json()["data"]["changed"] is True
    saved = await answers(db, event_id)
    assert saved[member.ref.player_id] == ("bench", "officer")
    assert saved[late.player_id] == ("accepted", "officer")

    heard = len(changes(officer))
    again = await officer.put(url, json={"player_id": late.player_id, "status": "accepted"})
    assert again.status_code == 200 and again.json()["data"]["changed"] is False
    assert len(changes(officer)) == heard  # nothing changed, nothing to tell

    # The page as the script reads it back: counts, the row, and nobody left without a signup.
    page = await officer.get(f"/admin/raids/events/{event_id}")
    counts = re.search(r'<dd id="raids-signup-counts">(.*?)</dd>', page.text, re.S).group(1)
    assert "accepted 1" in counts and "bench 1" in counts and "tentative 1" in counts
    assert "no signup" not in counts
    assert '<option value="bench" selected>' in row_of(page.text, member.ref.player_id)
    assert "by an officer" in row_of(page.text, late.player_id)
    ranged = re.search(r'<tr[^>]*data-role="ranged">.*?</tr>', page.text, re.S).group(0)
    assert '<td class="raids-accepted">1</td>' in ranged  # the latecomer's Frost mage

    # The member sees the officer's answer as theirs.
    mine = (await member.get(f"/api/v1/raids/events/{event_id}")).json()["data"]["my_status"]
    assert mine == "bench"


async def test_refusals_name_the_field_or_the_conflict(officer, site, db):
    event_id = await new_event(officer)
    url = f"/api/v1/admin/raids/events/{event_id}/signup"
    for body, field in (
        ({"player_id": 1, "status": "maybe"}, "status"),
        ({"player_id": 0, "status": "bench"}, "player_id"),
        ({"player_id": "x", "status": "bench"}, "player_id"),
        ({"status": "bench"}, "player_id"),
    ):
        response = await officer.put(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in [d["field"] for d in response.json()["error"]["details"]], response.text
    no_main = await create_member(db, "Member", "Mainless")  # an account, but no main character
    refused = await officer.put(url, json={"player_id": no_main.player_id, "status": "bench"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_a_raider"
    missing = await officer.put(
        "/api/v1/admin/raids/events/999999/signup",
        json={"player_id": officer.ref.player_id, "status": "bench"},
    )
    assert missing.status_code == 404


async def test_a_player_id_is_a_plain_json_integer(officer, member, db):
    """``true`` is not player 1, and "015", 15.0 and 1e1 are not ids: one spelling per player."""
    event_id = await new_event(officer)
    url = f"/api/v1/admin/raids/events/{event_id}/signup"
    player_id = member.ref.player_id
    before = await answers(db, event_id)
    for raw in ("true", f'"{player_id}"', f'"0{player_id}"', f"{player_id}.0", "1e1"):
        response = await officer.put(
            url,
            content=f'{{"player_id": {raw}, "status": "accepted"}}',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 422, (raw, response.text)
        assert "player_id" in [d["field"] for d in response.json()["error"]["details"]], response.text
    assert await answers(db, event_id) == before  # nobody was signed up
    plain = await officer.put(url, json={"player_id": player_id, "status": "accepted"})
    assert plain.status_code == 200 and plain.json()["data"]["player_id"] == player_id


async def test_answers_close_with_the_event_on_the_page_as_in_the_api(officer, member, raider, db):
    cancelled_id = await new_event(officer)
    assert (
        await officer.post(f"/api/v1/admin/raids/events/{cancelled_id}/cancel", json={})
    ).status_code == 200
    async with db.session() as session:
        past = await events.create_event(
            session,
            title="Last week",
            event_date=(datetime.now(UTC) - timedelta(days=7)).date(),
            start_time=time(20, 0),
            timezone="UTC",
        )
        past_id = past.id
    walk_in = await raider(rank="Member", name="Walkin")

    for event_id, code, why in (
        (cancelled_id, "event_cancelled", "the event was cancelled"),
        (past_id, "event_over", "the event is over"),
    ):
        response = await officer.put(
            f"/api/v1/admin/raids/events/{event_id}/signup",
            json={"player_id": member.ref.player_id, "status": "bench"},
        )
        assert response.status_code == 409 and response.json()["error"]["code"] == code
        page = await officer.get(f"/admin/raids/events/{event_id}")
        assert page.status_code == 200
        assert f"Answers are closed: {why}." in page.text
        assert "js-raids-signup" not in page.text  # no control that could only be refused
    # Over, the raiders without a signup are still listed: an officer marks walk-ins' attendance.
    page = await officer.get(f"/admin/raids/events/{past_id}")
    assert "no signup" in row_of(page.text, walk_in.player_id)
    marked = await officer.put(
        f"/api/v1/admin/raids/events/{past_id}/attendance",
        json={"marks": {str(walk_in.player_id): "attended"}},
    )
    assert marked.status_code == 200
    assert "attended" in row_of((await officer.get(f"/admin/raids/events/{past_id}")).text, walk_in.player_id)
    # Cancelled, nobody is added: the list is what was signed up.
    page = await officer.get(f"/admin/raids/events/{cancelled_id}")
    assert f'data-player="{walk_in.player_id}"' not in page.text
