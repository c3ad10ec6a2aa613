"""Every officer route of the assembled PATT site refuses anonymous callers and members.

Enumerated from the real app, so a new admin route cannot be forgotten.
"""

import re

import pytest
from fastapi.routing import APIRoute

from patt_host.app import _walk_routes

MEMBER = {"X-Sample-User": "Max:2"}
OFFICER_PREFIXES = ("/admin", "/api/v1/admin", "/api/v1/jobs", "/api/v1/discord", "/api/v1/notifications")


def officer_routes(app):
    routes = []
    for route in _walk_routes(app.router):
        if isinstance(route, APIRoute) and route.path.startswith(OFFICER_PREFIXES):
            for method in sorted(route.methods - {"HEAD"}):
                routes.append((method, re.sub(r"\{[^}]+\}", "1", route.path)))
    return routes


@pytest.fixture
async def site(make_client):
    # The sample plugin adds a header-based test login (it is not part of any real site).
    return await make_client(plugins=["identity", "guild_sync", "sample"])


async def test_every_officer_route_refuses_anonymous_and_members(site):
    routes = officer_routes(site.app)
    assert len(routes) > 20  # identity, discord, jobs and the admin shell all contribute
    failures = []
    for method, path in routes:
        kwargs = {} if method == "GET" else {"json": {}}
        anonymous = await site.request(method, path, **kwargs)
        is_page = method == "GET" and path.startswith("/admin")
        expected_anonymous = {303} if is_page else {401}
        if anonymous.status_code not in expected_anonymous:
            failures.append((method, path, "anonymous", anonymous.status_code))
        member = await site.request(method, path, headers=MEMBER, **kwargs)
        if member.status_code != 403:
            failures.append((method, path, "member", member.status_code))
    assert failures == []
