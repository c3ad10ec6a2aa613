"""The identity plugin's manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_host import Job, MenuLink, Permission, hookimpl
from patt_identity.config import IdentitySettings
from patt_identity.state import IdentityState


class IdentityPlugin:
    name = "identity"
    requires = ()
    settings_model = IdentitySettings
    state_factory = IdentityState

    @hookimpl
    def register_routers(self, host):
        from patt_identity.admin import api as admin_api
        from patt_identity.admin import pages as admin_pages
        from patt_identity.auth import api as auth_api
        from patt_identity.auth import pages as auth_pages
        from patt_identity.matching import api as matching_api
        from patt_identity.matching import pages as matching_pages
        from patt_identity.players import api as players_api
        from patt_identity.players import pages as players_pages
        from patt_identity.roster import api as roster_api
        from patt_identity.roster import pages as roster_pages

        return [
            auth_api.build_router(),
            auth_pages.build_router(),
            auth_pages.build_reset_router(),
            players_pages.build_router(),
            roster_pages.build_router(),
            roster_api.build_router(),
            players_api.me_router(),
            players_pages.manager_router(),
            admin_pages.build_router(),
            matching_pages.build_router(),
            players_api.players_router(),
            admin_api.reference_router(),
            matching_api.matching_router(),
        ]

    @hookimpl
    async def authenticate(self, request, host):
        from patt_identity.auth.services.accounts import authenticate_token
        from patt_identity.deps import token_from_request

        return await authenticate_token(host, *token_from_request(request))

    @hookimpl
    def prepare_jinja2_environment(self, env):
        from patt_identity.roster.services.query import class_slug

        env.filters["class_slug"] = class_slug

    @hookimpl
    def menu_links(self):
        return [
            MenuLink("Roster", "/roster", order=20),
            MenuLink("Profile", "/profile", order=800, min_rank_level=0),
            MenuLink("Log in", "/login", order=950, anonymous_only=True),
            MenuLink("Register", "/register", order=960, anonymous_only=True),
        ]

    @hookimpl
    async def template_slot(self, slot, request, context, host):
        # Logging out is a CSRF-protected POST, so the nav gets a small form, not a link.
        from patt_identity.deps import logout_form
        from patt_identity.roster.pages import HOME_SLOTS, home_slot

        if slot == "nav" and context.get("actor") is not None:
            return logout_form(context.get("csrf_token", ""))
        if slot in HOME_SLOTS:
            return await home_slot(slot, request, host)
        return None

    @hookimpl
    def admin_menu_links(self):
        return [
            MenuLink("Players", "/admin/players", order=100),
            MenuLink("Ranks & reference", "/admin/ranks", order=110),
            MenuLink("Invites", "/admin/invites", order=120),
            MenuLink("Matching", "/admin/matching", order=130),
        ]

    @hookimpl
    async def admin_dashboard_items(self, host):
        from patt_identity.admin.services.dashboard import dashboard_items

        async with host.db.session() as session:
            return await dashboard_items(session)

    @hookimpl
    def permissions(self, host):
        level = host.officer_level
        return [
            Permission("identity.manage_players", level, "Create, link, rename and deactivate players"),
            Permission("identity.manage_ranks", level, "Edit ranks and their WoW/Discord mapping"),
            Permission("identity.invite", level, "Create and revoke invite codes"),
            Permission("identity.matching", level, "Run matching and apply or reject suggestions"),
        ]

    @hookimpl
    def handle_event(self, event, host):
        from patt_identity.services.events import ROSTER_EVENTS

        if event.name in ROSTER_EVENTS:
            host.plugin_state("identity").roster.invalidate()

    @hookimpl
    def register_jobs(self):
        return [
            Job(
                "patt_identity.jobs:run_matching",
                description="Suggest character/Discord links (identity matching)",
                exclusive=True,
                kwargs_model="patt_identity.schemas:MatchingKwargs",
            )
        ]

    @hookimpl
    def register_commands(self, host):
        from patt_identity.cli import build_group

        return build_group(host)

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_identity.member_data import export_identity

        return await export_identity(session, player_id)

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_identity.member_data import delete_identity

        return await delete_identity(session, player_id)

    @hookimpl
    def adopt_steps(self):
        from patt_identity.adopt import steps

        return steps()

    @hookimpl
    async def seed_demo_data(self, session, host):
        from patt_identity.demo import seed_demo_guild

        return await seed_demo_guild(session, host)
