"""JSON routes: members' events and signups, officers' availability, schedule, events and
attendance. Thin: parse, check the actor, call a service, answer with ``ok(...)``."""

from datetime import UTC, datetime

from fastapi import APIRouter

from patt_host.web import HostDep, Member, Officer, SessionDep, SiteSettingsDep, ok
from patt_raids import schemas
from patt_raids.deps import commit, guild_zone, ok_json
from patt_raids.services import (
    attendance,
    availability,
    events,
    notify,
    raid_helper_sync,
    raiders,
    reactions,
    schedule,
    signups,
)
from patt_raids.state import StateDep
from sv_common.discord.channel_sync import require_postable_channel

router = APIRouter(prefix="/api/v1/raids", tags=["raids"])
admin_router = APIRouter(prefix="/api/v1/admin/raids", tags=["raids admin"])


# --- members ---------------------------------------------------------------------------------


@router.get("/events", name="api_events")
async def upcoming_events(actor: Member, session: SessionDep):
    """Upcoming events (soonest first), each with the member's own answer."""
    rows = await events.list_events(session, upcoming=True)
    mine = await events.statuses_of(session, actor.player_id, [e.id for e in rows])
    return ok([{**events.event_dict(e), "my_status": mine.get(e.id)} for e in rows])


@router.get("/events/{event_id}", name="api_event")
async def event_detail(event_id: schemas.RowId, actor: Member, session: SessionDep, site: SiteSettingsDep):
    """An event with every signup and the composition by role against the site's targets."""
    return ok(signups.signup_json(await signups.event_view(session, event_id, site, actor.player_id)))


@router.put("/events/{event_id}/signup", name="api_signup")
async def my_signup(
    event_id: schemas.RowId, body: schemas.SignupBody, actor: Member, session: SessionDep, host: HostDep
):
    """The member's own answer: accepted, tentative, bench or absent."""
    change = await events.set_signup_status(session, event_id, actor.player_id, body.status, "site")
    await commit(session)
    await notify.signup_changed(host, change)
    return ok({"event_id": event_id, "status": change.status, "changed": change.changed})


@router.get("/me/settings", name="api_my_settings")
async def my_settings(actor: Member, session: SessionDep):
    return ok({"auto_invite_events": await raiders.auto_invite(session, actor.player_id)})


@router.put("/me/settings", name="api_my_settings_set")
async def set_my_settings(body: schemas.AutoInvite, actor: Member, session: SessionDep):
    """Auto-invite: signed up as accepted (on) or tentative (off) to new events."""
    value = await raiders.set_auto_invite(session, actor.player_id, body.auto_invite_events)
    return ok({"auto_invite_events": value})


@router.get("/me/attendance", name="api_my_attendance")
async def my_attendance(actor: Member, session: SessionDep):
    return ok(await attendance.player_seasons(session, actor.player_id))


# --- officers --------------------------------------------------------------------------------


@admin_router.get("/availability", name="api_availability")
async def availability_by_day(actor: Officer, session: SessionDep, host: HostDep, site: SiteSettingsDep):
    """Seven nights, best first: who is available, converted to the guild's time zone."""
    zone = guild_zone(host, site)
    today = datetime.now(UTC).astimezone(events.zone(zone)).date()
    return ok_json(await availability.availability_by_day(session, zone, today))


@admin_router.get("/attendance", name="api_attendance_totals")
async def attendance_totals(actor: Officer, session: SessionDep):
    """The current season's attendance of every player (the Player Manager shows it)."""
    season, totals = await attendance.current_season_totals(session)
    return ok({"season": season, "players": {str(k): v for k, v in totals.items()}})


@admin_router.get("/recurring-events", name="api_recurring")
async def list_recurring(actor: Officer, session: SessionDep):
    return ok([schedule.recurring_dict(r) for r in await schedule.list_recurring(session)])


@admin_router.post("/recurring-events", name="api_recurring_add", status_code=201)
async def add_recurring(body: schemas.NewRecurring, actor: Officer, session: SessionDep):
    """A weekly night (409 when the weekday already has an active one)."""
    row = await schedule.create_recurring(session, **body.model_dump())
    return ok(schedule.recurring_dict(row), status_code=201)


@admin_router.patch("/recurring-events/{recurring_id}", name="api_recurring_edit")
async def edit_recurring(
    recurring_id: schemas.RowId, body: schemas.RecurringChange, actor: Officer, session: SessionDep
):
    """Only the fields sent change; null is a 422 naming the field, except the channel's (null
    or "" clears it)."""
    changes = body.model_dump(exclude_unset=True)
    if changes.get("discord_channel_id") == "":
        changes["discord_channel_id"] = None
    row = await schedule.update_recurring(session, recurring_id, **changes)
    return ok(schedule.recurring_dict(row))


@admin_router.delete("/recurring-events/{recurring_id}", name="api_recurring_delete")
async def delete_recurring(recurring_id: schemas.RowId, actor: Officer, session: SessionDep):
    await schedule.delete_recurring(session, recurring_id)
    return ok({"deleted": recurring_id})


@admin_router.get("/events", name="api_admin_events")
async def admin_events(actor: Officer, session: SessionDep):
    """Upcoming and recent past events."""
    return ok(
        {
            "upcoming": [events.event_dict(e) for e in await events.list_events(session, upcoming=True)],
            "past": [
                events.event_dict(e) for e in await events.list_events(session, upcoming=False, limit=20)
            ],
        }
    )


@admin_router.post("/events", name="api_event_add", status_code=201)
async def add_event(body: schemas.NewEvent, actor: Officer, session: SessionDep, host: HostDep):
    """Create an event (local date and time in ``timezone``) and sign the raiders up by rule.
    ``player_overrides`` ``{player_id: status or "skip"}`` win over the rule; one for a player
    the rule would not sign up (unknown, inactive, no rank or no main) is a 422
    ``bad_override_player`` naming them, and nothing is created."""
    if body.channel_id:  # an officer's pick: one of the guild's synced text channels, else 422
        await require_postable_channel(session, body.channel_id)
    event = await events.create_event(
        session,
        title=body.title,
        event_type=body.event_type,
        event_date=body.event_date,
        start_time=body.start_time,
        timezone=body.timezone,
        duration_minutes=body.duration_minutes,
        channel_id=body.channel_id,
        description=body.description,
        recurring_event_id=body.recurring_event_id,
        overrides={int(k): v for k, v in body.player_overrides.items()},
        created_by_player_id=actor.player_id,
        not_before=datetime.now(UTC),
    )
    data = events.event_dict(event)
    await commit(session)
    await notify.event_created(host, data["id"], auto_booked=False, channel_id=data["discord_channel_id"])
    return ok(data, status_code=201)


@admin_router.patch("/events/{event_id}", name="api_event_edit")
async def edit_event(
    event_id: schemas.RowId, body: schemas.EventChange, actor: Officer, session: SessionDep, host: HostDep
):
    """Change an upcoming event's title, description, date, time, zone or length; its Discord
    post (and Raid-Helper's copy) follow. ``changed`` lists what really changed."""
    changes = body.model_dump(exclude_unset=True)
    if "description" in changes:  # null or "" clears it
        changes["description"] = changes["description"] or ""
    event, changed = await events.update_event(session, event_id, **changes)
    data = events.event_dict(event)
    await commit(session)
    if changed:
        await notify.event_changed(host, event_id, "edited", source="officer")
    return ok({**data, "changed": changed})


@admin_router.post("/events/{event_id}/cancel", name="api_event_cancel")
async def cancel_event(event_id: schemas.RowId, actor: Officer, session: SessionDep, host: HostDep):
    data = events.event_dict(await events.cancel_event(session, event_id))
    await commit(session)
    await notify.event_changed(host, event_id, "cancelled", source="officer")
    return ok(data)


@admin_router.put("/events/{event_id}/signup", name="api_officer_signup")
async def officer_signup(
    event_id: schemas.RowId, body: schemas.OfficerSignup, actor: Officer, session: SessionDep, host: HostDep
):
    """An officer sets a member's answer (e.g. someone who told them on voice), also for a
    raider with no signup yet. 409 once the event is cancelled or over, or for a player who is
    not an active member with a main."""
    change = await events.set_signup_status(session, event_id, body.player_id, body.status, "officer")
    await commit(session)
    await notify.signup_changed(host, change)
    return ok(
        {
            "event_id": event_id,
            "player_id": body.player_id,
            "status": change.status,
            "changed": change.changed,
        }
    )


@admin_router.put("/events/{event_id}/attendance", name="api_attendance")
async def mark_attendance(
    event_id: schemas.RowId, body: schemas.AttendanceBody, actor: Officer, session: SessionDep, host: HostDep
):
    """Bulk marks ``{player_id: attended|absent|noted_absence}`` once the event has started."""
    count = await attendance.mark_attendance(session, event_id, {int(k): v for k, v in body.marks.items()})
    await commit(session)
    await notify.event_changed(host, event_id, "attendance", source="officer")
    return ok({"event_id": event_id, "marked": count})


@admin_router.post("/raid-helper/test", name="api_raid_helper_test")
async def raid_helper_test(actor: Officer, host: HostDep, state: StateDep):
    """Ask Raid-Helper for the server's events with the configured key (nothing changes there):
    ``connected``, ``server_id``, ``event_count``. 409 ``raid_helper_not_configured`` (a setting
    missing or unusable, each named with what is wrong), 502 ``raid_helper_refused`` (key, server
    id or base URL wrong), 503 ``raid_helper_unavailable``, 429 ``raid_helper_test_limited`` past
    a few tests a minute per officer or for the site (``state.connection_tested``)."""
    config = reactions.raid_helper_config(host, await schedule.guild_timezone(host))
    settings = reactions.raid_helper_settings(host)
    if config is not None:  # only a test that reaches Raid-Helper counts
        await state.connection_tested(actor)
    return ok(await raid_helper_sync.check_connection(config, settings))
