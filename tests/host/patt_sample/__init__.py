"""A plugin written only against patt_host's public API; it implements every hook.

The host tests use it to prove that each hook works through the public surface.
"""

from __future__ import annotations

import click
import discord
from discord.ext import commands
from fastapi import APIRouter, Request
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import delete, func, select

from patt_host import (
    CronJob,
    DashboardItem,
    HealthCheck,
    HealthResult,
    Job,
    MenuLink,
    Permission,
    hookimpl,
)
from patt_host.web import Officer, ok, render

CALLS: list[tuple[str, object]] = []


class SampleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_SAMPLE_")
    greeting: str = "hello"


class SampleCog(commands.Cog):
    def __init__(self) -> None:
        self.pings: list[str] = []

    @commands.Cog.listener()
    async def on_sample_ping(self, value: str) -> None:
        self.pings.append(value)


async def count_items(ctx, add: int = 0):
    """Count (and optionally add) sample items."""
    from patt_sample.models import SampleItem

    async with ctx.session() as session:
        for i in range(add):
            session.add(SampleItem(label=f"item-{i}"))
        await session.flush()
        total = await session.scalar(select(func.count()).select_from(SampleItem))
    ctx.count("items", total)
    return {"added": add}


COUNT_ITEMS = Job(count_items, description="Count (and optionally add) sample items")


async def fail(ctx):
    raise RuntimeError("sample failure")


class SamplePlugin:
    name = "sample"
    requires = ()
    settings_model = SampleSettings

    @hookimpl
    def startup(self, host, app):
        CALLS.append(("startup", app))

    @hookimpl
    async def shutdown(self, host):
        CALLS.append(("shutdown", None))

    @hookimpl
    def register_routers(self, host):
        router = APIRouter()

        @router.get("/sample/page", name="page")
        async def page(request: Request):
            return await render(
                request, "sample/page.html", {"greeting": host.plugin_settings("sample").greeting}
            )

        @router.get("/api/v1/sample/items", name="items")
        async def items():
            from patt_sample.models import SampleItem

            async with host.db.session() as session:
                rows = (await session.scalars(select(SampleItem).order_by(SampleItem.id))).all()
            return ok([{"id": r.id, "label": r.label} for r in rows])

        @router.post("/api/v1/sample/items", name="add_item", status_code=201)
        async def add_item(actor: Officer, body: dict):
            from patt_sample.models import SampleItem

            async with host.db.session() as session:
                item = SampleItem(label=str(body.get("label", "")))
                session.add(item)
                await session.flush()
                await host.emit("sample.item_added", item_id=item.id)
                return ok({"id": item.id, "label": item.label}, status_code=201)

        return router

    @hookimpl
    def prepare_jinja2_environment(self, env):
        env.filters["shout"] = lambda value: f"{value}!".upper()

    @hookimpl
    def extra_template_vars(self, template):
        return {"sample_template_name": template}

    @hookimpl
    async def template_slot(self, slot):
        if slot == "footer":
            return "<span id='sample-footer'>sample footer slot</span>"
        return None

    @hookimpl
    def menu_links(self):
        return [
            MenuLink("Sample", "/sample/page", order=50),
            MenuLink("Sample Officers", "/sample/page", min_rank_level=4),
        ]

    @hookimpl
    def admin_menu_links(self):
        return [MenuLink("Sample admin", "/sample/page", order=60)]

    @hookimpl
    async def admin_dashboard_items(self, actor):
        return [
            DashboardItem(
                "Sample items to review", 3, "/sample/page", severity="warn", detail=actor.display_name
            )
        ]

    @hookimpl
    def authenticate(self, request):
        # Test-only scheme: "X-Sample-User: name:rank". Real auth comes from the identity plugin.
        from sv_common.auth import Actor

        raw = request.headers.get("x-sample-user")
        if not raw:
            return None
        name, _, rank = raw.partition(":")
        return Actor(
            user_id=1, player_id=1, display_name=name, rank_level=int(rank or 0), auth_method="bearer"
        )

    @hookimpl
    def permissions(self):
        return [Permission("sample.add", 4, "Add sample items")]

    @hookimpl
    def health_checks(self):
        return [HealthCheck("items", lambda host: HealthResult("ok", "sample fine"))]

    @hookimpl
    def handle_event(self, event):
        CALLS.append(("event", event))

    @hookimpl
    def register_jobs(self):
        return [
            Job(fail, description="Always fails"),
            COUNT_ITEMS,
            Job(count_items, name="exclusive_count", exclusive=True),
        ]

    @hookimpl
    def register_cron_jobs(self):
        # The Job object, not the function: count_items is registered under two names.
        return [CronJob(COUNT_ITEMS, "*/15 * * * *")]

    @hookimpl
    def discord_intents(self):
        return {"members": True}

    @hookimpl
    def discord_cogs(self, bot):
        return [SampleCog()]

    @hookimpl
    def register_commands(self, host):
        @click.group(name="sample")
        def group():
            """Sample plugin commands."""

        @group.command()
        def hello():
            click.echo("hello from sample")

        @group.command()
        @click.argument("label")
        async def add(label):
            """Add an item (the host is open: its database is ready)."""
            from patt_sample.models import SampleItem
            from sv_common.errors import Conflict

            async with host.db.session() as session:
                if await session.scalar(select(SampleItem.id).where(SampleItem.label == label)):
                    raise Conflict(f"an item labelled {label!r} exists already")
                session.add(SampleItem(label=label))
            click.echo(f"added {label}")

        return group

    @hookimpl
    def data_quality_rules(self):
        return [{"name": "sample.rule"}]

    @hookimpl
    def matching_rules(self):
        return [{"name": "sample.match"}]

    @hookimpl
    async def schedule_summary(self, session):
        # Read in the caller's session: an item labelled "night:<when>" is a weekly night.
        from patt_sample.models import SampleItem

        labels = (
            await session.scalars(
                select(SampleItem.label).where(SampleItem.label.startswith("night:")).order_by(SampleItem.id)
            )
        ).all()
        if not labels:
            return None
        return "Sample nights: " + ", ".join(label.removeprefix("night:") for label in labels) + "."

    @hookimpl
    async def export_member_data(self, session, player_id):
        from patt_sample.models import SampleItem

        rows = (
            await session.scalars(select(SampleItem).where(SampleItem.owner_player_id == player_id))
        ).all()
        return {"items": [r.label for r in rows]}

    @hookimpl
    async def delete_member_data(self, session, player_id):
        from patt_sample.models import SampleItem

        result = await session.execute(delete(SampleItem).where(SampleItem.owner_player_id == player_id))
        return result.rowcount

    @hookimpl
    async def seed_demo_data(self, session):
        from patt_sample.models import SampleItem

        session.add(SampleItem(label="demo"))
        return "1 sample item"


__all__ = ["SamplePlugin", "CALLS", "discord"]
