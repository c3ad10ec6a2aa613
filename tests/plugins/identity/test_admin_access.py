"""Every officer route refuses members (403) and anonymous callers (401, or a redirect to
the login page for pages).

The routes are enumerated from the real app, by name (``identity.admin*``), so a new
admin route is covered the moment it exists.
"""

from __future__ import annotations

import re

import pytest

from patt_host.app import create_app
from patt_host.config import HostSettings
from patt_host.host import Host
from patt_host.testing.pytest_plugin import TEST_SECRET
from patt_host.testing.routes import app_routes
from sv_common.auth.tokens import issue_token


def admin_routes() -> list[tuple[str, str, str]]:
    """(name, method, concrete path) for every identity.admin* route of the PATT site's app."""
    settings = HostSettings(
        _env_file=None, database_url="postgresql://unused/unused", jwt_secret_key=TEST_SECRET
    )
    app = create_app(Host(settings=settings, site="patt"), start_services=False)
    found = []
    for route in app_routes(app):
        name = getattr(route, "name", "") or ""
        if not name.startswith("identity.admin"):
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(route.methods - {"HEAD"}):
            found.append((name, method, path))
    return found


ADMIN_ROUTES = admin_routes()


def test_the_enumeration_finds_the_admin_surface():
    names = {name for name, _m, _p in ADMIN_ROUTES}
    assert len(ADMIN_ROUTES) >= 20
    assert {
        "identity.admin_players",
        "identity.admin_players_data",
        "identity.admin_rank_update",
        "identity.admin_player_invite",
        "identity.admin_matching_run",
    } <= names


@pytest.mark.parametrize(
    ("name", "method", "path"), ADMIN_ROUTES, ids=[f"{m} {p}" for _n, m, p in ADMIN_ROUTES]
)
async def test_officer_route_refuses_members_and_anonymous(client, guild, name, method, path):
    body = {} if method in ("POST", "PUT", "PATCH") else None
    is_api = path.startswith("/api/")

    anonymous = await client.request(method, path, json=body)
    if is_api:
        assert anonymous.status_code == 401, (name, anonymous.text)
        assert anonymous.json()["error"]["code"] == "unauthorized"
    else:
        assert anonymous.status_code == 303, name
        assert anonymous.headers["location"] == f"/login?next={path}"

    member = await guild.member("Veteran")
    async with client.host.db.session() as session:
        from sv_common.identity.models import Player, User

        user = await session.get(User, (await session.get(Player, member.player_id)).website_user_id)
    token = issue_token(
        user_id=user.id, token_version=user.token_version, secret=TEST_SECRET, expires_minutes=5
    )
    refused = await client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403, (name, refused.text)
    if is_api:
        assert refused.json()["error"]["code"] == "forbidden"
    else:
        assert "Officers only." in refused.text
