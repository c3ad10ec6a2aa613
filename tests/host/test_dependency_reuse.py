"""patt_host.web.dependency_reuse: FastAPI analyses a shared sub-dependency once, and every route
still gets what it would have got without the cache (path vs query parameters, security scopes,
use_cache, overrides).

No ``from __future__ import annotations`` here: the test routes name dependencies defined inside
the tests, which FastAPI could not resolve from strings.
"""

from typing import Annotated

import fastapi
import fastapi.routing
import httpx
import pytest
from fastapi import Depends, FastAPI, Security
from fastapi.dependencies import utils
from fastapi.security import SecurityScopes
from fastapi.utils import get_path_param_names

from patt_host.app import _walk_routes, create_app
from patt_host.web import dependency_reuse

REUSE = dependency_reuse.install()


def test_installed_on_the_pinned_fastapi_and_routes_keep_the_original():
    # requirements/constraints.txt pins FastAPI; when it moves, check the module's reasoning
    # against the new version and add it to VERIFIED (until then start-up is only slower).
    assert REUSE is not None, dependency_reuse.refusal(
        fastapi.__version__, utils, fastapi.routing.get_dependant
    )
    assert utils.get_dependant == REUSE.get_dependant
    assert utils._get_signature == REUSE.get_signature
    # A route's own analysis is not shared: FastAPI inserts the route's dependencies into it.
    assert fastapi.routing.get_dependant is REUSE.original


class _Utils:
    """A stand-in for fastapi.dependencies.utils as it was before the patch."""

    def __init__(self, get_dependant, _get_signature):
        self.get_dependant = get_dependant
        self._get_signature = _get_signature


def test_refused_on_an_unverified_fastapi_or_a_changed_function():
    original = REUSE.original
    as_read = _Utils(original, REUSE.original_signature)
    assert dependency_reuse.refusal(fastapi.__version__, as_read, original) is None
    assert "not one of the verified" in dependency_reuse.refusal("0.999.0", as_read, original)

    def other(*, path, call, name=None):  # pragma: no cover - only its signature is read
        pass

    def signature(call, extra):  # pragma: no cover
        pass

    changed = _Utils(other, REUSE.original_signature)
    assert "parameters changed" in dependency_reuse.refusal(fastapi.__version__, changed, other)
    changed = _Utils(original, signature)
    assert "_get_signature changed" in dependency_reuse.refusal(fastapi.__version__, changed, original)
    assert "own reference" in dependency_reuse.refusal(fastapi.__version__, as_read, other)


def test_a_signature_is_kept_only_once_every_annotation_resolved():
    namespace: dict = {}
    exec("def endpoint(item: 'Later') -> 'Later':\n    return item", namespace)  # noqa: S102
    endpoint = namespace["endpoint"]
    first = utils._get_signature(endpoint)
    assert first.parameters["item"].annotation == "Later"  # not resolvable yet: not kept
    namespace["Later"] = int
    second = utils._get_signature(endpoint)
    assert second.parameters["item"].annotation is int and second.return_annotation is int
    assert utils._get_signature(endpoint) is second


def _walk(dependant):
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def test_the_patt_app_analyses_each_shared_dependency_once(monkeypatch):
    monkeypatch.setenv(
        "PATT_EXTRA_PLUGINS", "crafting,drift,guild_sync,identity,mito,onboarding,raids,voting"
    )
    monkeypatch.setenv("JWT_SECRET_KEY", "reuse-test-secret-0123456789-0123456789")
    REUSE.clear()
    hits, misses = REUSE.hits, REUSE.misses
    app = create_app(site="patt", start_services=False)
    routes = [r for r in _walk_routes(app.router) if hasattr(r, "dependant")]
    assert len(routes) > 150
    hits, misses = REUSE.hits - hits, REUSE.misses - misses
    assert hits > 2 * misses, (hits, misses)
    # One analysis of the host dependency stands in every tree that reaches it.
    from patt_host.web.auth import get_host

    found = {
        id(d) for route in routes for d in _walk(route.dependant) if d.call is get_host and d.name == "host"
    }
    # At most one per set of path-parameter names (a dependency parameter could be one of them).
    path_names = {frozenset(get_path_param_names(route.path_format)) for route in routes}
    assert 1 <= len(found) <= len(path_names) < len(routes) / 4, (len(found), len(path_names))


def _client(*routes_of) -> httpx.AsyncClient:
    app = FastAPI()
    for add in routes_of:
        add(app)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    client.app = app
    return client


async def test_a_dependency_parameter_is_a_path_parameter_only_where_the_route_has_one():
    def item(item_id: int) -> int:
        return item_id

    def add(app):
        @app.get("/items/{item_id}")
        def by_path(value: Annotated[int, Depends(item)]):
            return {"value": value}

        @app.get("/items")
        def by_query(value: Annotated[int, Depends(item)]):
            return {"value": value}

        @app.get("/other/{item_id}")
        def by_path_again(value: Annotated[int, Depends(item)]):
            return {"value": value}

    client = _client(add)
    assert (await client.get("/items/5")).json() == {"value": 5}
    assert (await client.get("/items", params={"item_id": 7})).json() == {"value": 7}
    assert (await client.get("/items")).status_code == 422  # the query parameter is required there
    assert (await client.get("/other/9")).json() == {"value": 9}


async def test_scopes_use_cache_and_overrides_are_kept_apart():
    calls = []

    def scoped(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes

    def counted() -> int:
        calls.append(1)
        return len(calls)

    def add(app):
        @app.get("/read")
        def read(scopes: Annotated[list[str], Security(scoped, scopes=["read"])]):
            return scopes

        @app.get("/write")
        def write(scopes: Annotated[list[str], Security(scoped, scopes=["write"])]):
            return scopes

        @app.get("/twice")
        def twice(a: Annotated[int, Depends(counted)], b: Annotated[int, Depends(counted, use_cache=False)]):
            return [a, b]

    client = _client(add)
    assert (await client.get("/read")).json() == ["read"]
    assert (await client.get("/write")).json() == ["write"]
    assert (await client.get("/twice")).json() == [1, 2]  # the uncached one ran again

    client.app.dependency_overrides[scoped] = lambda: ["overridden"]
    assert (await client.get("/read")).json() == ["overridden"]


@pytest.mark.parametrize("limit", [1, 2])
async def test_max_concurrency_is_part_of_the_key(limit):
    def dep() -> int:
        return 1

    def add(app):
        @app.get("/a")
        def a(v: Annotated[int, Depends(dep, max_concurrency=limit)]):
            return v

        @app.get("/b")
        def b(v: Annotated[int, Depends(dep)]):
            return v

    client = _client(add)
    assert (await client.get("/a")).json() == 1
    assert (await client.get("/b")).json() == 1
    routes = {r.path: r for r in client.app.router.routes if hasattr(r, "dependant")}
    concurrency = [d.concurrency for path in ("/a", "/b") for d in routes[path].dependant.dependencies]
    assert concurrency[0] is not None and concurrency[0].max_concurrency == limit
    assert concurrency[1] is None
