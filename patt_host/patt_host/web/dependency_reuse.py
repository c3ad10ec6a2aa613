"""Reuse FastAPI's analysis of a shared sub-dependency instead of repeating it for every route.

Why: FastAPI analyses a route's dependencies when the route is made (``APIRoute``) and again,
per inclusion, when a request first reaches an included router. Each time it walks every
sub-dependency from scratch: ``inspect.signature`` with every string annotation evaluated
(``from __future__ import annotations``), then a pydantic field per parameter. The PATT site's
~190 routes share a handful of dependencies (``SessionDep`` -> ``db_session`` -> ``get_host``,
``Officer`` -> ``require_officer`` -> ``require_actor`` -> ``current_actor``, the app's CSRF and
edge checks), so about 1,200 analyses were of ~200 distinct things: ~0.04 s of CPU in
``patt serve``'s start, and as much again on the first requests.

How: ``fastapi.dependencies.utils.get_dependant`` is wrapped by a cache for what it builds for
*sub*-dependencies (its own recursive calls and ``get_parameterless_sub_dependant`` look the
module's name up at call time). A route's own analysis still goes through the original:
``fastapi.routing`` imported the function by name, and it mutates that result (it inserts the
route's ``dependencies=[...]``). A sub-dependency's ``Dependant`` is never changed after it is
built (checked for the versions below), so one object can stand in every route's tree.

The key is everything the analysis depends on: the callable (by identity), the parameter name,
which names are path parameters of the route (a dependency parameter named like one becomes a
path parameter), the OAuth scopes, ``use_cache``, ``scope`` and ``max_concurrency``. The one
field that then differs is ``Dependant.path``, the path of the first route analysed; FastAPI
reads a sub-dependency's ``path`` only to learn those path-parameter names again (overrides).

Guarded: installed only on the FastAPI versions it was checked against (``VERIFIED``), when
``get_dependant`` still has the expected parameters and ``fastapi.routing`` still holds its
own reference; otherwise nothing is patched and start-up is only slower. Tested in
``tests/host/test_dependency_reuse.py``; documented in docs/architecture.md (start-up).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections import OrderedDict
from typing import Any

log = logging.getLogger("patt.app")

#: FastAPI versions whose dependency analysis was read and found safe to share (see above).
VERIFIED = ("0.165.",)
#: Bounded like FastAPI's own callable caches: a process that builds many apps (the tests)
#: drops the oldest entries instead of keeping every app's dependencies alive.
MAX_ENTRIES = 4096
_EXPECTED_PARAMETERS = [
    "path",
    "call",
    "name",
    "own_oauth_scopes",
    "parent_oauth_scopes",
    "use_cache",
    "scope",
    "concurrency",
]

_installed: Any = None


class DependencyReuse:
    """The cache that stands in for ``fastapi.dependencies.utils.get_dependant``."""

    def __init__(self, original: Any, path_param_names: Any) -> None:
        self.original = original
        self._path_param_names = path_param_names
        self._entries: OrderedDict[tuple, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(
        self,
        *,
        path: str,
        call: Any,
        name: str | None = None,
        own_oauth_scopes: list[str] | None = None,
        parent_oauth_scopes: list[str] | None = None,
        use_cache: bool = True,
        scope: Any = None,
        concurrency: Any = None,
    ) -> Any:
        key = (
            id(call),
            name,
            frozenset(self._path_param_names(path)),
            tuple(own_oauth_scopes or ()),
            tuple(parent_oauth_scopes or ()),
            use_cache,
            scope,
            id(concurrency),
        )
        with self._lock:
            entry = self._entries.get(key)
            # The entry holds ``call`` and ``concurrency``, so their ids cannot be reused while it exists.
            if entry is not None and entry[0][0] is call and entry[0][1] is concurrency:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
        dependant = self.original(
            path=path,
            call=call,
            name=name,
            own_oauth_scopes=own_oauth_scopes,
            parent_oauth_scopes=parent_oauth_scopes,
            use_cache=use_cache,
            scope=scope,
            concurrency=concurrency,
        )
        with self._lock:
            self.misses += 1
            self._entries[key] = ((call, concurrency), dependant)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return dependant

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def refusal(version: str, get_dependant: Any, routing_get_dependant: Any) -> str | None:
    """Why the cache must not be installed on this FastAPI, or None when it may."""
    if not version.startswith(VERIFIED):
        return f"FastAPI {version} is not one of the verified versions {VERIFIED}"
    if list(inspect.signature(get_dependant).parameters) != _EXPECTED_PARAMETERS:
        return "fastapi.dependencies.utils.get_dependant's parameters changed"
    if routing_get_dependant is not get_dependant:
        return "fastapi.routing no longer analyses routes with its own reference to get_dependant"
    return None


def install() -> DependencyReuse | None:
    """Put the cache in place (once per process); None when this FastAPI is not a verified one."""
    global _installed
    if _installed is not None:
        return _installed
    import fastapi
    import fastapi.routing
    from fastapi.dependencies import utils
    from fastapi.utils import get_path_param_names

    reason = refusal(fastapi.__version__, utils.get_dependant, fastapi.routing.get_dependant)
    if reason is not None:
        log.debug("not reusing FastAPI's dependency analysis: %s", reason)
        return None
    _installed = DependencyReuse(utils.get_dependant, get_path_param_names)
    utils.get_dependant = _installed
    return _installed


def installed() -> DependencyReuse | None:
    return _installed
