"""Generated input against every route of the assembled PATT site: never a 500.

Routes are enumerated from the app itself (every ``APIRoute``, pages included), so a new
plugin route is covered the moment it is mounted. Each route gets a few fixed boundary
cases (NUL bytes, 2^31, -5, empty strings) plus examples drawn by Hypothesis from its
declared path, query and body parameters, derandomised so CI is repeatable; every case
is sent as an anonymous visitor, a member and an officer (cookie session + CSRF token, as
the site's own pages would).

The PATT site is served as the kit serves it (the shell's ``PATT_*`` settings ignored), plus the
plugins ``PATT_EXTRA_PLUGINS`` names, read here on purpose: an out-of-tree plugin installed into
the checkout's venv is checked with ``PATT_EXTRA_PLUGINS=<name> python3 dev.py test
tests/site/test_generated_input.py`` (docs/plugins/testing.md).
"""

from __future__ import annotations

import os
import re
import typing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from patt_host.testing.client import PattClient
from patt_host.testing.routes import app_routes

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
