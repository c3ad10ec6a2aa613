"""Public guild data over JSON.

- ``GET /api/v1/guild/roster``: active players with a main (cached, gzipped, ETag).
- ``GET /api/v1/guild/ranks``: the rank ladder.
"""

from fastapi import APIRouter, Request, Response

from patt_host.web import SessionDep, ok
from patt_identity.deps import accepts_gzip
from patt_identity.roster.services.cache import RosterSnapshot
from patt_identity.roster.services.snapshot import roster_snapshot
from patt_identity.state import StateDep
from sv_common.identity.ranks import ranks


def rank_dict(rank) -> dict:
    return {"id": rank.id, "name": rank.name, "level": rank.level, "description": rank.description}


def json_reply(request: Request, snapshot: RosterSnapshot) -> Response:
    """The pre-serialised envelope: 304 on a matching ETag, gzipped when the client accepts it."""
    headers = {"ETag": snapshot.etag, "Cache-Control": "public, max-age=5", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == snapshot.etag:
        return Response(status_code=304, headers=headers)
    if accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(snapshot.gzip_bytes, media_type="application/json", headers=headers)
    return Response(snapshot.json_bytes, media_type="application/json", headers=headers)


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["guild"])

    @router.get("/guild/roster", name="api_roster")
    async def roster(request: Request, state: StateDep):
        """Active players with a main character: rank, main (class colour, spec, role, item
        level, armory link), offspec, and the roster's role/class composition."""
        return json_reply(request, await roster_snapshot(state))

    @router.get("/guild/ranks", name="api_ranks")
    async def guild_ranks(session: SessionDep):
        """The guild's ranks, lowest level first."""
        return ok([rank_dict(rank) for rank in await ranks(session)])

    return router
