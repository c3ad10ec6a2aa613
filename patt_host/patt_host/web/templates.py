"""The Jinja2 environment the host controls, and ``render()`` for page routes.

Templates are addressed ``<plugin>/x.html``. Each plugin's folder is mounted under its
own prefix only, so no plugin can shadow core or another plugin's templates; a site
package's ``templates/<plugin>/x.html`` overrides (it is loaded first).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from markupsafe import Markup, escape

from patt_host.web.auth import current_actor
from sv_common.auth.constants import AUTH_COOKIE
from sv_common.auth.csrf import csrf_cookie_name, new_csrf_token, valid_csrf_token

if TYPE_CHECKING:
    from patt_host.host import Host


def human_time(value: Any, style: str = "absolute") -> Markup:
    """A ``<time>`` element: readable UTC text on the server, the viewer's zone after app.js.

    ``value`` is an aware datetime, a date, or an ISO string of either; ``style`` is
    ``"absolute"`` ("2 Dec 2026, 00:42") or ``"relative"`` ("5 minutes ago", the absolute time
    on hover). A date is a day on the calendar, not an instant: "Wed 2 Dec 2026", written in
    the viewer's language by app.js but never moved to another zone (a season starting on
    2 Dec starts on 2 Dec everywhere).
    """
    if value is None or value == "":
        return Markup("—")
    if isinstance(value, str):
        try:
            # "2026-12-02" is a date; anything longer carries a time.
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return Markup(escape(value))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        text = f"{value.day} {value:%b %Y, %H:%M} UTC"
    elif isinstance(value, date):
        text = f"{value:%a} {value.day} {value:%b %Y}"
        return Markup(f'<time class="js-time" data-style="date" datetime="{value.isoformat()}">{text}</time>')
    else:
        return Markup(escape(str(value)))
    style = "relative" if style == "relative" else "absolute"
    return Markup(f'<time class="js-time" data-style="{style}" datetime="{value.isoformat()}">{text}</time>')


def breakable(value: Any) -> Markup:
    """``value`` escaped, with a line-break chance (``<wbr>``) after each ``.``, ``_``, ``:`` and
    ``/``: a long identifier (``discord.deliver_notifications``) wraps there in a narrow column
    instead of widening its table (or breaking mid-word)."""
    return Markup(_BREAK_AFTER.sub(r"\1<wbr>", str(escape("" if value is None else value))))


_BREAK_AFTER = re.compile(r"([._:/])")


def build_environment(host: Host) -> Environment:
    prefixes = {
        lp.name: FileSystemLoader(str(lp.templates_dir / lp.name))
        for lp in host.plugins
        if lp.templates_dir is not None
    }
    loaders = []
    if host.site.templates_dir is not None:
        loaders.append(FileSystemLoader(str(host.site.templates_dir)))
    loaders.append(PrefixLoader(prefixes, delimiter="/"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        enable_async=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(site=host.site, static=static_url)
    env.filters["class_colour"] = lambda hex_colour: hex_colour or "#888888"
    env.filters["human_time"] = human_time
    env.filters["breakable"] = breakable
    host.hooks.prepare_jinja2_environment(env)
    return env


def static_url(plugin: str, path: str) -> str:
    return f"/static/plugins/{plugin}/{path.lstrip('/')}"


def csrf_token_for(request: Request) -> str:
    """This request's CSRF token (the cookie's, or a new one set on the response).

    The token is bound to the session cookie, so a token from before a login (or from
    another session) is replaced rather than reused.
    """
    token = getattr(request.state, "csrf_token", None)
    if token is None:
        host = request.app.state.host
        session_token = request.cookies.get(AUTH_COOKIE)
        token = request.cookies.get(csrf_cookie_name(host.settings.production))
        if not valid_csrf_token(host.secret, token, session_token):
            token = new_csrf_token(host.secret, session_token)
            request.state.csrf_new = True
        request.state.csrf_token = token
    return token


def _set_csrf(response, host: Any, token: str) -> None:
    response.set_cookie(
        csrf_cookie_name(host.settings.production),
        token,
        httponly=True,
        samesite="lax",
        secure=host.settings.production,
        path="/",
    )


def set_csrf_cookie(request: Request, response) -> None:
    if getattr(request.state, "csrf_new", False):
        _set_csrf(response, request.app.state.host, request.state.csrf_token)


def rotate_csrf(response, *, host: Any, session_token: str | None) -> str:
    """Give ``response`` a fresh CSRF cookie bound to the new session (call at login, when the
    session cookie changes); returns the token for a page rendered with it."""
    token = new_csrf_token(host.secret, session_token)
    _set_csrf(response, host, token)
    return token


async def render_fragment(request: Request, template: str, context: dict[str, Any] | None = None) -> Markup:
    """Render a partial template (no base layout) to HTML, e.g. for a ``template_slot``.

    The context is ``context`` plus ``request`` (and the environment's globals: ``site``,
    ``static``); the slot's page context is not inherited, pass what the fragment needs.
    """
    env: Environment = request.app.state.jinja
    html = await env.get_template(template).render_async({"request": request, **(context or {})})
    return Markup(html)


async def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page with the base context (actor, menus, slots, CSRF token, site)."""
    host = request.app.state.host
    env: Environment = request.app.state.jinja
    actor = await current_actor(request)
    ctx: dict[str, Any] = dict(context or {})

    def url_for(name: str, /, **params: Any) -> str:
        return str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))

    # Slot name -> plugins that already filled it, or filled a slot falling back to it, on
    # this page: each plugin fills a slot (with its fallbacks) once per page.
    filled: dict[str, set[str]] = {}

    async def slot(name: str, *fallbacks: str) -> Markup:
        """``{{ slot("home_quote", "home") }}``: what plugins put in ``home_quote``; a plugin
        that fills it is not asked again for ``home`` (its fallback) on the same page."""
        parts = await host.hooks.template_slot(name, request, ctx, skip=filled.get(name, set()))
        for plugin, _html in parts:
            for covered in (name, *fallbacks):
                filled.setdefault(covered, set()).add(plugin)
        return Markup("\n".join(html for _plugin, html in parts))

    menu = [link for link in await host.hooks.menu_links(request, actor) if link.visible_to(actor)]
    admin_menu = []
    if actor is not None and actor.rank_level >= host.officer_level:
        # One entry per page: plugins that share a host page (seasons) may each list it.
        admin_menu = list(
            {
                link.href: link
                for link in reversed(await host.hooks.admin_menu_links(request, actor))
                if link.visible_to(actor)
            }.values()
        )
    base = {
        "request": request,
        "actor": actor,
        "is_officer": actor is not None and actor.rank_level >= host.officer_level,
        "menu": sorted(menu, key=lambda link: (link.order, link.label)),
        "admin_menu": sorted(admin_menu, key=lambda link: (link.order, link.label)),
        # The section a page belongs to: /admin/raids/events/3 is under "Raids" (/admin/raids).
        "admin_section": _section(admin_menu, request.url.path),
        "csrf_token": csrf_token_for(request),
        "url_for": url_for,
        "slot": slot,
        "current_path": request.url.path,
        "bot_status": host.status.get("bot", "off"),
    }
    for key, value in base.items():
        ctx.setdefault(key, value)
    ctx.update(await host.hooks.extra_template_vars(request, template, ctx))
    html = await env.get_template(template).render_async(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    set_csrf_cookie(request, response)
    return response


def _section(links: list, path: str) -> str | None:
    """The href of the admin menu entry ``path`` is on or under (the longest such)."""
    # Prefixes count from two levels down: every admin page is under /admin (the dashboard).
    under = [
        link.href
        for link in links
        if path == link.href or (link.href.count("/") > 1 and path.startswith(link.href.rstrip("/") + "/"))
    ]
    return max(under, key=len, default=None)
