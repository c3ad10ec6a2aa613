"""Serving the cached roster: the snapshot, its HTML body, and the compressed JSON reply."""

from __future__ import annotations

import gzip

from fastapi import Request, Response

from patt_identity.roster import ArmoryLinks, load_roster, roster_version
from patt_identity.roster_cache import RosterSnapshot
from patt_identity.runtime import IdentityRuntime


def armory_links(rt: IdentityRuntime) -> ArmoryLinks:
    config = rt.host.site.config
    return ArmoryLinks(
        rt.settings.armory_url_template,
        region=str(config.get("armory_region", "us")),
        locale=str(config.get("armory_locale", "en-us")),
    )


async def roster_snapshot(rt: IdentityRuntime) -> RosterSnapshot:
    links = armory_links(rt)

    async def load():
        async with rt.host.db.session() as session:
            return await load_roster(session, links)

    async def version():
        async with rt.host.db.session() as session:
            return await roster_version(session)

    return await rt.roster.get(load, version)


async def snapshot_html(request: Request, snapshot: RosterSnapshot) -> str:
    """The roster's table and chart, rendered once per snapshot (no per-user content)."""
    if snapshot.html is None:
        template = request.app.state.jinja.get_template("identity/_roster_body.html")
        snapshot.html = await template.render_async(roster=snapshot.data)
    return snapshot.html


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def json_reply(request: Request, snapshot: RosterSnapshot) -> Response:
    """The pre-serialised envelope: 304 on a matching ETag, gzipped when the client accepts it."""
    headers = {"ETag": snapshot.etag, "Cache-Control": "public, max-age=5", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == snapshot.etag:
        return Response(status_code=304, headers=headers)
    if accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(snapshot.gzip_bytes, media_type="application/json", headers=headers)
    return Response(snapshot.json_bytes, media_type="application/json", headers=headers)


def maybe_gzip(request: Request, response: Response, *, min_size: int = 1024) -> Response:
    """Compress a rendered page in place (only this plugin's routes; no global middleware)."""
    body = response.body
    if not accepts_gzip(request) or len(body) < min_size or "content-encoding" in response.headers:
        return response
    compressed = gzip.compress(body, compresslevel=4, mtime=0)
    response.body = compressed
    response.headers["content-encoding"] = "gzip"
    response.headers["content-length"] = str(len(compressed))
    vary = response.headers.get("vary")
    response.headers["vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    return response
