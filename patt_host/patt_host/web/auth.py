"""Resolving the actor of a request (lazily, once) and the rank checks every route uses.

The dependencies take an ``HTTPConnection`` (what ``Request`` and ``WebSocket`` share): FastAPI
hands a ``Request`` parameter to HTTP routes only, so with that annotation a plugin's WebSocket
route could not reach the host at all. They read only the app, state, headers and cookies.
A refusal on a WebSocket closes it with 1008 (``patt_host.web.errors``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from patt_host.api import HostAPI
from sv_common.auth import Actor
from sv_common.errors import Forbidden, Unauthorized

_UNSET = object()


async def get_host(request: HTTPConnection) -> HostAPI:
    # async on purpose: FastAPI runs a plain ``def`` dependency in a worker thread, and that
    # hand-off cost more CPU per request than everything else this function does.
    return request.app.state.host


async def current_actor(request: HTTPConnection) -> Actor | None:
    """The authenticated actor, or None. Plugins authenticate via the ``authenticate`` hook
    (which gets the ``Request`` or the ``WebSocket``)."""
    cached = getattr(request.state, "actor", _UNSET)
    if cached is _UNSET:
        cached = await request.app.state.host.hooks.authenticate(request)
        request.state.actor = cached
    return cached


async def require_actor(actor: Annotated[Actor | None, Depends(current_actor)]) -> Actor:
    if actor is None:
        raise Unauthorized("You need to log in.")
    return actor


def require_rank(level: int):
    """Dependency factory: the actor must hold at least rank ``level``."""

    async def dependency(actor: Annotated[Actor, Depends(require_actor)]) -> Actor:
        if actor.rank_level < level:
            raise Forbidden("Your rank does not allow this.")
        return actor

    return dependency


async def require_member(actor: Annotated[Actor, Depends(require_actor)]) -> Actor:
    """A logged-in actor linked to a player (a guild member's account, not a bare key)."""
    if actor.player_id is None:
        raise Forbidden("Your account is not linked to a guild member.")
    return actor


async def require_officer(request: HTTPConnection, actor: Annotated[Actor, Depends(require_actor)]) -> Actor:
    if actor.rank_level < request.app.state.host.officer_level:
        raise Forbidden("Officers only.")
    return actor


HostDep = Annotated[HostAPI, Depends(get_host)]
ActorDep = Annotated[Actor | None, Depends(current_actor)]
LoggedIn = Annotated[Actor, Depends(require_actor)]
Member = Annotated[Actor, Depends(require_member)]
Officer = Annotated[Actor, Depends(require_officer)]
