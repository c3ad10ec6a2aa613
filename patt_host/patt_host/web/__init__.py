"""The public web API for plugins and sites.

Import from here (``from patt_host.web import render, ok, Officer``), never from the
submodules: they are the host's internals and may change. The import contract in the
lint step enforces it.

- Responses: ``ok`` (the success envelope), ``error`` / ``error_body`` (the error envelope
  with a real status); raise ``sv_common.errors`` domain exceptions from services instead
  where you can: one handler maps them to the envelope.
- Limits: request bodies are capped at ``PATT_MAX_BODY_BYTES`` (1 MiB); a route that needs
  more declares ``openapi_extra=body_limit(20 * 1024 * 1024)``.
- Pages: ``render(request, "<plugin>/page.html", **context)``, ``render_fragment`` (a partial
  template to HTML, for ``template_slot``), ``static_url(plugin, path)``,
  ``csrf_token_for(request)`` for hand-built forms, ``rotate_csrf(response, host=, session_token=)``
  whenever a route sets a new session cookie (login), so the CSRF token follows the session.
  ``human_time(dt, "absolute"|"relative")`` for a ``<time>`` shown in the viewer's zone (also
  the ``human_time`` template filter).
- Who is asking (``Annotated`` dependencies): ``ActorDep`` (actor or None), ``LoggedIn``,
  ``Member`` (logged in and linked to a player), ``Officer``, ``HostDep``; and the dependency
  functions ``current_actor``, ``require_actor``, ``require_member``, ``require_officer``,
  ``require_rank(level)`` for ``dependencies=[...]``.
- What the host owns for you: ``SessionDep`` (the request's database session, committed when
  the route returns, rolled back when it raises), ``SiteSettingsDep`` (officer-edited site
  settings), ``plugin_state("<plugin>")`` (the plugin's state object built by its manifest's
  ``state_factory``; alias it: ``StateDep = Annotated[MyState, Depends(plugin_state("me"))]``).
- All of these work on WebSocket routes too; a refusal there closes the socket with 1008 (an
  HTTP 403 on the upgrade before ``accept()``).
"""

from patt_host.web.auth import (
    ActorDep,
    HostDep,
    LoggedIn,
    Member,
    Officer,
    current_actor,
    require_actor,
    require_member,
    require_officer,
    require_rank,
)
from patt_host.web.deps import SessionDep, SiteSettingsDep, db_session, plugin_state
from patt_host.web.envelope import error, error_body, ok
from patt_host.web.limits import body_limit
from patt_host.web.templates import (
    csrf_token_for,
    human_time,
    render,
    render_fragment,
    rotate_csrf,
    static_url,
)

__all__ = [
    "ActorDep",
    "HostDep",
    "LoggedIn",
    "Member",
    "Officer",
    "SessionDep",
    "SiteSettingsDep",
    "body_limit",
    "csrf_token_for",
    "current_actor",
    "db_session",
    "error",
    "error_body",
    "human_time",
    "ok",
    "plugin_state",
    "render",
    "render_fragment",
    "require_actor",
    "require_member",
    "require_officer",
    "require_rank",
    "rotate_csrf",
    "static_url",
]
