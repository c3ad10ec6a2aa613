"""HTML pages: members' events and the event page, the officers' raids pages (schedule and
events, availability, an event's attendance) and the template-slot fragments (home
schedule, profile section, Player Manager attendance)."""

from collections.abc import Iterable
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
from patt_raids.state import StateDep

router = APIRouter(include_in_schema=False)

EVENT_TYPES = ("raid", "mythic_plus", "pvp", "social", "other")
SIGNUP_STATUSES = (
    ("accepted", "Accepted"),
    ("tentative", "Tentative"),
    ("bench", "Bench"),
    ("absent", "Absent"),
)
# Who gave a signup its answer, as the officers' event page says it.
SIGNUP_SOURCES = {
    "auto": "by rule",
    "override": "set at creation",
    "site": "on the site",
    "discord": "on Discord",
    "officer": "by an officer",
    "raid_helper": "in Raid-Helper",
}


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
async def admin_page(
    request: Request, session: SessionDep, host: HostDep, site: SiteSettingsDep, state: StateDep
):
    from sv_common.seasons import current_season, display_name

    season = await current_season(session)
    zone = guild_zone(host, site)
    roster = await events.roster_preview(session)
    return await render(
        request,
        "raids/admin.html",
        {
            "zone": zone,
            "recurring": [schedule.recurring_dict(r) for r in await schedule.list_recurring(session)],
            "upcoming": await events.list_events(session, upcoming=True),
            "past": await events.list_events(session, upcoming=False, limit=20),
            "channels": await schedule.channels(session),
            "day_names": schedule.DAY_NAMES,
            "event_types": EVENT_TYPES,
            "season": display_name(season) if season else None,
            # The New event form's roster: who the rule signs up and as what, each adjustable.
            "roster_size": len(roster),
            "roster_counts": roster_counts(r.status for r in roster),
            "roster_rows": _roster_rows(roster),
            # The connector's settings as officers may see them (never the key) for the test;
            # in effect: `patt demo`'s fake Raid-Helper when no real one is configured.
            "raid_helper": raid_helper_sync.connector_summary(
                state.settings, zone, demo=state.raid_helper_demo
            ),
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
    event_id: schemas.RowId, request: Request, session: SessionDep, site: SiteSettingsDep, state: StateDep
):
    view = await signups.event_view(session, event_id, site)
    started = view["start"] <= datetime.now(UTC)
    # Where the bot's post and the Raid-Helper copy stand, failures included.
    post = await discord_post.post_status(session, event_id)
    mirror = raid_helper_sync.status_of(await events.get_event(session, event_id))
    if mirror is not None and not mirror["deleted"]:
        # Signups of members without a linked Discord account are never sent (Raid-Helper
        # knows people by Discord id): say so, so "28 sent" next to 40 signups adds up.
        _wanted, mirror["no_discord"] = await raid_helper_sync.wanted_signups(session, event_id)
        mirror["total"] = len(view["signups"])
    over = view["end"] <= datetime.now(UTC)
    cancelled = view["event"]["cancelled"]
    # The same rule as events.set_signup_status: answers close once cancelled or over.
    signups_open = not cancelled and not over
    # Guild members with a main and no signup yet (they joined after the event was made, or
    # were skipped): an officer can still put them on it, or mark them as walk-ins.
    signed = {s["player_id"] for s in view["signups"]}
    unanswered = (
        []
        if cancelled
        else [
            r
            for r in await raiders.raiders(session)
            if r.rank_level is not None and r.player_id not in signed
        ]
    )
    context = {
        "view": view,
        "started": started,
        "over": over,
        "editable": signups_open,
        "signups_open": signups_open,
        "unanswered": unanswered,
        "sheet_rows": _sheet_rows(view["signups"], unanswered, open_=signups_open),
        "discord_post": post,
        "raid_helper": mirror,
        "raid_helper_demo": state.raid_helper_demo,
    }
    return await render(request, "raids/admin_event.html", context)


def _sheet_rows(signups: list[dict], unanswered: list, *, open_: bool) -> Markup:
    """The event page's member rows (the signups, then the raiders with none), built here like
    the availability rows: a guild's whole roster, each with an answer picker."""
    rows = [
        _sheet_row(
            s["player_id"],
            s["status"],
            s["display_name"],
            s["character_name"] or s["display_name"],
            s["class_colour"],
            s["role"],
            SIGNUP_SOURCES.get(s["source"], s["source"]),
            (s["attendance"] or "—").replace("_", " "),
            open_,
        )
        for s in signups
    ]
    rows.extend(
        _sheet_row(r.player_id, None, r.display_name, r.character_name, None, r.role, "", "—", open_)
        for r in unanswered
    )
    return Markup("".join(rows))


def _sheet_row(
    player_id: int,
    status: str | None,
    name: str,
    character: str,
    colour: str | None,
    role: str | None,
    source: str,
    mark: str,
    open_: bool,
) -> str:
    name_html = escape(name)
    if open_:
        options = "".join(
            f'<option value="{value}"{" selected" if value == status else ""}>{label}</option>'
            for value, label in SIGNUP_STATUSES
        )
        if status is None:
            options = '<option value="" selected disabled>No signup</option>' + options
        answer = (
            f'<select class="js-raids-signup status-{status or "none"}" aria-label="Answer of {name_html}">'
            f"{options}</select>"
        )
    else:
        answer = f'<span class="raids-status status-{status or "none"}">{status or "no signup"}</span>'
    role_html = f" · {escape(role)}" if role else ""
    unanswered = "" if status else ' class="raids-unanswered"'
    return (
        f'<tr data-player="{player_id}" data-status="{status or ""}" data-name="{name_html}"{unanswered}>'
        f'<td><input type="checkbox" class="js-raids-pick" aria-label="Select {name_html}"></td>'
        f'<td><span style="color: {escape(colour or "#888888")}">{escape(character)}</span> '
        f'<span class="muted small">{name_html}{role_html}</span></td>'
        f'<td class="raids-signup">{answer}<span class="raids-source muted small">{escape(source)}</span>'
        f'<span class="raids-feedback small" role="status" aria-live="polite"></span></td>'
        f'<td class="raids-mark">{escape(mark)}</td></tr>'
    )


# The roster preview's choices: the rule's answer, the four answers, or not signed up at all.
OVERRIDE_CHOICES = (
    ("accepted", "accepted"),
    ("tentative", "tentative"),
    ("bench", "bench"),
    ("absent", "absent"),
    ("skip", "skip (not signed up)"),
)
ROSTER_COUNTED = ("accepted", "tentative", "bench", "absent", "skip")


def roster_counts(statuses: Iterable[str]) -> str:
    """The roster's counts line, ``accepted 3 · tentative 9 · bench 2`` (absent and skipped only
    when some are); admin.js writes the same line as the pickers change."""
    counts = dict.fromkeys(ROSTER_COUNTED, 0)
    for status in statuses:
        counts[status] += 1
    parts = [
        f"{'skipped' if key == 'skip' else key} {n}"
        for key, n in counts.items()
        if n or key in ("accepted", "tentative", "bench")
    ]
    return " · ".join(parts)


def _roster_rows(rows: list[events.PreviewRow]) -> Markup:
    """The roster preview's rows, built here like the event page's: a whole guild, each with a
    picker. The picker has no name, so the form's own fields stay as they are; admin.js sends
    the rows moved off "default" as ``player_overrides``."""
    html = []
    for r in rows:
        name = escape(r.display_name)
        # "Name · Holy Priest (healer) · Officer", each part when known.
        spec = " ".join(x for x in (r.spec_name, r.class_name) if x)
        if r.role:
            spec = f"{spec} ({r.role})" if spec else r.role
        details = " · ".join(str(escape(x)) for x in (r.display_name, spec, r.rank_name) if x)
        why = events.REASONS[r.reason] + (
            f" ({r.rank_name})" if r.reason == "lowest_rank" and r.rank_name else ""
        )
        options = f'<option value="" selected>default ({r.status})</option>' + "".join(
            f'<option value="{value}">{label}</option>' for value, label in OVERRIDE_CHOICES
        )
        no_discord = (
            ""
            if r.discord
            else ' <span class="badge raids-no-discord" title="No linked Discord account: cannot answer on '
            'Discord and is not sent to Raid-Helper">no Discord</span>'
        )
        html.append(
            f'<li class="raids-roster-row" data-player="{r.player_id}" data-default="{r.status}" '
            f'data-effective="{r.status}">'
            f'<span class="raids-roster-who"><span style="color: {escape(r.class_colour or "#888888")}">'
            f"{escape(r.character_name)}</span> "
            f'<span class="muted small">{details}</span>{no_discord}</span>'
            f'<span class="raids-roster-pick"><select class="js-raids-override" aria-label="Answer of {name}">'
            f'{options}</select> <span class="raids-roster-why muted small">{escape(why)}</span></span></li>'
        )
    return Markup("".join(html))


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
