"""Mito's corner over HTTP: public reading, officers editing, validation at the edge."""

import pytest

QUOTE = "Pull all the things."


async def test_anyone_reads_officers_write(client, member_client, officer_client):
    added = await officer_client.post("/api/v1/mito/quotes", json={"text": f"  {QUOTE}  "})
    assert added.status_code == 201
    quote = officer_client.data(added)
    assert quote["quote"] == QUOTE
    listed = client.data(await client.get("/api/v1/mito"))
    assert [q["quote"] for q in listed["quotes"]] == [QUOTE] and listed["titles"] == []
    refused = await member_client.post("/api/v1/mito/titles", json={"text": "the Bold"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert (await client.post("/api/v1/mito/titles", json={"text": "the Bold"})).status_code == 401
    assert (await member_client.delete(f"/api/v1/mito/quotes/{quote['id']}")).status_code == 403


async def test_edit_delete_and_conflicts(officer_client):
    first = officer_client.data(await officer_client.post("/api/v1/mito/titles", json={"text": "the Bold"}))
    second = officer_client.data(await officer_client.post("/api/v1/mito/titles", json={"text": "the Brave"}))
    duplicate = await officer_client.post("/api/v1/mito/titles", json={"text": "THE BOLD"})
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "conflict"
    clash = await officer_client.put(f"/api/v1/mito/titles/{second['id']}", json={"text": "the bold"})
    assert clash.status_code == 409
    edited = await officer_client.put(f"/api/v1/mito/titles/{second['id']}", json={"text": "the Braver"})
    assert officer_client.data(edited)["title"] == "the Braver"
    assert (await officer_client.delete(f"/api/v1/mito/titles/{first['id']}")).status_code == 200
    gone = await officer_client.delete(f"/api/v1/mito/titles/{first['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    titles = officer_client.data(await officer_client.get("/api/v1/mito"))["titles"]
    assert [t["title"] for t in titles] == ["the Braver"]


async def test_fifty_identical_quotes_at_once_leave_one_row(officer_client):
    # The check-then-insert let 4 of 50 parallel copies in; the unique index refuses the rest.
    import asyncio

    answers = await asyncio.gather(
        *(officer_client.post("/api/v1/mito/quotes", json={"text": QUOTE}) for _ in range(50))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 49, statuses
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"conflict"}
    quotes = officer_client.data(await officer_client.get("/api/v1/mito"))["quotes"]
    assert [q["quote"] for q in quotes] == [QUOTE]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/v1/mito/quotes", {"text": "bell\x07"}),
        ("POST", "/api/v1/mito/quotes", {"text": "   "}),
        ("POST", "/api/v1/mito/quotes", {"text": "\u200b"}),
        ("POST", "/api/v1/mito/titles", {"text": " \u2060\ufeff\u00ad "}),
        ("PUT", "/api/v1/mito/titles/1", {"text": "\u180e"}),
        ("POST", "/api/v1/mito/quotes", {"text": "x" * 501}),
        ("POST", "/api/v1/mito/titles", {"text": "x" * 201}),
        ("POST", "/api/v1/mito/quotes", {"text": "ok", "extra": 1}),
        ("POST", "/api/v1/mito/jokes", {"text": "ok"}),
        ("PUT", "/api/v1/mito/quotes/2147483648", {"text": "ok"}),
        ("PUT", "/api/v1/mito/quotes/0", {"text": "ok"}),
        ("DELETE", "/api/v1/mito/quotes/-1", None),
    ],
)
async def test_bad_input_is_422_never_500(officer_client, method, url, body):
    response = await officer_client.request(method, url, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["ok"] is False


async def test_a_blank_or_invisible_text_is_422_naming_the_field(officer_client):
    title = officer_client.data(await officer_client.post("/api/v1/mito/titles", json={"text": "the Bold"}))
    for method, url in (("POST", "/api/v1/mito/quotes"), ("PUT", f"/api/v1/mito/titles/{title['id']}")):
        for blank in ("   ", "\u200b", "\u2060 \ufeff"):
            refused = await officer_client.request(method, url, json={"text": blank})
            assert refused.status_code == 422, (url, repr(blank), refused.text)
            assert [d["field"] for d in refused.json()["error"]["details"]] == ["text"]
    # One visible character is enough: a zero-width joiner inside an emoji stays.
    added = await officer_client.post("/api/v1/mito/titles", json={"text": "the 🧑\u200d🍳"})
    assert added.status_code == 201 and officer_client.data(added)["title"] == "the 🧑\u200d🍳"


async def test_corner_page_and_home_quote(client, officer_client):
    await officer_client.post("/api/v1/mito/quotes", json={"text": QUOTE})
    await officer_client.post("/api/v1/mito/titles", json={"text": "the Unpullable"})
    page = await client.get("/mito")
    assert page.status_code == 200
    assert "<h1>Mito's corner</h1>" in page.text and f"“{QUOTE}”" in page.text
    assert 'class="mito-add"' not in page.text  # the edit forms are for officers
    officer_page = await officer_client.get("/mito")
    assert 'class="mito-add"' in officer_page.text and "mito.js" in officer_page.text
    home = await client.get("/")
    assert home.text.count("<h2>Mito's quote of the day</h2>") == 1  # one slot, even with `home` too
    assert f"“{QUOTE}”" in home.text and "Mito, the Unpullable" in home.text
    assert (await client.get("/static/plugins/mito/mito.js")).status_code == 200


async def test_member_export_and_delete_keep_the_quotes(officer_client):
    await officer_client.post("/api/v1/mito/quotes", json={"text": QUOTE})
    exported = officer_client.data(await officer_client.get("/api/v1/me/export"))
    assert exported["plugins"]["mito"] == {"quotes_added": [QUOTE], "titles_added": []}
    deleted = await officer_client.post(
        "/api/v1/me/delete", json={"password": officer_client.member.password}
    )
    assert deleted.status_code == 200, deleted.text
    assert officer_client.data(deleted)["plugins"]["mito"] == 1
    quotes = officer_client.data(await officer_client.get("/api/v1/mito"))["quotes"]
    assert [q["quote"] for q in quotes] == [QUOTE]  # Mito's words stay; who added them is gone


async def test_the_quote_of_the_day_is_the_days_not_each_loads(client, officer_client, db):
    """It changed on every load; now the corner and the home page show one quote all day."""
    import re
    from datetime import UTC, date, datetime

    from patt_mito import service

    for n in range(12):
        await officer_client.post("/api/v1/mito/quotes", json={"text": f"Quote number {n}."})

    def shown(html: str) -> str:
        return re.search(r'<blockquote class="mito-quote">“([^”]*)”', html).group(1)

    corner = {shown((await client.get("/mito")).text) for _ in range(6)}
    home = {shown((await client.get("/")).text) for _ in range(3)}
    assert len(corner) == 1 and home == corner
    # The pick follows the guild's calendar day (PATT's schedule zone defaults to New York).
    today = service.guild_day("America/New_York")
    async with db.session() as session:
        assert (await service.saying_of_the_day(session, today)).quote in corner
        picks = {(await service.saying_of_the_day(session, date(2026, 12, d))).quote for d in range(1, 29)}
    assert len(picks) > 3  # another day, (usually) another quote
    late_evening = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # still the 6th in New York
    assert service.guild_day("America/New_York", late_evening) == date(2026, 12, 6)
    assert service.guild_day("Not/AZone", late_evening) == date(2026, 12, 7)  # unknown zone: UTC
