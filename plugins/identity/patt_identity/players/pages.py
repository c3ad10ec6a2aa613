"""Member pages: ``/profile`` (and its forms); the officers' Player Manager ``/admin/players``.

Profile forms post back to ``/profile/<section>``; success redirects with a ``saved=``
code (mapped to a fixed message, so no text travels in the URL) to that section's button,
failure re-renders the page with the error and its status. Either way the answer is shown
beside the button that was pressed, not at the top of a long page (on a phone the top is
screens away from the "Save availability" button).
"""

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from patt_host.web import LoggedIn, SessionDep, render, require_officer
from patt_identity import member_data
from patt_identity.auth.pages import retry_headers
from patt_identity.auth.services import accounts, login
from patt_identity.deps import PathId, clear_session_cookie, set_session_cookie
from patt_identity.players.services import manager as player_manager
from patt_identity.players.services import profile
from patt_identity.state import StateDep
from sv_common.auth.service import revoke_all_tokens
from sv_common.errors import DomainError, ValidationFailed
from sv_common.validation import INT32_MAX

WELCOME = "Welcome! Your account is ready. Pick your main character below."
# Section (the form's ``/profile/<section>``) -> its success message.
SAVED_MESSAGES = {
    "info": "Your name and timezone are saved.",
    "characters": "Your characters are saved.",
    "availability": "Your availability is saved.",
    "password": "Your password is changed. Other devices have been logged out.",
}
FIELD_MAX = 256
FormStr = Annotated[str, Form(max_length=FIELD_MAX)]
_ID = re.compile(r"[0-9]{1,10}")


def optional_id(value: str | None) -> int | None:
    """A picked id (ASCII digits, within PostgreSQL's ``integer``), or None when nothing is picked."""
    if value in (None, ""):
        return None
    if not _ID.fullmatch(value) or int(value) > INT32_MAX:
        raise ValidationFailed("That choice is not valid.")
    return int(value)


def typed_availability(form: Any) -> dict[str, str]:
    """The week's fields as the member filled them in, for showing again after a refusal
    (text only, capped like every other field: it is echoed into the page)."""
    typed: dict[str, str] = {}
    for day in range(7):
        typed[f"day_{day}_available"] = "on" if profile.ticked(form.get(f"day_{day}_available")) else ""
        for part in ("start", "hours"):
            value = form.get(f"day_{day}_{part}")
            typed[f"day_{day}_{part}"] = value[:FIELD_MAX] if isinstance(value, str) else ""
    return typed


async def render_profile(
    request: Request,
    session,
    actor,
    *,
    error: str | None = None,
    section: str | None = None,
    status_code: int = 200,
    headers=None,
    typed: Mapping[str, str] | None = None,
):
    """The profile page; ``error`` is shown in ``section`` (the form that failed), a ``saved=``
    code's message in the section it names. ``typed`` (field name -> value) fills those fields
    instead of the stored values, so a refused form shows what was sent."""
    user = await accounts.current_user(session, actor)
    # The password form's hidden username field: password managers file the new password under it.
    context: dict[str, Any] = {"username": user.email, "typed": dict(typed or {})}
    saved = request.query_params.get("saved")
    if error is not None:
        context["feedback"] = {"section": section, "text": error, "error": True}
    elif saved == "welcome":
        context["flash_success"] = WELCOME
    elif saved in SAVED_MESSAGES:
        context["feedback"] = {"section": saved, "text": SAVED_MESSAGES[saved], "error": False}
    if actor.player_id is not None:
        context.update(await profile.profile_context(session, actor.player_id))
    return await render(request, "identity/profile.html", context, status_code=status_code, headers=headers)


async def refused(
    request: Request,
    session,
    actor,
    section: str,
    exc: DomainError,
    typed: Mapping[str, str] | None = None,
):
    """The profile again, with ``exc`` shown in ``section``'s form (and its status), and that
    form's fields as ``typed`` so the member sees (and can fix) what was refused. Passwords are
    never passed here: they are not echoed back into the page."""
    return await render_profile(
        request,
        session,
        actor,
        error=exc.message,
        section=section,
        status_code=exc.status,
        headers=retry_headers(exc),
        typed=typed,
    )


def saved(section: str) -> RedirectResponse:
    """Back to the profile, landing on the saved section's button, where its message shows."""
    return RedirectResponse(f"/profile?saved={section}#profile-{section}-done", status_code=303)


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/profile", name="profile")
    async def profile_page(request: Request, actor: LoggedIn, session: SessionDep):
        return await render_profile(request, session, actor)

    async def attempt(
        request: Request, session, state, actor, action, section: str, typed: Mapping[str, str]
    ):
        """Run ``action(session, player_id)``; redirect on success, re-render (with the ``typed``
        fields) on a domain error.

        The action runs in a savepoint, so a refused change leaves nothing behind while the
        page re-renders from the same session; a saved one is committed before the roster
        cache is dropped (else a reload in between could cache the old roster again).
        """
        try:
            async with session.begin_nested():
                await action(session, actor.player_id)
        except DomainError as exc:
            return await refused(request, session, actor, section, exc, typed)
        await session.commit()
        state.roster.invalidate()
        return saved(section)

    @router.post("/profile/info", name="profile_info")
    async def save_info(
        request: Request,
        actor: LoggedIn,
        session: SessionDep,
        state: StateDep,
        display_name: FormStr,
        timezone: FormStr,
    ):
        async def action(session, player_id):
            await profile.update_info(session, player_id, display_name=display_name, timezone=timezone)

        typed = {"display_name": display_name, "timezone": timezone}
        return await attempt(request, session, state, actor, action, "info", typed)

    @router.post("/profile/characters", name="profile_characters")
    async def save_characters(
        request: Request,
        actor: LoggedIn,
        state: StateDep,
        session: SessionDep,
        main_character_id: Annotated[str, Form(max_length=20)] = "",
        main_spec_id: Annotated[str, Form(max_length=20)] = "",
        offspec_character_id: Annotated[str, Form(max_length=20)] = "",
        offspec_spec_id: Annotated[str, Form(max_length=20)] = "",
    ):
        async def action(session, player_id):
            await profile.update_characters(
                session,
                player_id,
                main_character_id=optional_id(main_character_id),
                main_spec_id=optional_id(main_spec_id),
                offspec_character_id=optional_id(offspec_character_id),
                offspec_spec_id=optional_id(offspec_spec_id),
            )

        typed = {
            "main_character_id": main_character_id,
            "main_spec_id": main_spec_id,
            "offspec_character_id": offspec_character_id,
            "offspec_spec_id": offspec_spec_id,
        }
        return await attempt(request, session, state, actor, action, "characters", typed)

    @router.post("/profile/availability", name="profile_availability")
    async def save_availability(request: Request, actor: LoggedIn, session: SessionDep, state: StateDep):
        form = await request.form()

        async def action(session, player_id):
            await profile.replace_availability(session, player_id, profile.parse_availability_form(form))

        return await attempt(request, session, state, actor, action, "availability", typed_availability(form))

    @router.post("/profile/password", name="profile_password")
    async def save_password(
        request: Request,
        actor: LoggedIn,
        state: StateDep,
        session: SessionDep,
        current_password: FormStr,
        new_password_1: Annotated[str, Form(alias="new_password", max_length=256)],
        new_password_2: Annotated[str, Form(alias="new_password2", max_length=256)],
    ):
        try:
            if new_password_1 != new_password_2:
                raise ValidationFailed("The two new passwords do not match.")
            async with session.begin_nested():
                token = await login.new_password(session, state, actor, current_password, new_password_1)
        except DomainError as exc:
            return await refused(request, session, actor, "password", exc)
        response = saved("password")
        set_session_cookie(response, token, host=state.host)
        return response

    @router.post("/profile/logout-all", name="profile_logout_all")
    async def logout_everywhere(actor: LoggedIn, session: SessionDep, state: StateDep):
        await revoke_all_tokens(session, user=await accounts.current_user(session, actor))
        response = RedirectResponse("/login", status_code=303)
        clear_session_cookie(response, host=state.host)
        return response

    @router.post("/profile/delete", name="profile_delete")
    async def delete_account(
        request: Request, actor: LoggedIn, session: SessionDep, state: StateDep, password: FormStr
    ):
        try:
            async with session.begin_nested():
                await member_data.delete_my_account(session, state, actor, password)
        except DomainError as exc:
            return await refused(request, session, actor, "data", exc)
        await session.commit()  # before the event: other plugins' handlers read the result
        await member_data.account_deleted(state, actor)
        response = RedirectResponse("/", status_code=303)
        clear_session_cookie(response, host=state.host)
        return response

    return router


def manager_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_officer)])

    @router.get("/admin/players", name="admin_players")
    async def players(request: Request, session: SessionDep):
        query = player_manager.Query.parse(request.query_params)
        data = await player_manager.manager_page(session, query)
        context = {"data": data, "query": query, "filters": player_manager.FILTERS}
        return await render(request, "identity/admin/players.html", context)

    @router.get("/admin/players/{player_id}", name="admin_player_detail")
    async def player_detail(request: Request, session: SessionDep, player_id: PathId):
        """One player's full record: fields, account, characters, note aliases."""
        try:
            data = await player_manager.player_detail(session, player_id)
        except DomainError as exc:
            context = {"data": None, "flash_error": exc.message}
            return await render(request, "identity/admin/player.html", context, status_code=exc.status)
        back = request.query_params.get("back", "")
        # Only a Player Manager list URL goes back (never an open redirect).
        context = {"data": data, "back": back if back.startswith("/admin/players?") else "/admin/players"}
        return await render(request, "identity/admin/player.html", context)

    return router
