"""Reuse FastAPI's analysis of a shared sub-dependency instead of repeating it for every route.

Why: FastAPI analyses a route's dependencies when the route is made (``APIRoute``) and again,
per inclusion, when a request first reaches an included router. Each time it walks every
sub-dependency from scratch: ``inspect.signature`` with every string annotation evaluated
(``from __future__ import annotations``; twice per endpoint, once more for the return type),
then a pydantic field per parameter. The PATT site's ~190 routes share a handful of
dependencies (``SessionDep`` -> ``db_session`` -> ``get_host``, ``Officer`` ->
``require_officer`` -> ``require_actor`` -> ``current_actor``, the app's CSRF and edge checks),
so about 1,200 analyses were of ~200 distinct things: ~0.05 s of CPU in ``patt serve``'s
start, and as much again on the first requests.

How, two small caches put in FastAPI's module ``fastapi.dependencies.utils``:

- ``get_dependant`` for *sub*-dependencies: its own recursive calls and
  ``get_parameterless_sub_dependant`` look the module's name up at call time. A route's own
  analysis still goes through the original: ``fastapi.routing`` imported the function by
  name, and it mutates that result (it inserts the route's ``dependencies=[...]``). A
  sub-dependency's ``Dependant`` is never changed after it is built (checked for the versions
  below), so one object can stand in every route's tree. The key is everything the analysis
  depends on: the callable (by identity), the parameter name, which names are path parameters
  of the route (a dependency parameter named like one becomes a path parameter), the OAuth
  scopes, ``use_cache``, ``scope`` and ``max_concurrency``. The one field that then differs is
  ``Dependant.path``, the path of the first route analysed; FastAPI reads a sub-dependency's
  ``path`` only to learn those same path-parameter names again (dependency overrides).
- ``_get_signature(call)``: the evaluated signature of a callable (an immutable
  ``inspect.Signature``), kept only when every annotation could be evaluated, so a name that a
  module defines after the route still resolves on a later analysis as it did before.

Guarded: installed only on the FastAPI versions it was checked against (``VERIFIED``), when
both functions keep the expected parameters and ``fastapi.routing`` still holds its own
reference to ``get_dependant``; otherwise nothing is patched and start-up is only slower.
Tested in ``tests/host/test_dependency_reuse.py``; documented in docs/architecture.md.
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
_GET_DEPENDANT_PARAMETERS = [
    "path",
    "call",
    "name",
    "own_oauth_scopes",
    "parent_oauth_scopes",
    "use_cache",
    "scope",
    "concurrency",
]

_installed: DependencyReuse | None = None


class _IdentityCache:
    """A bounded LRU whose keys start with ``id()`` of objects the entry also holds (so
    those ids cannot be reused while the entry exists)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple, held: tuple) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or any(a is not b for a, b in zip(entry[0], held, strict=True)):
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: tuple, held: tuple, value: Any) -> None:
        with self._lock:
            self.misses += 1
            self._entries[key] = (held, value)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class DependencyReuse:
    """Stands in for ``get_dependant`` (sub-dependencies) and ``_get_signature``."""

    def __init__(self, get_dependant: Any, get_signature: Any, path_param_names: Any) -> None:
        self.original = get_dependant
        self.original_signature = get_signature
        self._path_param_names = path_param_names
        self.dependants = _IdentityCache()
        self.signatures = _IdentityCache()

    @property
    def hits(self) -> int:
        return self.dependants.hits

    @property
    def misses(self) -> int:
        return self.dependants.misses

    def clear(self) -> None:
        self.dependants.clear()
        self.signatures.clear()

    def get_dependant(
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
            id(concurrency),
            name,
            frozenset(self._path_param_names(path)),
            tuple(own_oauth_scopes or ()),
            tuple(parent_oauth_scopes or ()),
            use_cache,
            scope,
        )
        held = (call, concurrency)
        dependant = self.dependants.get(key, held)
        if dependant is None:
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
            self.dependants.put(key, held, dependant)
        return dependant

    def get_signature(self, call: Any) -> inspect.Signature:
        key, held = (id(call),), (call,)
        signature = self.signatures.get(key, held)
        if signature is None:
            signature = self.original_signature(call)
            annotations = [p.annotation for p in signature.parameters.values()]
            if not any(isinstance(a, str) for a in [*annotations, signature.return_annotation]):
                self.signatures.put(key, held, signature)
        return signature


def refusal(version: str, utils: Any, routing_get_dependant: Any) -> str | None:
    """Why the caches must not be installed on this FastAPI, or None when they may."""
    if not version.startswith(VERIFIED):
        return f"FastAPI {version} is not one of the verified versions {VERIFIED}"
    get_dependant = getattr(utils, "get_dependant", None)
    get_signature = getattr(utils, "_get_signature", None)
    if (
        get_dependant is None
        or list(inspect.signature(get_dependant).parameters) != _GET_DEPENDANT_PARAMETERS
    ):
        return "fastapi.dependencies.utils.get_dependant's parameters changed"
    if get_signature is None or list(inspect.signature(get_signature).parameters) != ["call"]:
        return "fastapi.dependencies.utils._get_signature changed"
    if routing_get_dependant is not get_dependant:
        return "fastapi.routing no longer analyses routes with its own reference to get_dependant"
    return None


def install() -> DependencyReuse | None:
    """Put the caches in place (once per process); None when this FastAPI is not a verified one."""
    global _installed
    if _installed is not None:
        return _installed
    import fastapi
    import fastapi.routing
    from fastapi.dependencies import utils
    from fastapi.utils import get_path_param_names

    reason = refusal(fastapi.__version__, utils, fastapi.routing.get_dependant)
    if reason is not None:
        log.debug("not reusing FastAPI's dependency analysis: %s", reason)
        return None
    reuse = DependencyReuse(utils.get_dependant, utils._get_signature, get_path_param_names)
    utils.get_dependant = reuse.get_dependant
    utils._get_signature = reuse.get_signature
    _installed = reuse
    return reuse


def installed() -> DependencyReuse | None:
    return _installed
