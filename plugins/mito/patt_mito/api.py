"""Mito's JSON API: public reads, officers' writes (``actor: Officer`` is checked by the host).

Routes are thin: parse, call the service with the request's session (``SessionDep``: the
host commits it when the route returns), answer in the envelope.
"""

from fastapi import APIRouter

from patt_host.web import Officer, SessionDep, ok
from patt_mito import service
from patt_mito.schemas import EditEntry, Kind, NewEntry, RowId

router = APIRouter(prefix="/api/v1/mito", tags=["mito"])


@router.get("", name="api_list")
async def list_entries(session: SessionDep):
    """Every quote and title (public)."""
    return ok(await service.list_all(session))


@router.get("/random", name="api_random")
async def random_entry(session: SessionDep):
    """A random quote signed with a random title (public)."""
    saying = await service.random_saying(session)
    return ok({"quote": saying.quote, "title": saying.title, "text": saying.text()})


@router.post("/{kind}", name="api_add", status_code=201)
async def add_entry(kind: Kind, body: NewEntry, actor: Officer, session: SessionDep):
    """Add a quote or title (officers). 409 if it exists already."""
    row = await service.add(session, kind, body.text, player_id=actor.player_id, context=body.context)
    return ok(service.row_dict(row), status_code=201)


@router.put("/{kind}/{row_id}", name="api_edit")
async def edit_entry(kind: Kind, row_id: RowId, body: EditEntry, actor: Officer, session: SessionDep):
    """Change the text of a quote or title (officers)."""
    return ok(service.row_dict(await service.edit(session, kind, row_id, body.text)))


@router.delete("/{kind}/{row_id}", name="api_delete")
async def delete_entry(kind: Kind, row_id: RowId, actor: Officer, session: SessionDep):
    """Remove a quote or title (officers)."""
    await service.remove(session, kind, row_id)
    return ok({"deleted": row_id})
