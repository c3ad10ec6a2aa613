"""Serving the cached roster: the snapshot, its HTML body, and the compressed JSON reply."""

from __future__ import annotations

from fastapi import Request, Response

from patt_identity.roster.services.cache import RosterSnapshot
from patt_identity.roster.services.gzip_splice import Precompressed, gzip_join
from patt_identity.roster.services.query import ArmoryLinks, load_roster, roster_version
from patt_identity.roster.services.recruiting import role_cards, role_counts, role_targets, wowhead_comp_url
from patt_identity.state import IdentityRuntime


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


async def snapshot_part(request: Request, snapshot: RosterSnapshot, rt: IdentityRuntime) -> Precompressed:
    """The roster's table and chart (no per-visitor content), rendered and compressed once per snapshot.

    The role targets are officer settings; saving them emits ``site.settings_changed``,
    which drops the snapshot (see ``events.ROSTER_EVENTS``).
    """
    if snapshot.html_part is None:
        template = request.app.state.jinja.get_template("identity/_roster_body.html")
        data = snapshot.data
        html = await template.render_async(
            roster=data,
            class_colours=class_colours(data),
            cards=role_cards(role_counts(data), role_targets(await rt.host.site_settings())),
            wowhead_url=wowhead_comp_url(data),
        )
        snapshot.html_part = Precompressed.of(html.encode())
    return snapshot.html_part


def class_colours(data: dict) -> list[dict[str, str]]:
    """Each class on the roster once, with its colour (for one CSS rule per class)."""
    seen: dict[str, str] = {}
    for player in data["players"]:
        for character in (player["main"], player["offspec"], *player["alts"]):
            if character and character["class_name"] and character["class_name"] not in seen:
                seen[character["class_name"]] = character["class_colour"]
    return [{"name": name, "colour": colour} for name, colour in sorted(seen.items())]


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


def splice_page(request: Request, response: Response, marker: str, part: Precompressed) -> Response:
    """Put the cached roster body where ``marker`` is in the rendered page; gzip when accepted.

    Only the small per-visitor shell is compressed per request (see ``gzip_splice``).
    """
    prefix, found, suffix = response.body.partition(marker.encode())
    if not found:
        raise RuntimeError(f"the roster page template lost its {marker!r} marker")
    if accepts_gzip(request):
        body = gzip_join(prefix, part, suffix)
        response.headers["content-encoding"] = "gzip"
    else:
        body = b"".join((prefix, part.data, suffix))
    response.body = body
    response.headers["content-length"] = str(len(body))
    response.headers["vary"] = "Accept-Encoding"
    return response
