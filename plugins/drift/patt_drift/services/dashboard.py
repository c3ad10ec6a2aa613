"""Drift's count on the officers' dashboard."""

from __future__ import annotations

from typing import Any

from patt_drift.services.findings import open_count
from patt_host import DashboardItem


async def dashboard_items(host: Any) -> list[DashboardItem]:
    async with host.db.session() as session:
        total, serious = await open_count(session)
    return [
        DashboardItem(
            "Open data-quality findings",
            total,
            "/admin/data-quality",
            severity=("warn" if serious else "info") if total else "ok",
            detail=f"{serious} warnings or errors" if total else "all clear",
            order=125,
        )
    ]
