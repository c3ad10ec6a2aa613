"""HTML pages: members' events and the event page, the officers' raids pages (schedule and
events, availability, an event's attendance) and the template-slot fragments (home
schedule, profile section, Player Manager attendance)."""

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup, escape

from patt_host.web import (
    HostDep,
    SessionDep,
    SiteSettingsDep,
    render,
    render_fragment,
    require_member,
    require_officer,
)
from patt_raids import schemas
from patt_raids.deps import guild_zone
from patt_raids.services import (
    attendance,
    availability,
    discord_post,
    events,
    raid_helper_sync,
    raiders,
    schedule,
    signups,
)

router = APIRouter(include_in_schema=False)

EVENT_TYPES = ("raid", "mythic_plus", "pvp", "social", "other")


@router.get("/raids", name="events_page")
async def events_page(request: Request, session: SessionDep, actor=Depends(require_member)):
    upcoming = await events.list_events(session, upcoming=True)
    mine = await events.statuses_of(session, actor.player_id, [e.id for e in upcoming])
    return await render(request, "raids/events.html", {"events": upcoming, "mine": mine})


@router.get("/raids/events/{event_id}", name="event_page")
async def event_page(
    event_id: schemas.RowId,
    request: Request,
    session: SessionDep,
    site: SiteSettingsDep,
    actor=Depends(require_member),
):
    view = await signups.event_view(session, event_id, site, actor.player_id)
    is_raider = bool(await raiders.raiders(session, [actor.player_id]))
    over = view["end"] <= datetime.now(UTC)
    return await render(request, "raids/event.html", {"view": view, "is_raider": is_raider, "over": over})


@router.get("/admin/raids", name="admin_page", dependencies=[Depends(require_officer)])
async def admin_page(request: Request, session: SessionDep, host: HostDep, site: SiteSettingsDep):
    from sv_common.seasons import current_season, display_name

    season = await current_season(session)
    return await render(
        request,
        "raids/admin.html",
        {
            "zone": guild_zone(host, site),
            "recurring": [schedule.recurring_dict(r) for r in await schedule.list_recurring(session)],
            "upcoming": await events.list_events(session, upcoming=True),
            "past": await events.list_events(session, upcoming=False, limit=20),
            "channels": await schedule.channels(session),
            "day_names": schedule.DAY_NAMES,
            "event_types": EVENT_TYPES,
            "season": display_name(season) if season else None,
        },
    )


@router.get("/admin/raids/availability", name="availability_page", dependencies=[Depends(require_officer)])
async def availability_page(request: Request, session: SessionDep, host: HostDep, site: SiteSettingsDep):
    zone = guild_zone(host, site)
    today = datetime.now(UTC).astimezone(events.zone(zone)).date()
    data = await availability.availability_by_day(session, zone, today)
    for day in data["days"]:
        day["people_html"] = _people_rows(day["players"])
    return await render(request, "raids/availability.html", {"data": data})


def _people_rows(players: list[dict]) -> Markup:
    """A day's table rows, built here: up to 400 rows a day, 7 days, are several times faster
    joined in Python than looped in the (async) template."""
    rows = []
    for p in players:
        hours = "—" if p["available_hours"] is None else f"{p['available_hours']:g}"
        rows.append(
            f'<tr><td>{escape(p["display_name"])} <span class="muted small">{escape(p["rank"] or "")}</span></td>'
            f"<td>{escape(p['main_role'] or '—')}</td>"
            f'<td title="their time: {escape(p["local_start"])}">{escape(p["earliest_start"])}</td>'
            f"<td>{hours}</td><td>{p['scheduling_weight']}</td></tr>"
        )
    return Markup("".join(rows))


@router.get(
    "/admin/raids/events/{event_id}", name="admin_event_page", dependencies=[Depends(require_officer)]
)
async def admin_event_page(
    event_id: schemas.RowId, request: Request, session: SessionDep, site: SiteSettingsDep
):
    view = await signups.event_view(session, event_id, site)
    started = view["start"] <= datetime.now(UTC)
    # Where the bot's post and the Raid-Helper copy stand, failures included.
    post = await discord_post.post_status(session, event_id)
    mirror = raid_helper_sync.status_of(await events.get_event(session, event_id))
    over = view["end"] <= datetime.now(UTC)
    context = {
        "view": view,
        "started": started,
        "over": over,
        "editable": not view["event"]["cancelled"] and not over,
        "discord_post": post,
        "raid_helper": mirror,
    }
    return await render(request, "raids/admin_event.html", context)


# --- slots -----------------------------------------------------------------------------------


async def home_schedule(request: Request, host) -> str | None:
    """The home page's weekly schedule from the public recurring events (None: none, so the
    page falls back to the officers' text)."""
    site = await host.site_settings()
    zone = guild_zone(host, site)
    async with host.db.session() as session:
        entries = await schedule.public_schedule(session, zone)
    if not entries:
        return None
    return await render_fragment(request, "raids/_home_schedule.html", {"entries": entries})


async def profile_section(request: Request, context: dict, host) -> str:
    """Auto-invite switch, upcoming events and attendance per season on the member's profile."""
    player_id = getattr(context.get("actor"), "player_id", None)
    if player_id is None:
        return ""
    async with host.db.session() as session:
        enabled = await raiders.auto_invite(session, player_id)
        seasons = await attendance.player_seasons(session, player_id)
        upcoming = await events.list_events(session, upcoming=True, limit=5)
        mine = await events.statuses_of(session, player_id, [e.id for e in upcoming])
    return await render_fragment(
        request,
        "raids/_profile.html",
        {"auto_invite": enabled, "seasons": seasons, "upcoming": upcoming, "mine": mine},
    )


async def player_manager_attendance(request: Request) -> str:
    """The Player Manager's attendance column: a script that fetches the current season's
    totals (officers' JSON API) after the page loaded, so the page itself costs no query."""
    return await render_fragment(request, "raids/_player_manager.html")
