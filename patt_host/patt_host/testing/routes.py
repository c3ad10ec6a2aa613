"""Every route of an app, for tests that walk the whole surface (security, generated input)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute


def app_routes(app: Any) -> list[BaseRoute]:
    """The app's routes, including those of routers it included (FastAPI keeps those nested)."""
    from patt_host.app import _walk_routes

    return _walk_routes(app.router)
