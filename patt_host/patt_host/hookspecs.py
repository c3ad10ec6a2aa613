"""Every hook a PATT plugin can implement.

Plugins write ``from patt_host import hookimpl`` and implement any of these with any
subset of the documented arguments (pass-by-keyword). An implementation may return a
value or an awaitable; the host awaits it. Host code never calls ``pm.hook`` directly:
it goes through :class:`patt_host.hooks.Hooks`. Each hook has a section in
``docs/plugins/hooks.md``.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("patt")
hookimpl = pluggy.HookimplMarker("patt")


# --- lifecycle -----------------------------------------------------------------------


@hookspec
def startup(host, app):
    """Called once when a process starts serving (web, worker or bot), after the database is ready."""


@hookspec
def shutdown(host, app):
    """Called once when the process stops; release what ``startup`` acquired."""


# --- web ------------------------------------------------------------------------------


@hookspec
def register_routers(host):
    """Return FastAPI ``APIRouter`` objects (or a list of them) for the app; route names get the plugin's prefix."""


@hookspec
def prepare_jinja2_environment(env, host):
    """Adjust the Jinja2 environment (filters, globals) after the host configured it."""


@hookspec
def extra_template_vars(request, template, context, host):
    """Return a dict of extra variables for rendering ``template``."""


@hookspec
def template_slot(slot, request, context, host):
    """Return HTML (str or Markup) to insert into the named slot of a page, or None."""


@hookspec
def menu_links(request, actor, host):
    """Return ``MenuLink`` objects for the main navigation, filtered for ``actor`` (may be None)."""


@hookspec
def admin_menu_links(request, actor, host):
    """Return ``MenuLink`` objects for the officers' admin sidebar."""


@hookspec
def admin_dashboard_items(request, actor, host):
    """Return ``DashboardItem`` counts for the officers' dashboard, each linking to where it is fixed."""


@hookspec
def authenticate(request, host):
    """Return the ``Actor`` behind ``request`` (cookie, bearer token, API key), or None if not recognised.

    ``request`` is a ``Request``, or a ``WebSocket`` for a WebSocket route: read only what both
    have (headers, cookies, ``client``, ``url``), never ``method`` or the body."""


@hookspec
def permissions(host):
    """Return ``Permission`` objects this plugin checks, so officers can see who may do what."""


@hookspec
def health_checks(host):
    """Return ``HealthCheck`` objects whose results appear in ``/api/health``."""


# --- events, jobs, bot, CLI -----------------------------------------------------------


@hookspec
def handle_event(event, host):
    """React to a domain event (``event.name`` such as ``member.joined``, ``roster.synced``)."""


@hookspec
def register_jobs(host):
    """Return ``Job`` objects this plugin can run in the background (name ``<plugin>.<fn>``)."""


@hookspec
def register_cron_jobs(host):
    """Return ``CronJob`` objects: a job plus a UTC cron schedule."""


@hookspec
def discord_intents(host):
    """Return a ``discord.Intents`` (or a dict of intent flags) this plugin's bot features need."""


@hookspec
def discord_cogs(bot, host):
    """Return discord.py ``Cog`` instances to attach to the bot; a failing plugin is skipped, not fatal."""


@hookspec
def register_commands(host):
    """Return a ``click.Group`` named after the plugin; it becomes ``patt <plugin> ...``."""


# --- data -----------------------------------------------------------------------------


@hookspec
def data_quality_rules(host):
    """Return data-quality rules (collected by the drift plugin)."""


@hookspec
def matching_rules(host):
    """Return identity matching rules (collected by the identity plugin's suggestion engine)."""


@hookspec
def schedule_summary(session, host):
    """Return a one-line summary of the guild's regular weekly schedule (``"Raids: Fridays and
    Saturdays at 21:00 (Europe/Paris)."``), or None; the first answer in call order wins."""


@hookspec
def export_member_data(session, player_id, host):
    """Return a JSON-able dict of everything this plugin stores about ``player_id``."""


@hookspec
def delete_member_data(session, player_id, host):
    """Delete or anonymise everything this plugin stores about ``player_id``; return a count."""


@hookspec
def adopt_steps(host):
    """Return ``sv_common.adopt.AdoptStep`` objects that carry this plugin's tables from a database
    of the original PATT system (``patt db adopt``), each run in its own transaction."""


@hookspec
def seed_demo_data(session, host):
    """Insert demo rows (used by ``patt demo`` on an empty database); return a short summary."""
