"""Generated input against every route of the assembled PATT site: never a 500.

Routes are enumerated from the app itself (every ``APIRoute``, pages included), so a new
plugin route is covered the moment it is mounted. Each route gets a few fixed boundary
cases (NUL bytes, 2^31, -5, empty strings) plus examples drawn by Hypothesis from its
declared path, query and body parameters, derandomised so CI is repeatable; every case
is sent as an anonymous visitor, a member and an officer (cookie session + CSRF token, as
the site's own pages would).

The routes of crafting, drift, onboarding, raids and the host's officer tools are then walked
harder (the second half of the module): each rank against each route, every unsafe route of
the site without its CSRF token, boundary input against the demo guild's real rows (a valid
body with one field spoiled at a time, wrong shapes, 1 MiB), double submits and crossed edits,
and the limits on what posts to Discord.

The PATT site is served as the kit serves it (the shell's ``PATT_*`` settings ignored), plus the
plugins ``PATT_EXTRA_PLUGINS`` names, read here on purpose: an out-of-tree plugin installed into
the checkout's venv is checked with ``PATT_EXTRA_PLUGINS=<name> python3 dev.py test
tests/site/test_generated_input.py`` (docs/plugins/testing.md).
"""

from __future__ import annotations

import asyncio
import os
import re
import typing
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from patt_host.testing.client import PattClient
from patt_host.testing.members import PASSWORD
from patt_host.testing.routes import app_routes
from sv_common.auth.csrf import CSRF_HEADER

EXAMPLES_PER_ROUTE = 4
INT_EDGES = [0, -5, 2**31, -(2**31) - 1, 2**63, 10**30]
TEXT_EDGES = ["", "\x00", "a\x00b", "\u202e\x1b[31m", "x" * 5000, "'; DROP TABLE x; --", "../../etc/passwd"]

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x3F), max_size=10),  # controls and punctuation
    st.sampled_from(TEXT_EDGES),
)
nasty_int = st.one_of(st.integers(-3, 6), st.integers(-(2**70), 2**70), st.sampled_from(INT_EDGES))
scalar = st.one_of(
    st.none(),
    st.booleans(),
    nasty_int,
    nasty_text,
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
json_value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
    max_leaves=6,
)


@dataclass
class RouteSpec:
    method: str
    path: str
    path_params: dict[str, bool] = field(default_factory=dict)  # name -> is int
    query_params: dict[str, bool] = field(default_factory=dict)
    body_fields: list[str] = field(default_factory=list)
    form: bool = False
    has_body: bool = False
    api_key_header: str | None = None  # the route authenticates by this header (OpenAPI apiKey)


@dataclass
class Case:
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return any(_is_int(a) for a in typing.get_args(annotation))


def route_specs(app) -> list[RouteSpec]:
    specs = []
    for route in app_routes(app):
        if not isinstance(route, APIRoute):
            continue
        dependant = route.dependant
        params = {"path": {}, "query": {}}
        for kind, fields in (("path", dependant.path_params), ("query", dependant.query_params)):
            for f in fields:
                params[kind][f.alias] = _is_int(f.field_info.annotation)
        body_fields: list[str] = []
        form = False
        for f in dependant.body_params:
            form = form or type(f.field_info).__name__ in ("Form", "File")
            model = f.field_info.annotation
            model_fields = getattr(model, "model_fields", None)
            if model_fields and len(dependant.body_params) == 1:
                body_fields = [info.alias or name for name, info in model_fields.items()]
            else:
                body_fields.append(f.alias)
        has_body = bool(dependant.body_params)
        published = _published_body(route)
        if not has_body and published is not None:
            # A route that reads its own body (size cap first) publishes the schema instead.
            body_fields, has_body = list(published.get("properties", {})), True
        for method in sorted(route.methods - {"HEAD"}):
            specs.append(
                RouteSpec(
                    method,
                    route.path,
                    params["path"],
                    params["query"],
                    body_fields,
                    form,
                    has_body,
                    _api_key_header(dependant),
                )
            )
    return specs


def _published_body(route: APIRoute) -> dict[str, Any] | None:
    extra = route.openapi_extra or {}
    return extra.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")


def _api_key_header(dependant) -> str | None:
    """The header of an ``APIKeyHeader`` security dependency anywhere under the route, or None."""
    if isinstance(dependant.call, APIKeyHeader):
        return dependant.call.model.name
    return next(filter(None, (_api_key_header(sub) for sub in dependant.dependencies)), None)


def value_for(is_int: bool):
    return nasty_int if is_int else nasty_text


def case_strategy(spec: RouteSpec):
    path = st.fixed_dictionaries({name: value_for(is_int) for name, is_int in spec.path_params.items()})
    query = st.fixed_dictionaries({}, optional={name: value_for(i) for name, i in spec.query_params.items()})
    if spec.form:
        body = st.fixed_dictionaries({}, optional={name: nasty_text for name in spec.body_fields})
    elif spec.body_fields:
        body = st.one_of(
            st.fixed_dictionaries({}, optional={name: json_value for name in spec.body_fields}),
            json_value,
        )
    else:
        body = st.none()
    return st.builds(Case, path, query, body)


def generated_cases(spec: RouteSpec) -> list[Case]:
    cases: list[Case] = []

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case_strategy(spec))
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return cases


def edge_cases(spec: RouteSpec) -> list[Case]:
    found = []
    for int_value, text_value in ((2**31, "\x00"), (-5, "a\x00b"), (1, ""), ("²", "٣")):
        path = {n: (int_value if i else text_value) for n, i in spec.path_params.items()}
        query = {n: (int_value if i else text_value) for n, i in spec.query_params.items()}
        body = (
            {n: (text_value if spec.form else int_value) for n in spec.body_fields} if spec.has_body else None
        )
        found.append(Case(path, query, body))
        if spec.has_body and not spec.form:
            found.append(Case(path, query, {n: text_value for n in spec.body_fields}))
    return found


def concrete_path(spec: RouteSpec, values: dict[str, Any]) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        return quote(str(values.get(name, "1")), safe="")

    return re.sub(r"\{([^}]+)\}", fill, spec.path)


async def send(client: PattClient, spec: RouteSpec, case: Case, api_key: str | None = None):
    kwargs: dict[str, Any] = {"params": {k: str(v) for k, v in case.query.items()}}
    if spec.api_key_header and api_key:
        kwargs["headers"] = {spec.api_key_header: api_key}
    if spec.has_body:
        if spec.form:
            body = case.body if isinstance(case.body, dict) else {}
            kwargs["data"] = {"csrf_token": client.csrf_token, **{k: str(v) for k, v in body.items()}}
        else:
            kwargs["json"] = case.body
    return await client.request(spec.method, concrete_path(spec, case.path), **kwargs)


# Routes that end the session being tested are sent last (their effect would hide the rest).
SESSION_ENDERS = ("/logout", "/logout-all", "/password", "/delete")


@pytest.fixture
def generous_limits(monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_LOGIN_IP_LIMIT", "100000")
    monkeypatch.setenv("PATT_IDENTITY_REGISTER_IP_LIMIT", "100000")
    monkeypatch.setenv("PATT_IDENTITY_PASSWORD_LIMIT", "100000")
    monkeypatch.setenv("PATT_GUILD_SYNC_UPLOADS_PER_KEY_PER_HOUR", "100000")


async def test_no_route_answers_5xx_or_drops_the_connection_on_generated_input(
    make_client, guild, log_in, db, generous_limits
):
    first = await make_client(patt_extra_plugins=os.environ.get("PATT_EXTRA_PLUGINS", ""))
    app = first.app
    # Raising app exceptions: one raised after the answer is a dropped connection behind uvicorn.
    anonymous, member, officer = (PattClient(app, raise_app_exceptions=True) for _ in range(3))
    await log_in(member, await guild.member("Member"))
    officer_member = await guild.member("Officer")
    await log_in(officer, officer_member)
    await guild.player("Someone Else")
    # Routes authenticated by an API key header (the addon upload) get a valid key from the
    # officer, so the generated bodies reach the body parsing.
    from patt_guild_sync.services.apikeys import create_api_key

    async with db.session() as session:
        api_key = (await create_api_key(session, name="generated", player_id=officer_member.player_id)).key

    specs = sorted(route_specs(app), key=lambda s: (s.path.endswith(SESSION_ENDERS), s.path, s.method))
    assert len(specs) >= 60, "the enumeration should find the whole PATT site"
    uploads = [s for s in specs if s.api_key_header]
    assert uploads and all(s.has_body and "characters" in s.body_fields for s in uploads), uploads
    failures = []
    sent = 0
    for spec in specs:
        for case in edge_cases(spec) + generated_cases(spec):
            for who, client in (("anonymous", anonymous), ("member", member), ("officer", officer)):
                sent += 1
                try:
                    response = await send(client, spec, case, api_key if who == "officer" else None)
                except Exception as exc:  # noqa: BLE001 - raised past the answer: a dropped connection
                    failures.append(f"{who} {spec.method} {spec.path} {case} -> raised {exc!r}"[:400])
                    continue
                # Every service runs here: any 5xx (503 included) is the server failing.
                if response.status_code >= 500:
                    failures.append(
                        f"{who} {spec.method} {spec.path} {case} -> {response.status_code} {response.text[:200]}"
                    )
    for client in (anonymous, member, officer):
        await client.aclose()
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:30])


# --- the newer plugins and the host's officer tools: who may call what, CSRF, real rows --------
# (The test above mostly meets made-up ids, so 404s; these reach the rows behind them.)

SCOPE = ("patt_crafting.", "patt_drift.", "patt_onboarding.", "patt_raids.", "patt_host.builtins.")
#: (method, path) of the scope that anyone may call.
PUBLIC = {
    ("GET", "/favicon.ico"),
    ("GET", "/api/health"),
    ("GET", "/crafting"),
    ("GET", "/crafting-corner"),
    ("GET", "/api/v1/crafting/professions"),
    ("GET", "/api/v1/crafting/recipes"),
    ("GET", "/api/v1/crafting/recipes/{recipe_id}"),
    ("GET", "/api/v1/crafting/sync-status"),
}
#: Officers only (the rest of the scope is for any signed-in guild member).
OFFICER_PREFIXES = (
    "/admin",
    "/-/plugins",
    "/api/v1/admin/",
    "/api/v1/jobs",
    "/api/v1/discord/",
    "/api/v1/notifications",
    "/api/v1/drift/",
    "/api/v1/onboarding/",
    "/api/v1/crafting/admin/",
)
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
#: Spellings of an int path parameter that are never an id: each a 422 naming the parameter.
BAD_IDS = ["0", "-1", str(2**31), str(2**63), "x", "1.0", "01", "+1", "١", "é", "9" * 5000]
BAD_NAMES = ["ü", "x" * 5000, "a b", "..%2F..", "%E2%80%AE"]
#: One field of a valid body at a time; with the shapes below, never a 5xx.
SPOILERS: list[Any] = [
    None,
    "",
    " ",
    "x" * 100_000,
    "\x00",
    "a\x1bb",
    "\u202e",
    "ü",
    2**31,
    2**63,
    -1,
    0,
    1.5,
    1e308,
    True,
    [],
    [1],
    {},
    {"a": [[[[{}]]]]},
    "2030-01-01",
    "20:00",
    "20:00+02:00",
    "123456789012345678",
    "../../etc/passwd",
]
SHAPES: list[tuple[str, Any]] = [
    ("json", None),
    ("json", []),
    ("json", [{}]),
    ("json", "text"),
    ("json", 1),
    ("raw", b"[" * 100_000 + b"]" * 100_000),  # nested past the parser's recursion limit
    ("raw", b'{"a":1,"a":2}'),
    ("raw", b"not json"),
    ("raw", b"\xff\xfe\x00"),
    ("raw", b"{" + b'"x":"' + b"y" * (1024 * 1024) + b'"}'),  # over the site's 1 MiB
]


def in_scope(app) -> list[APIRoute]:
    return [r for r in app_routes(app) if isinstance(r, APIRoute) and r.endpoint.__module__.startswith(SCOPE)]


def guard_of(method: str, path: str) -> str:
    if (method, path) in PUBLIC:
        return "public"
    return "officer" if path.startswith(OFFICER_PREFIXES) else "member"


def refused_as_anonymous(response) -> bool:
    if response.status_code == 303:
        return response.headers["location"].startswith("/login?next=")
    return response.status_code == 401


def csrf_refused(response) -> bool:
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    return response.status_code == 403 and "CSRF token" in response.text  # a page's form


async def test_each_rank_gets_what_the_route_promises_and_no_unsafe_call_passes_without_csrf(
    make_client, guild, log_in, generous_limits
):
    """Anonymous: 401 (a page: to the login); the lowest rank (an Initiate) and a Member: 403 on
    officer routes, in on members' routes; an Officer in everywhere. Then every unsafe route of
    the whole site, from a signed-in member without the CSRF header (or with a wrong one) and
    as a plain form post without a session: 403 ``csrf_failed``, before anything runs."""
    app = (await make_client()).app
    clients = {"anonymous": PattClient(app)}
    for rank in ("Initiate", "Member", "Officer"):
        clients[rank] = PattClient(app)
        await log_in(clients[rank], await guild.member(rank))
    routes = in_scope(app)
    assert len(routes) >= 80, "the enumeration should find the plugins' and the host's routes"
    wrong: list[str] = []
    sent = 0
    for route in routes:
        path = filled(route, defaultdict(lambda: 1, action="claim"))
        for method in sorted(route.methods - {"HEAD"}):
            guard = guard_of(method, route.path)
            body = {} if method in UNSAFE else None
            for who, client in clients.items():
                sent += 1
                response = await client.request(method, path, json=body)
                status = response.status_code
                if who == "anonymous":
                    ok = (
                        not refused_as_anonymous(response)
                        if guard == "public"
                        else refused_as_anonymous(response)
                    )
                elif who in ("Initiate", "Member") and guard == "officer":
                    ok = status == 403
                else:
                    ok = status not in (401, 403)
                if not ok or status >= 500:
                    wrong.append(f"{who} {method} {route.path} ({guard}) -> {status} {response.text[:120]}")

    member = clients["Member"]
    forms = PattClient(app)  # no session: a plain form post another site could make
    forms.send_csrf = False
    for spec in route_specs(app):
        if spec.method not in UNSAFE:
            continue
        path = concrete_path(spec, {})
        member.send_csrf = False
        attempts = [
            ("no header", await member.request(spec.method, path, json={})),
            ("wrong header", await member.request(spec.method, path, json={}, headers={CSRF_HEADER: "x"})),
            ("form", await forms.request(spec.method, path, data={"csrf_token": "forged"})),
        ]
        member.send_csrf = True
        for label, response in attempts:
            sent += 1
            if not csrf_refused(response):
                wrong.append(f"csrf {label} {spec.method} {spec.path} -> {response.status_code}")
    assert (await member.get("/api/v1/auth/me")).status_code == 200  # the logouts did nothing
    for client in (*clients.values(), forms):
        await client.aclose()
    assert not wrong, f"{len(wrong)} of {sent} answers were wrong:\n" + "\n".join(wrong[:40])


CHANNEL = "810000000000000001"  # the guild's one synced text channel: crafters' and audit


@dataclass
class DemoGuild:
    """The demo guild (every plugin's seeder) on the PATT site, a text channel set for guild
    orders and the audit reports, an officer and a raider (a demo player with a main) signed in."""

    app: Any
    officer: PattClient
    raider: PattClient
    ids: dict[str, Any]


async def demo_ids(db, officer_level: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from patt_crafting.models import Recipe
    from patt_drift.models import AuditIssue
    from patt_onboarding.models import OnboardingSession
    from patt_raids.models import RaidEvent, RecurringEvent
    from sv_common.identity.models import GuildRank, Player
    from sv_common.seasons import RaidSeason

    async with db.session() as s:
        events = (await s.execute(select(RaidEvent.id, RaidEvent.start_time_utc > func.now()))).all()
        raiders = await s.scalars(
            select(Player.id)
            .join(GuildRank, GuildRank.id == Player.guild_rank_id)
            .where(
                GuildRank.level < officer_level,
                Player.main_character_id.is_not(None),
                Player.website_user_id.is_(None),
            )
            .order_by(Player.id)
            .limit(3)
        )
        return {
            "upcoming": min(e for e, ahead in events if ahead),
            "past": min(e for e, ahead in events if not ahead),
            "recurring": await s.scalar(select(func.min(RecurringEvent.id))),
            "recipe": await s.scalar(select(func.max(Recipe.id))),
            "findings": list(await s.scalars(select(AuditIssue.id).where(AuditIssue.status == "open"))),
            "session": await s.scalar(
                select(func.min(OnboardingSession.id)).where(
                    OnboardingSession.state == "pending_verification"
                )
            ),
            "season": await s.scalar(select(func.min(RaidSeason.id))),
            "raiders": list(raiders),
        }


@pytest.fixture
async def demo_guild(make_client, guild, log_in, db, synced_channels, generous_limits) -> DemoGuild:
    from sv_common.auth.service import create_invite, register_with_invite

    first = await make_client()
    async with db.session() as session:
        await first.host.hooks.seed_demo_data(session)
    await synced_channels({CHANNEL: "text"})
    ids = await demo_ids(db, first.host.officer_level)
    officer, raider = PattClient(first.app), PattClient(first.app)
    await log_in(officer, await guild.member("Officer"))
    async with db.session() as session:
        code = (await create_invite(session, player_id=ids["raiders"][0])).code
        await register_with_invite(session, code=code, username="demo-raider", password=PASSWORD)
    assert (
        await raider.post("/api/v1/auth/login", json={"username": "demo-raider", "password": PASSWORD})
    ).is_success
    channels = {"crafters_corner_channel_id": CHANNEL}
    assert (await officer.patch("/api/v1/crafting/admin/config", json=channels)).is_success
    assert (await officer.patch("/api/v1/discord/config", json={"audit_channel_id": CHANNEL})).is_success
    yield DemoGuild(first.app, officer, raider, ids)
    for client in (officer, raider):
        await client.aclose()


def valid_bodies(ids: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(who, method, concrete path, a valid body) for every JSON body of the scope, the route's
    real rows in the path; destructive ones last (an earlier case must not close the row)."""
    day = (date.today() + timedelta(days=10)).isoformat()
    event, past, night = ids["upcoming"], ids["past"], ids["recurring"]
    other, finding = str(ids["raiders"][1]), ids["findings"]
    return [
        ("raider", "PUT", "/api/v1/crafting/preferences", {"ping_for_orders": True}),
        (
            "raider",
            "POST",
            "/api/v1/crafting/orders",
            {"recipe_id": ids["recipe"], "quantity": 2, "note": "x"},
        ),
        ("raider", "PUT", f"/api/v1/raids/events/{event}/signup", {"status": "accepted"}),
        ("raider", "PUT", "/api/v1/raids/me/settings", {"auto_invite_events": True}),
        (
            "officer",
            "PATCH",
            "/api/v1/crafting/admin/config",
            {
                "crafters_corner_channel_id": CHANNEL,
                "cadence_override_until": day,
            },
        ),
        (
            "officer",
            "POST",
            "/api/v1/admin/raids/recurring-events",
            {
                "label": "Fuzz",
                "event_type": "raid",
                "day_of_week": 5,
                "default_start_time": "20:00",
                "default_duration_minutes": 120,
                "discord_channel_id": CHANNEL,
                "is_active": False,
                "display_on_public": True,
            },
        ),
        (
            "officer",
            "PATCH",
            f"/api/v1/admin/raids/recurring-events/{night}",
            {
                "label": "Fuzz",
                "event_type": "raid",
                "day_of_week": 6,
                "default_start_time": "20:30",
                "default_duration_minutes": 90,
                "discord_channel_id": "",
                "is_active": True,
                "display_on_public": False,
            },
        ),
        (
            "officer",
            "POST",
            "/api/v1/admin/raids/events",
            {
                "title": "Fuzz",
                "event_type": "raid",
                "event_date": day,
                "start_time": "20:00",
                "timezone": "Europe/Paris",
                "duration_minutes": 120,
                "channel_id": CHANNEL,
                "description": "x",
                "recurring_event_id": None,
                "player_overrides": {other: "bench"},
            },
        ),
        (
            "officer",
            "PATCH",
            f"/api/v1/admin/raids/events/{event}",
            {
                "title": "Fuzz",
                "description": "x",
                "start_time": "21:00",
                "duration_minutes": 60,
            },
        ),
        (
            "officer",
            "PUT",
            f"/api/v1/admin/raids/events/{event}/signup",
            {"player_id": int(other), "status": "bench"},
        ),
        ("officer", "PUT", f"/api/v1/admin/raids/events/{past}/attendance", {"marks": {other: "attended"}}),
        (
            "officer",
            "POST",
            "/api/v1/admin/seasons",
            {
                "expansion_name": "Fuzz",
                "season_number": 2,
                "start_date": "2025-01-01",
                "is_new_expansion": False,
                "is_active": True,
            },
        ),
        (
            "officer",
            "PATCH",
            f"/api/v1/admin/seasons/{ids['season']}",
            {
                "expansion_name": "Fuzz",
                "season_number": 3,
                "is_new_expansion": False,
                "is_active": True,
            },
        ),
        (
            "officer",
            "PATCH",
            "/api/v1/discord/config",
            {
                "guild_discord_id": "123456789012345678",
                "role_sync_mode": "off",
                "role_sync_interval_hours": 6,
                "default_announcement_channel_id": CHANNEL,
                "audit_channel_id": CHANNEL,
                "bot_dm_enabled": False,
                "dm_features": {"raids": True},
            },
        ),
        ("officer", "POST", "/api/v1/jobs/drift.scan/run", {"kwargs": {"source": "manual"}}),
        ("officer", "POST", f"/api/v1/drift/findings/{finding[0]}/dismiss", {"reason": "x"}),
        ("officer", "POST", f"/api/v1/drift/findings/{finding[1]}/resolve", {"reason": "x"}),
    ]


def spoiled(body: dict[str, Any]) -> list[Any]:
    """The body with one field missing or spoiled at a time (a map's keys and values too)."""
    out: list[Any] = [{**body, "unexpected": 1}]
    for name, value in body.items():
        out.append({k: v for k, v in body.items() if k != name})
        out.extend({**body, name: bad} for bad in SPOILERS)
        if isinstance(value, dict):
            key = next(iter(value), "1")
            out.extend({**body, name: {str(bad)[:40]: value.get(key)}} for bad in SPOILERS)
            out.extend({**body, name: {key: bad}} for bad in SPOILERS)
            out.append({**body, name: {str(n): "attended" for n in range(1, 2000)}})
    return out


def real_values(ids: dict[str, Any]) -> dict[str, Any]:
    """A real row (or name) for each path parameter of the scope."""
    return {
        "event_id": ids["upcoming"],
        "recurring_id": ids["recurring"],
        "recipe_id": ids["recipe"],
        "finding_id": ids["findings"][-1],
        "session_id": ids["session"],
        "season_id": ids["season"],
        "order_id": 1,
        "notification_id": 1,
        "run_id": 1,
        "action": "claim",
        "rule": "no_main",
        "name": "drift.scan",
    }


def filled(route: APIRoute, values: dict[str, Any]) -> str:
    return re.sub(r"\{([^}:]+)[^}]*\}", lambda m: quote(str(values[m.group(1)]), safe="%"), route.path)


def path_cases(route: APIRoute, ids: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(path, the parameter a 422 must name) with one path parameter spelled badly, the others
    real rows; a bad name (not an id) may be any 4xx."""
    cases = []
    for param in route.dependant.path_params:
        is_id = _is_int(param.field_info.annotation)
        for spelling in BAD_IDS if is_id else BAD_NAMES:
            path = filled(route, {**real_values(ids), param.alias: spelling})
            cases.append((path, f"path.{param.alias}" if is_id else None))
    return cases


def error_message_ok(response) -> bool:
    """A refusal says what is wrong: the envelope's message, and each 422 detail's (its field is
    empty when the body as a whole is wrong: the pages then show the message alone)."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return True  # a page's own error page
    error = response.json().get("error") or {}
    details = error.get("details") if error.get("code") == "validation_failed" else None
    fields = details if isinstance(details, list) else []  # a domain error's details are its own
    return bool(error.get("message")) and all(d.get("message") for d in fields)


def names(response, field_name: str) -> bool:
    """A 422 naming ``field_name`` (a page's 422 shows its own error page)."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response.status_code == 422
    details = response.json()["error"].get("details") or []
    return response.status_code == 422 and field_name in {d["field"] for d in details}


async def test_real_rows_of_the_newer_plugins_refuse_spoiled_input_with_a_clear_4xx(demo_guild):
    """Every path, query and body of the scope against the demo's real rows: bad ids are 422
    naming the parameter; spoiled bodies, wrong shapes, nesting past the parser's limit and
    1 MiB are 4xx with a message (413 for the size), never a 5xx or a dropped connection."""
    guild = demo_guild
    who = {"officer": guild.officer, "raider": guild.raider}
    routes = in_scope(guild.app)
    bodies = valid_bodies(guild.ids)
    missing = [
        (m, r.path)
        for r in routes
        for m in r.methods
        if r.dependant.body_params
        and not any(m == bm and r.path_regex.match(bp) for _w, bm, bp, _b in bodies)
    ]
    assert not missing, f"give these routes a valid body in valid_bodies(): {missing}"

    failures: list[str] = []
    sent = 0

    async def check(client, method, path, expect_field=None, **kwargs):
        nonlocal sent
        sent += 1
        try:
            response = await client.request(method, path, **kwargs)
        except Exception as exc:  # noqa: BLE001 - raised past the answer: a dropped connection
            failures.append(f"{method} {path[:90]} {str(kwargs)[:120]} -> raised {exc!r}"[:300])
            return None
        label = f"{method} {path[:90]} {str(kwargs)[:120]} -> {response.status_code} {response.text[:160]}"
        if response.status_code >= 500 or (response.status_code >= 400 and not error_message_ok(response)):
            failures.append(label)
        elif expect_field and not names(response, expect_field):
            failures.append(f"expected a 422 naming {expect_field}: {label}")
        return response

    for client_name, method, path, body in bodies:
        client = who[client_name]
        base = await check(client, method, path, json=body)
        assert base is not None and base.is_success, f"the valid body is refused: {method} {path} {base.text}"
        for variant in spoiled(body):
            await check(client, method, path, json=variant)
    destructive = ("/cancel", "/resolve", "/dismiss", "/retry", "/fix", "/fix-all", "/flush")
    for route in sorted(routes, key=lambda r: (r.path.endswith(destructive), "DELETE" in r.methods, r.path)):
        for method in sorted(route.methods - {"HEAD"}):
            client = guild.raider if guard_of(method, route.path) != "officer" else guild.officer
            for path, named in path_cases(route, guild.ids):
                await check(client, method, path, named, json={} if method in UNSAFE else None)
            real_path = filled(route, real_values(guild.ids))
            for param in route.dependant.query_params:
                for spelling in [*BAD_IDS[:6], *BAD_NAMES, "\x00"]:
                    await check(client, method, real_path, params={param.alias: spelling})
            if method not in UNSAFE:
                continue
            for kind, shape in SHAPES:
                if kind == "json":
                    await check(client, method, real_path, json=shape)
                else:
                    raw = {"content": shape, "headers": {"content-type": "application/json"}}
                    response = await check(client, method, real_path, **raw)
                    if response is not None and len(shape) > 1024 * 1024 and response.status_code != 413:
                        failures.append(f"1 MiB to {method} {route.path} -> {response.status_code}")
            form = {"csrf_token": client.csrf_token, "x": "1", "title": "\u202e"}
            await check(client, method, real_path, data=form)
    assert sent > 2000, sent
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:40])


async def both(client, method: str, path: str, body: Any = None) -> list[int]:
    """The same request twice at once (a double click, two officers): the sorted statuses."""
    answers = await asyncio.gather(*(client.request(method, path, json=body) for _ in range(2)))
    return sorted(a.status_code for a in answers)


async def test_double_submits_and_crossed_edits_get_one_answer_each_and_posts_are_limited(demo_guild, db):
    """Sent twice at once, a create or a close happens once (the other: 409 or 404), never a
    500; a night edited and deleted at once is either; a second invite for one onboarding is
    never made. What posts to Discord is limited: a member's guild order (cooldown: 429) and the
    officers' backlog report (one message a minute, whatever the clicks)."""
    from sqlalchemy import func, select

    from sv_common.identity.models import InviteCode
    from sv_common.notify.models import NotificationOutbox

    officer, raider, ids = demo_guild.officer, demo_guild.raider, demo_guild.ids
    nights = "/api/v1/admin/raids/recurring-events"
    for day in (4, 5, 6):
        night = officer.data(await officer.post(nights, json={"label": "Twice", "day_of_week": day}))["id"]
        crossed = await asyncio.gather(
            officer.patch(f"{nights}/{night}", json={"label": "Edited"}), officer.delete(f"{nights}/{night}")
        )
        assert {a.status_code for a in crossed} <= {200, 404}, [a.text for a in crossed]
    night = officer.data(
        await officer.post(nights, json={"label": "Twice", "day_of_week": 0, "is_active": False})
    )
    assert await both(officer, "DELETE", f"{nights}/{night['id']}") == [200, 404]
    season = {"expansion_name": "Twice", "season_number": 4, "start_date": "2025-03-01"}
    assert await both(officer, "POST", "/api/v1/admin/seasons", season) == [201, 409]
    day = (date.today() + timedelta(days=11)).isoformat()
    event = {
        "title": "Twice",
        "event_date": day,
        "start_time": "20:00",
        "timezone": "UTC",
        "channel_id": CHANNEL,
    }
    assert await both(officer, "POST", "/api/v1/admin/raids/events", event) == [201, 409]  # one post
    finding = ids["findings"][2]
    assert await both(officer, "POST", f"/api/v1/drift/findings/{finding}/dismiss", {}) == [200, 409]
    onboarding = f"/api/v1/onboarding/sessions/{ids['session']}"
    assert await both(officer, "POST", f"{onboarding}/resolve") == [200, 409]
    async with db.session() as session:
        invites = await session.scalar(
            select(func.count())
            .select_from(InviteCode)
            .where(InviteCode.onboarding_session_id == ids["session"])
        )
    assert invites == 1
    assert await both(officer, "POST", f"{onboarding}/dismiss") == [409, 409]  # resolved: closed

    signup = f"/api/v1/raids/events/{ids['upcoming']}"
    status = "absent" if raider.data(await raider.get(signup))["my_status"] == "bench" else "bench"
    answers = await asyncio.gather(
        *(raider.put(f"{signup}/signup", json={"status": status}) for _ in range(2))
    )
    assert sorted(raider.data(a)["changed"] for a in answers) == [False, True]  # one change, one post edit

    order = {"recipe_id": ids["recipe"]}
    assert await both(officer, "POST", "/api/v1/crafting/orders", order) == [201, 429]
    assert (await officer.post("/api/v1/crafting/orders", json=order)).status_code == 429
    reports = [officer.data(await officer.post("/api/v1/drift/report")) for _ in range(3)]
    assert len({r["notification_id"] for r in reports}) == 1, reports
    async with db.session() as session:
        posted = await session.scalar(
            select(func.count()).select_from(NotificationOutbox).where(NotificationOutbox.feature == "drift")
        )
    assert posted == 1
