"""A new event's per-player overrides: the rule's plan and its preview on the officers' New event
form (who is signed up, as what and why, who has no Discord account), overrides that win or
skip, and overrides for players the rule would not sign up refused with their names."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from patt_host.testing import create_member, log_in
from patt_raids.models import RaidAttendance, RaidEvent
from patt_raids.services import events
from sv_common.errors import ValidationFailed
from sv_common.identity import players as player_service
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.models import Player

from .conftest import HEALER, RANGED, TANK, WEB_PLUGINS, EventRecorder

BASE = dict(title="Raid", event_date=date(2026, 12, 11), start_time=time(21, 0), timezone="UTC")


def future_date(days=10) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


async def link_discord(db, player_id: int, discord_id: int) -> None:
    async with db.session() as session:
        user, _ = await upsert_discord_user(
            session, discord_id=str(discord_id), username=f"u{discord_id}", display_name=None, role_ids=[]
        )
        await player_service.link_discord(session, player_id=player_id, discord_user_id=user.id)
        await session.commit()


async def strays(db, raider):
    """Players the rule does not sign up: inactive, without a main, without a rank."""
    gone = await raider(name="Gone Gary")
    no_main = await raider(name="Mainless Mo", main=False)
    no_rank = await raider(name="Rankless Rae")
    async with db.session() as session:
        (await session.get(Player, gone.player_id)).is_active = False
        (await session.get(Player, no_rank.player_id)).guild_rank_id = None
        await session.commit()
    return gone, no_main, no_rank


async def _signups(db, event_id: int) -> dict[int, tuple[str, str]]:
    async with db.session() as session:
        rows = await session.execute(
            select(RaidAttendance.player_id, RaidAttendance.status, RaidAttendance.source).where(
                RaidAttendance.event_id == event_id
            )
        )
        return {r[0]: (r[1], r[2]) for r in rows}


async def test_overrides_win_and_skip_leaves_the_player_off(db, raider):
    keen = await raider(rank="Veteran", auto_invite=True)
    initiate = await raider(rank="Initiate")
    plain = await raider(rank="Member")
    skipped = await raider(rank="Member", auto_invite=True)
    async with db.session() as session:
        event = await events.create_event(
            session,
            **BASE,
            overrides={keen.player_id: "bench", initiate.player_id: "accepted", skipped.player_id: "skip"},
        )
        await session.commit()
    assert await _signups(db, event.id) == {
        keen.player_id: ("bench", "override"),  # over auto-invite
        initiate.player_id: ("accepted", "override"),  # over the lowest rank's bench
        plain.player_id: ("tentative", "auto"),
    }


async def test_overrides_for_players_the_rule_would_not_sign_up_are_refused_by_name(db, raider):
    member = await raider()
    gone, no_main, no_rank = await strays(db, raider)
    async with db.session() as session:
        for player, name in ((gone, "Gone Gary"), (no_main, "Mainless Mo"), (no_rank, "Rankless Rae")):
            for value in ("accepted", "skip"):  # a skip too: the officer's view was stale
                with pytest.raises(ValidationFailed) as caught:
                    await events.create_event(session, **BASE, overrides={player.player_id: value})
                assert caught.value.code == "bad_override_player"
                assert f"{name} ({player.player_id})" in caught.value.message
                assert caught.value.details["not_raider_ids"] == [player.player_id]
        unknown = member.player_id + 100_000
        with pytest.raises(ValidationFailed) as caught:
            # Beyond Postgres' integer: no player, and no database error binding it.
            await events.create_event(
                session, **BASE, overrides={member.player_id: "bench", unknown: "bench", 2**40: "skip"}
            )
        assert caught.value.details == {"unknown_player_ids": [unknown, 2**40], "not_raider_ids": []}
        assert f"no such player: {unknown}, {2**40}" in caught.value.message
        assert await session.scalar(select(func.count(RaidEvent.id))) == 0  # nothing was written


async def test_a_long_refusal_names_ten_and_counts_the_rest(db, raider):
    await raider()
    async with db.session() as session:
        with pytest.raises(ValidationFailed) as caught:
            await events.plan_signups(session, {900_000 + i: "skip" for i in range(25)})
    assert "900009 and 15 more" in caught.value.message
    assert len(caught.value.details["unknown_player_ids"]) == 25


async def test_the_preview_is_the_rule_plan_with_reasons_and_discord_links(db, raider):
    keen = await raider(name="Keen Kai", rank="Veteran", auto_invite=True, spec=HEALER)
    initiate = await raider(name="Initiate Ivy", rank="Initiate", auto_invite=True, spec=TANK)
    plain = await raider(name="Plain Pat", rank="Member", spec=RANGED)
    await strays(db, raider)
    await link_discord(db, keen.player_id, 892000000000000777)
    async with db.session() as session:
        rows = await events.roster_preview(session)
        plan = await events.plan_signups(session)
    by_id = {r.player_id: r for r in rows}
    assert [r.display_name for r in rows] == ["Initiate Ivy", "Keen Kai", "Plain Pat"]  # by name
    assert (by_id[keen.player_id].status, by_id[keen.player_id].reason) == ("accepted", "auto_invite")
    assert (by_id[initiate.player_id].status, by_id[initiate.player_id].reason) == ("bench", "lowest_rank")
    assert (by_id[plain.player_id].status, by_id[plain.player_id].reason) == ("tentative", "default")
    assert {s.player_id: s.status for s in plan} == {r.player_id: r.status for r in rows}
    assert [r.discord for r in rows] == [False, True, False]
    keen_row = by_id[keen.player_id]
    assert (keen_row.class_name, keen_row.spec_name, keen_row.role) == ("Priest", "Holy", "healer")
    assert re.fullmatch(r"#?[0-9A-Fa-f]{6}", keen_row.class_colour or "")


# --- through HTTP ----------------------------------------------------------------------------


async def test_the_api_applies_overrides_and_names_the_ones_it_refuses(officer, raider, db):
    benched = await raider(name="Bench Bo", auto_invite=True)
    skipped = await raider(name="Skip Sid")
    gone, _no_main, _no_rank = await strays(db, raider)
    body = {"title": "Heroic", "event_date": future_date(), "start_time": "20:00", "timezone": "UTC"}

    refused = await officer.post(
        "/api/v1/admin/raids/events",
        json={**body, "player_overrides": {str(benched.player_id): "bench", str(gone.player_id): "accepted"}},
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "bad_override_player" and f"Gone Gary ({gone.player_id})" in error["message"]
    unknown = await officer.post(
        "/api/v1/admin/raids/events", json={**body, "player_overrides": {"2000000000": "skip"}}
    )
    assert unknown.status_code == 422 and "no such player: 2000000000" in unknown.json()["error"]["message"]
    # Beyond Postgres' integer: refused at the edge, for attendance marks too (not a 500).
    too_big = await officer.post(
        "/api/v1/admin/raids/events", json={**body, "player_overrides": {"9999999999": "skip"}}
    )
    assert too_big.status_code == 422 and "at most 2147483647" in too_big.text
    async with db.session() as session:
        assert await session.scalar(select(func.count(RaidEvent.id))) == 0

    created = await officer.post(
        "/api/v1/admin/raids/events",
        json={
            **body,
            "player_overrides": {str(benched.player_id): "bench", str(skipped.player_id): "skip"},
        },
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["data"]["id"]
    assert await _signups(db, event_id) == {
        officer.ref.player_id: ("tentative", "auto"),
        benched.player_id: ("bench", "override"),
    }
    marks = await officer.put(
        f"/api/v1/admin/raids/events/{event_id}/attendance", json={"marks": {"9999999999": "attended"}}
    )
    assert marks.status_code == 422


async def test_the_new_event_form_previews_the_planned_raiders(officer, raider, db):
    keen = await raider(name="Keen Kai", rank="Veteran", auto_invite=True, spec=HEALER)
    initiate = await raider(name="Initiate Ivy", rank="Initiate", spec=TANK)
    gone, no_main, no_rank = await strays(db, raider)
    await link_discord(db, keen.player_id, 892000000000000778)

    page = await officer.get("/admin/raids")
    assert page.status_code == 200
    roster = re.search(r'<details[^>]*id="raids-roster".*?</details>', page.text, re.S).group(0)
    assert "Roster (3) — adjust before creating" in roster
    assert "<details class" in roster and " open" not in roster.split(">", 1)[0]  # collapsed
    rows = dict(re.findall(r'<li class="raids-roster-row" data-player="(\d+)"(.*?)</li>', roster, re.S))
    assert set(rows) == {str(officer.ref.player_id), str(keen.player_id), str(initiate.player_id)}
    assert not {str(p.player_id) for p in (gone, no_main, no_rank)} & set(rows)

    keen_row = rows[str(keen.player_id)]
    assert 'data-default="accepted"' in keen_row and "default (accepted)</option>" in keen_row
    assert "auto-invite" in keen_row and "Holy Priest (healer)" in keen_row and "no Discord" not in keen_row
    ivy = rows[str(initiate.player_id)]
    assert 'data-default="bench"' in ivy and "lowest rank (Initiate)" in ivy and "no Discord" in ivy
    chief = rows[str(officer.ref.player_id)]
    assert 'data-default="tentative"' in chief and ">default</span>" in chief
    for value in ("accepted", "tentative", "bench", "absent", "skip"):
        assert f'<option value="{value}">' in chief
    counts = re.search(r'id="raids-roster-counts"[^>]*>([^<]*)<', roster).group(1)
    assert counts == "accepted 1 · tentative 1 · bench 1"
    async with db.session() as session:
        assert await session.scalar(select(func.count(RaidEvent.id))) == 0  # a preview books nothing


async def test_the_new_event_form_says_when_nobody_would_be_signed_up(make_client, db):
    site = await make_client(plugins=WEB_PLUGINS, extra_plugins=[EventRecorder])
    chief = await create_member(db, "Officer", "Chief Without Main")  # a rank, no main: no raider
    client = await make_client(host=site.host)
    await log_in(client, chief)
    page = await client.get("/admin/raids")
    assert page.status_code == 200
    assert 'id="raids-roster-empty"' in page.text and "No raiders yet" in page.text
    assert 'id="raids-roster"' not in page.text
    created = await client.post(
        "/api/v1/admin/raids/events",
        json={"title": "Empty", "event_date": future_date(), "start_time": "20:00", "timezone": "UTC"},
    )
    assert created.status_code == 201 and await _signups(db, created.json()["data"]["id"]) == {}
