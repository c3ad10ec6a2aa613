"""The companion's addon upload API: keys, realm-aware idempotent processing, all-or-nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from patt_guild_sync.models import AddonApiKey, SyncLog
from sv_common.identity.models import WowCharacter

UPLOAD = "/api/guild-sync/addon-upload"
UPLOAD_V1 = "/api/v1/guild-sync/addon-upload"


def entry(name, realm="Test Realm", **extra):
    base = {
        "name": name,
        "realm": realm,
        "class": "Mage",
        "level": 80,
        "rank": 3,
        "rank_name": "Member",
        "guild_note": f"{name} note",
        "officer_note": "",
        "is_online": False,
        "last_online": "2d 3h",
        "zone": "Dornogal",
    }
    base.update(extra)
    return base


def body(*entries, **extra):
    return {"characters": list(entries), "addon_version": "1.0.0", "uploaded_by": "companion_app", **extra}


async def notes(db, name, realm="test-realm"):
    async with db.session() as s:
        row = await s.scalar(
            select(WowCharacter).where(WowCharacter.character_name == name, WowCharacter.realm_slug == realm)
        )
        return row.guild_note, row.officer_note, row.addon_last_seen


@pytest.fixture
async def key(arrange):
    officer = await arrange.account("Officer")
    return await arrange.api_key(officer.player_id)


async def test_upload_updates_notes_realm_aware_and_reports_per_character(site, arrange, key, db, recorder):
    await arrange.character("Trogmoon", realm="test-realm", realm_name="Test Realm")
    await arrange.character("Trogmoon", realm="other-realm", realm_name="Other Realm")
    response = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(
            entry("Trogmoon", guild_note="trog main", officer_note="raid lead", achievementPoints=12345),
            entry("Nobody"),
        ),
    )
    assert response.status_code == 200, response.text
    data = site.data(response)
    assert (data["characters_received"], data["updated"], data["not_found"]) == (2, 1, 1)
    by_name = {r["name"]: r for r in data["results"]}
    assert by_name["Trogmoon"]["result"] == "updated"
    assert set(by_name["Trogmoon"]["changed"]) == {"guild_note", "officer_note", "last_seen"}
    assert by_name["Nobody"]["result"] == "not_found"
    guild_note, officer_note, seen = await notes(db, "Trogmoon")
    assert (guild_note, officer_note) == ("trog main", "raid lead")
    assert seen is not None
    # The same name on another realm is another character: untouched.
    assert (await notes(db, "Trogmoon", "other-realm"))[:2] == (None, None)
    changed = [d["field"] for d in recorder.named("character.note_changed")]
    assert sorted(changed) == ["guild_note", "officer_note"]


async def test_connected_realm_spelled_as_the_game_writes_it_matches(site, arrange, key, db):
    # In "Name-Realm" the game drops spaces ("Area52", "AzjolNerub"); Blizzard's slugs keep hyphens.
    await arrange.character("Zugzug", realm="area-52", realm_name="Area 52")
    await arrange.character("Nerubo", realm="azjol-nerub", realm_name="Azjol-Nerub")
    response = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(entry("Zugzug", realm="Area52", guild_note="z"), entry("Nerubo", realm="AzjolNerub")),
    )
    assert response.status_code == 200, response.text
    assert [r["result"] for r in site.data(response)["results"]] == ["updated", "updated"]
    assert (await notes(db, "Zugzug", "area-52"))[0] == "z"
    assert (await notes(db, "Nerubo", "azjol-nerub"))[0] == "Nerubo note"


async def test_same_upload_twice_gives_the_same_state(site, arrange, key, db):
    await arrange.character("Idem", realm_name="Test Realm")
    payload = body(entry("Idem", guild_note="same"), exportTime=1_900_000_000)
    first = await site.post(UPLOAD_V1, headers={"X-API-Key": key}, json=payload)
    state = await notes(db, "Idem")
    second = await site.post(UPLOAD_V1, headers={"X-API-Key": key}, json=payload)
    assert first.status_code == second.status_code == 200
    assert await notes(db, "Idem") == state
    assert site.data(second)["results"][0]["result"] == "unchanged"


async def test_malformed_upload_commits_nothing_and_names_bad_entries(site, arrange, key, db):
    await arrange.character("Goodone", realm_name="Test Realm", guild_note="before")
    response = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(
            entry("Goodone", guild_note="after"),
            entry("Badlevel", level="very high"),
            entry("Ctrl\x07char"),
            {"realm": "Test Realm"},
            entry("Goodone"),  # duplicate
        ),
    )
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [e["index"] for e in details["entries"]] == [1, 2, 3, 4]
    assert details["entries"][0]["name"] == "Badlevel"
    assert (await notes(db, "Goodone"))[0] == "before"
    async with db.session() as s:
        assert (await s.scalars(select(SyncLog))).all() == []


@pytest.mark.parametrize(
    "payload",
    [
        {"characters": []},
        {"characters": "nope"},
        [],
        {"characters": [entry("X")], "addon_version": "x" * 500},
        {"characters": [entry("X", level=2**40)]},
    ],
)
async def test_invalid_bodies_are_422(site, key, payload):
    response = await site.post(UPLOAD, headers={"X-API-Key": key}, json=payload)
    assert response.status_code == 422
    assert response.json()["ok"] is False


@pytest.mark.parametrize(
    "raw_export_time",
    [
        "1" + "0" * 400,  # 10**400 as a JSON number: OverflowError dividing it into milliseconds
        '"\u00b2"',  # "²" passes str.isdigit() and fails int()
        '"' + "9" * 5000 + '"',  # past Python's int-from-string digit limit: ValueError
        '"\u0663"',  # Arabic-Indic digit three
        '"next tuesday"',
        "true",
    ],
)
async def test_an_unreadable_export_time_is_a_clear_422(site, arrange, key, db, raw_export_time):
    await arrange.character("Clocky", realm_name="Test Realm")
    content = json.dumps(body(entry("Clocky", guild_note="never"))).removesuffix("}")
    content += f', "export_time": {raw_export_time}}}'
    response = await site.post(
        UPLOAD, headers={"X-API-Key": key, "Content-Type": "application/json"}, content=content.encode()
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "export_time" in error["message"] and "unix" in error["message"], error
    assert error["details"]["body"][0]["field"] == "export_time"
    assert (await notes(db, "Clocky"))[0] != "never"  # nothing was saved


async def test_the_upload_routes_publish_their_body_and_key_in_openapi(site):
    spec = (await site.get("/api/openapi.json")).json()
    for path in (UPLOAD, UPLOAD_V1):
        operation = spec["paths"][path]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema["required"] == ["characters"]
        assert schema["properties"]["characters"]["items"]["properties"]["name"]["maxLength"] == 50
        assert "export_time" in schema["properties"]
        scheme = next(iter(operation["security"][0]))
        assert spec["components"]["securitySchemes"][scheme] == {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
        }


async def test_non_json_body_is_422_and_oversized_is_413(site, key, monkeypatch):
    response = await site.post(
        UPLOAD, headers={"X-API-Key": key, "Content-Type": "application/json"}, content=b"{"
    )
    assert response.status_code == 422
    limit = site.host.plugin_settings("guild_sync").upload_max_bytes
    big = json.dumps(body(entry("Y", zone="z" * 100))).encode() + b" " * limit
    response = await site.post(
        UPLOAD, headers={"X-API-Key": key, "Content-Type": "application/json"}, content=big
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_a_1000_member_export_fits_the_size_limit(site, arrange, key):
    payload = body(
        *[entry(f"Member{i:04d}", guild_note="n" * 31, officer_note="o" * 31) for i in range(1000)]
    )
    response = await site.post(UPLOAD, headers={"X-API-Key": key}, json=payload)
    assert response.status_code == 200
    assert site.data(response)["not_found"] == 1000


async def test_keys_are_required_hashed_revocable_and_record_last_use(site, arrange, db, log_in):
    officer = await arrange.account("Officer")
    key = await arrange.api_key(officer.player_id, name="laptop")
    for headers in ({}, {"X-API-Key": "patt_wrong"}, {"X-API-Key": "x" * 5000}):
        response = await site.post(UPLOAD, headers=headers, json=body(entry("A")))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"
    assert (await site.post(UPLOAD, headers={"X-API-Key": key}, json=body(entry("A")))).status_code == 200
    async with db.session() as s:
        row = await s.scalar(select(AddonApiKey))
        assert row.key_hash != key and key not in row.key_hash and row.last_used_at is not None
        key_id = row.id
    await log_in(site, officer)
    listing = site.data(await site.get("/api/v1/admin/guild-sync/api-keys"))
    assert listing[0]["name"] == "laptop" and "key" not in listing[0] and "key_hash" not in listing[0]
    assert (await site.delete(f"/api/v1/admin/guild-sync/api-keys/{key_id}")).status_code == 200
    assert (await site.post(UPLOAD, headers={"X-API-Key": key}, json=body(entry("A")))).status_code == 401


async def test_key_revocation_keeps_to_the_officers_rank_ceiling(site, arrange, db, log_in):
    # Any officer could revoke any key, the Guild Leader's and the operator's included.
    # Now: own keys, keys of players ranked below, ownerless keys only for the leader.
    officer, peer = await arrange.account("Officer"), await arrange.account("Officer")
    leader, veteran = await arrange.account("Guild Leader"), await arrange.account("Veteran")
    for name, owner in (("own", officer), ("peer", peer), ("leader", leader), ("veteran", veteran)):
        await arrange.api_key(owner.player_id, name=name)
    await arrange.api_key(None, name="operator")
    async with db.session() as s:
        keys = {k.name: k.id for k in await s.scalars(select(AddonApiKey))}

    await log_in(site, officer)
    listing = site.data(await site.get("/api/v1/admin/guild-sync/api-keys"))
    assert {k["name"] for k in listing if k["revocable"]} == {"own", "veteran"}
    for name in ("leader", "peer", "operator"):
        refused = await site.delete(f"/api/v1/admin/guild-sync/api-keys/{keys[name]}")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "rank_too_high", name
    for name in ("own", "veteran"):
        assert (await site.delete(f"/api/v1/admin/guild-sync/api-keys/{keys[name]}")).status_code == 200
    page = await site.get("/admin/guild-sync")
    assert page.text.count("js-key-revoke") == 0  # nothing left this officer may revoke
    async with db.session() as s:
        revoked = {
            k.name for k in await s.scalars(select(AddonApiKey).where(AddonApiKey.revoked_at.is_not(None)))
        }
    assert revoked == {"own", "veteran"}

    site.cookies.clear()
    await log_in(site, leader)
    for name in ("leader", "peer", "operator"):
        assert (await site.delete(f"/api/v1/admin/guild-sync/api-keys/{keys[name]}")).status_code == 200


async def test_officer_creates_a_key_shown_once_and_it_works(site, arrange, log_in):
    officer = await arrange.account("Officer")
    await log_in(site, officer)
    created = await site.post("/api/v1/admin/guild-sync/api-keys", json={"name": "desktop"})
    assert created.status_code == 201
    secret = site.data(created)["key"]
    listing = site.data(await site.get("/api/v1/admin/guild-sync/api-keys"))
    assert secret not in json.dumps(listing)
    site.cookies.clear()
    assert (await site.post(UPLOAD, headers={"X-API-Key": secret}, json=body(entry("A")))).status_code == 200


async def test_a_blank_or_invisible_key_name_is_422_naming_the_field(site, arrange, log_in):
    await log_in(site, await arrange.account("Officer"))
    for blank in ("   ", "\u200b", "\u2060\ufeff", "\u00ad", "\u180e"):
        refused = await site.post("/api/v1/admin/guild-sync/api-keys", json={"name": blank})
        assert refused.status_code == 422, (repr(blank), refused.text)
        assert [d["field"] for d in refused.json()["error"]["details"]] == ["name"]


async def test_an_entry_with_an_invisible_name_is_named_in_the_422(site, arrange, key, db):
    await arrange.character("Goodone", realm_name="Test Realm", guild_note="before")
    response = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(entry("Goodone", guild_note="after"), entry("\u200b\u2060"), entry("  ")),
    )
    assert response.status_code == 422, response.text
    entries = response.json()["error"]["details"]["entries"]
    assert [(e["index"], [x["field"] for x in e["errors"]]) for e in entries] == [
        (1, ["name"]),
        (2, ["name"]),
    ]
    assert (await notes(db, "Goodone"))[0] == "before"


async def test_a_demoted_officers_key_stops_working(site, arrange, db):
    officer = await arrange.account("Officer")
    key = await arrange.api_key(officer.player_id)
    from sv_common.identity.models import GuildRank
    from sv_common.identity.ranks import set_rank_override

    async with db.session() as s:
        member_rank = await s.scalar(select(GuildRank.id).where(GuildRank.name == "Member"))
        await set_rank_override(s, officer.player_id, member_rank)
    assert (await site.post(UPLOAD, headers={"X-API-Key": key}, json=body(entry("A")))).status_code == 401


async def test_members_cannot_manage_keys(site, arrange, log_in):
    member = await arrange.account("Member")
    await log_in(site, member)
    assert (await site.get("/api/v1/admin/guild-sync/api-keys")).status_code == 403
    assert (await site.post("/api/v1/admin/guild-sync/api-keys", json={"name": "x"})).status_code == 403
    site.cookies.clear()
    assert (await site.post("/api/v1/admin/guild-sync/api-keys", json={"name": "x"})).status_code == 401


async def test_out_of_range_key_id_is_404_not_500(site, arrange, log_in):
    officer = await arrange.account("Officer")
    await log_in(site, officer)
    response = await site.delete(f"/api/v1/admin/guild-sync/api-keys/{2**40}")
    assert response.status_code in (404, 422)


async def test_generated_bodies_never_give_a_500(site, key):
    import random

    rng = random.Random(9)
    values = [
        None,
        True,
        -1,
        0,
        2**31,
        2**63,
        1e308,
        float("nan"),
        "",
        "x" * 300,
        "Ünïcødé",
        "\x00",
        "2d 3h",
        "Online",
        "1999-01-01T00:00:00",
        [],
        {},
        [1, 2],
        {"a": 1},
    ]
    fields = [
        "name",
        "realm",
        "class",
        "level",
        "rank",
        "guild_note",
        "officer_note",
        "is_online",
        "last_online",
        "zone",
        "achievement_points",
        "note",
        "rankName",
    ]
    for _ in range(60):
        characters = []
        for _ in range(rng.randint(1, 4)):
            entry = {"name": rng.choice(["Aa", "Bb", rng.choice(values)])}
            for field in rng.sample(fields, rng.randint(0, len(fields))):
                entry[field] = rng.choice(values)
            characters.append(entry if rng.random() > 0.1 else rng.choice(values))
        body = {"characters": characters}
        if rng.random() > 0.5:
            body["export_time"] = rng.choice(values)
        if rng.random() > 0.7:
            body["addon_version"] = rng.choice(values)
        content = json.dumps(body, allow_nan=True).encode()
        response = await site.post(
            UPLOAD, headers={"X-API-Key": key, "Content-Type": "application/json"}, content=content
        )
        assert response.status_code in (200, 422), (response.status_code, body, response.text)


@pytest.mark.parametrize(
    "last_online",
    ["99999y", "9" * 5000 + "d", 10**30, "9999-12-31T23:59:59", 4_000_000_000_000],
)
async def test_out_of_range_last_online_is_not_a_500(site, arrange, key, db, last_online):
    # Relative values past year 1 and absurd timestamps overflowed datetime arithmetic (500).
    await arrange.character("Farout", realm_name="Test Realm")
    payload = body(entry("Farout", guild_note="kept", last_online=last_online))
    for _ in range(2):  # the second pass compares with what the first stored
        response = await site.post(UPLOAD, headers={"X-API-Key": key}, json=payload)
        assert response.status_code == 200, response.text
    guild_note, _, seen = await notes(db, "Farout")
    assert guild_note == "kept"
    # A last-seen in the future is not believed.
    assert seen is None or seen <= datetime.now(UTC)


async def test_one_character_under_two_realm_spellings_is_a_duplicate(site, arrange, key, db):
    # "Area52" (the game's spelling) and "Area 52" are one realm: two entries for one character
    # were both applied (the later note won, two note_changed events) instead of a 422.
    await arrange.character("Zugzug", realm="area-52", realm_name="Area 52", guild_note="before")
    response = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(entry("Zugzug", realm="Area 52", guild_note="one"), entry("zugzug", realm="Area52")),
    )
    assert response.status_code == 422, response.text
    assert [e["index"] for e in response.json()["error"]["details"]["entries"]] == [1]
    assert (await notes(db, "Zugzug", "area-52"))[0] == "before"


async def test_the_same_upload_twice_at_once_changes_and_reports_once(site, arrange, key, db, recorder):
    # Two companions (or a retry racing its first attempt) sending one export together both
    # read the old notes: both reported "updated" and note_changed went out twice.
    import asyncio

    await arrange.character("Twice", realm_name="Test Realm", guild_note="old")
    payload = body(entry("Twice", guild_note="new", officer_note="raid"), exportTime=1_900_000_000)
    first, second = await asyncio.gather(
        *(site.post(UPLOAD, headers={"X-API-Key": key}, json=payload) for _ in range(2))
    )
    assert first.status_code == second.status_code == 200
    results = sorted(site.data(r)["results"][0]["result"] for r in (first, second))
    assert results == ["unchanged", "updated"]
    assert sorted(e["field"] for e in recorder.named("character.note_changed")) == [
        "guild_note",
        "officer_note",
    ]
    assert (await notes(db, "Twice"))[:2] == ("new", "raid")


async def test_an_ip_over_its_failed_key_budget_is_refused_even_with_a_right_key(
    monkeypatch, make_client, recorder, arrange
):
    # The budget was only counted after a key failed, so a correct guess was still accepted
    # past it (wrong keys: 429, the right one: 200): guessing was never actually slowed down.
    monkeypatch.setenv("PATT_GUILD_SYNC_FAILED_KEY_ATTEMPTS_PER_IP", "3")
    client = await make_client(plugins=["identity", "guild_sync", "event_recorder"], extra_plugins=[recorder])
    officer = await arrange.account("Officer")
    right = await arrange.api_key(officer.player_id)
    statuses = [
        (
            await client.post(UPLOAD, headers={"X-API-Key": f"patt_guess{i}"}, json=body(entry("A")))
        ).status_code
        for i in range(5)
    ]
    assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429
    response = await client.post(UPLOAD, headers={"X-API-Key": right}, json=body(entry("A")))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


async def test_deeply_nested_json_is_422_not_500(site, key):
    # json.loads raises RecursionError (not ValueError) past Python's recursion limit.
    content = b"[" * 100_000 + b"]" * 100_000
    response = await site.post(
        UPLOAD, headers={"X-API-Key": key, "Content-Type": "application/json"}, content=content
    )
    assert response.status_code == 422, response.text


async def test_an_older_export_does_not_overwrite_newer_notes(site, arrange, key, db, recorder):
    # Two officers' companions: yesterday's export arriving after today's used to put
    # yesterday's notes back over today's.
    await arrange.character("Notey", realm_name="Test Realm", guild_note="before")
    today = int(datetime.now(UTC).timestamp()) - 3600  # export times must be sane (not ahead)
    yesterday = today - 86_400
    newer = await site.post(
        UPLOAD, headers={"X-API-Key": key}, json=body(entry("Notey", guild_note="today"), exportTime=today)
    )
    older = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(entry("Notey", guild_note="yesterday", last_online="Online"), exportTime=yesterday),
    )
    assert newer.status_code == older.status_code == 200
    data = site.data(older)
    assert data["stale"] is True and data["results"][0]["changed"] == ["last_seen"]  # that still merges
    assert (await notes(db, "Notey"))[0] == "today"
    assert [e["new"] for e in recorder.named("character.note_changed") if e["field"] == "guild_note"] == [
        "today"
    ]
    # An upload without an export time is not compared (the original companion sends none).
    plain = await site.post(UPLOAD, headers={"X-API-Key": key}, json=body(entry("Notey", guild_note="later")))
    assert site.data(plain)["stale"] is False
    assert (await notes(db, "Notey"))[0] == "later"


async def test_an_older_export_still_brings_the_fields_the_newer_one_lacked(site, arrange, key, db, recorder):
    # The newer export came from an officer whose companion cannot read officer notes (all
    # empty). The older one, from an officer who can, was skipped whole as stale: its officer
    # notes never arrived. Only the fields the newer export carried are kept now.
    await arrange.character("Notey", realm_name="Test Realm", guild_note="before")
    await arrange.character("Quiet", realm_name="Test Realm")
    today = int(datetime.now(UTC).timestamp()) - 3600
    yesterday = today - 86_400
    newer = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(entry("Notey", guild_note="today"), entry("Quiet", guild_note="q"), exportTime=today),
    )
    older = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(
            entry("Notey", guild_note="yesterday", officer_note="trial until May"),
            entry("Quiet", guild_note="q-old"),
            exportTime=yesterday,
        ),
    )
    assert newer.status_code == older.status_code == 200, older.text
    assert (await notes(db, "Notey"))[:2] == ("today", "trial until May")
    data = site.data(older)
    assert data["stale"] is True and data["stale_fields"] == ["guild_note"]
    assert data["results"][0]["changed"] == ["officer_note"]
    assert (await notes(db, "Quiet"))[:2] == ("q", None)
    # Now officer notes of that time are applied: an export older still keeps off both.
    oldest = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(entry("Notey", guild_note="old", officer_note="old"), exportTime=yesterday - 60),
    )
    assert site.data(oldest)["stale_fields"] == ["guild_note", "officer_note"]
    assert (await notes(db, "Notey"))[:2] == ("today", "trial until May")
    officer_events = [
        e["new"] for e in recorder.named("character.note_changed") if e["field"] == "officer_note"
    ]
    assert officer_events == ["trial until May"]


async def test_an_export_without_officer_notes_does_not_wipe_them(site, arrange, key, db, recorder):
    # A companion that cannot read officer notes sends them all empty: that export cleared
    # every officer note in the guild (and announced each as changed to "").
    await arrange.character("Notey", realm_name="Test Realm", officer_note="trial until May")
    await arrange.character("Quiet", realm_name="Test Realm", officer_note="alt of Notey")
    response = await site.post(
        UPLOAD,
        headers={"X-API-Key": key},
        json=body(entry("Notey", guild_note="hi"), entry("Quiet", guild_note="hey")),
    )
    assert response.status_code == 200
    assert (await notes(db, "Notey"))[:2] == ("hi", "trial until May")
    assert (await notes(db, "Quiet"))[:2] == ("hey", "alt of Notey")
    assert [e["field"] for e in recorder.named("character.note_changed")] == ["guild_note", "guild_note"]
    # An export that carries officer notes still clears one that was removed in game.
    cleared = body(entry("Notey", officer_note=""), entry("Quiet", officer_note="main: Notey"))
    assert (await site.post(UPLOAD, headers={"X-API-Key": key}, json=cleared)).status_code == 200
    assert [(await notes(db, n))[1] for n in ("Notey", "Quiet")] == ["", "main: Notey"]


async def test_a_deleted_players_keys_stop_working_and_go(site, arrange, db, log_in):
    # Deleting a player set its keys' owner to NULL (ondelete SET NULL), and a key without
    # an owner is an operator key that works regardless of rank: a deleted officer's key
    # kept uploading forever. guild_sync now deletes a player's keys with their data.
    from sv_common.identity import players as player_service
    from sv_common.identity.models import GuildRank
    from sv_common.identity.ranks import set_rank_override

    async with db.session() as s:
        player = await player_service.create_player(s, display_name="Keyholder")
        officer_rank = await s.scalar(select(GuildRank.id).where(GuildRank.name == "Officer"))
        await set_rank_override(s, player.id, officer_rank)
    key = await arrange.api_key(player.id, name="Keyholder's laptop")
    assert (await site.post(UPLOAD, headers={"X-API-Key": key}, json=body(entry("A")))).status_code == 200
    async with db.session() as s:  # what a member's data export collects from every plugin
        exported = await site.host.hooks.export_member_data(s, player.id)
    assert [k["name"] for k in exported["guild_sync"]["api_keys"]] == ["Keyholder's laptop"]
    assert key not in json.dumps(exported, default=str)
    leader = await arrange.account("Guild Leader")
    await log_in(site, leader)
    deleted = await site.delete(f"/api/v1/admin/players/{player.id}")
    assert deleted.status_code == 200, deleted.text
    site.cookies.clear()
    assert (await site.post(UPLOAD, headers={"X-API-Key": key}, json=body(entry("A")))).status_code == 401
    async with db.session() as s:
        assert (await s.scalars(select(AddonApiKey))).all() == []
