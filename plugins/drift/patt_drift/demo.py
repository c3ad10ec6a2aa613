"""Demo data: run the rules over the demo guild, so the page shows what they really find."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from patt_drift.services.scan import scan


async def seed_demo_findings(session: AsyncSession, host: Any) -> str:
    state = host.plugin_state("drift")
    report = await scan(session, state.registry, state.context(), source="demo")
    found = {name: c.open for name, c in report.rules.items() if c.open}
    return "findings: " + (", ".join(f"{n} {c}" for n, c in found.items()) or "none")
