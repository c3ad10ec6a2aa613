"""Demo data: a few everyday drifts on the demo guild, then a real scan, so the Data Quality
page shows what the rules find (the demo guild's unlinked newcomers are found as they are)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_drift.models import AuditSnapshot
from patt_drift.services.scan import scan
from sv_common.identity.models import DiscordUser, Player, PlayerCharacter, WowCharacter

DAY_MS = 86_400_000
AWAY_DAYS = 42


async def _drift_the_guild(session: AsyncSession, *, battlenet: bool) -> list[str]:
    """What happens to a real guild between two officer visits (each step only if it can apply).

    With guild_sync (``battlenet``) the Blizzard side of the story is the demo's fake
    Battle.net's (guild_sync's demo: an offspec that left, a main away six weeks), so every
    sync keeps it true; here it is only named. Without it the database is the only truth, and
    those steps are made here."""
    done = []
    players = (
        await session.execute(
            select(
                Player.id,
                Player.display_name,
                Player.main_character_id,
                Player.offspec_character_id,
                Player.discord_user_id,
            )
            .where(Player.is_active.is_(True), Player.main_character_id.is_not(None))
            .order_by(Player.id)
        )
    ).all()
    if len(players) < 6:
        return done
    cutoff = int(time.time() * 1000) - AWAY_DAYS * DAY_MS
    if battlenet:
        left = await session.scalar(
            select(func.count())
            .select_from(Player)
            .join(WowCharacter, WowCharacter.id == Player.offspec_character_id)
            .where(WowCharacter.removed_at.is_not(None))
        )
        away = await session.scalar(
            select(func.count())
            .select_from(Player)
            .join(WowCharacter, WowCharacter.id == Player.main_character_id)
            .where(WowCharacter.last_login_timestamp <= cutoff + DAY_MS, WowCharacter.removed_at.is_(None))
        )
        done += ["an offspec left the guild"] * bool(left) + ["a main has been away six weeks"] * bool(away)
    else:
        # An offspec character left the guild (removed_main; the player keeps their main, so
        # the roster still lists them).
        with_offspec = [p for p in players if p.offspec_character_id is not None]
        if with_offspec:
            await session.execute(
                update(WowCharacter)
                .where(WowCharacter.id == with_offspec[-1].offspec_character_id)
                .values(removed_at=func.now())
            )
            done.append("an offspec left the guild")
        # Someone has not logged in for six weeks (stale_character).
        await session.execute(
            update(WowCharacter)
            .where(WowCharacter.id == players[-3].main_character_id)
            .values(last_login_timestamp=cutoff, addon_last_seen=None)
        )
        done.append("a main has been away six weeks")
    # An alt's note now names another player (note_mismatch: a proposed move, never applied
    # alone). Notes come from the addon, never from Blizzard: a sync leaves it.
    alt = players[-2].main_character_id
    await session.execute(
        update(WowCharacter).where(WowCharacter.id == alt).values(guild_note=f"{players[2].display_name} alt")
    )
    done.append("a note names another player")
    # A linked Discord account left the server (stale_discord_link; the demo's fake Discord is
    # built from the present accounts, so its member sync agrees).
    linked = [p for p in players[3:-3] if p.discord_user_id is not None]
    if linked:
        await session.execute(
            update(DiscordUser).where(DiscordUser.id == linked[0].discord_user_id).values(is_present=False)
        )
        done.append("a Discord account left")
    return done


async def seed_demo_findings(session: AsyncSession, host: Any) -> str:
    # Once: a scan chained after the demo's roster sync may already have stored findings.
    if await session.scalar(
        select(func.count()).select_from(AuditSnapshot).where(AuditSnapshot.source == "demo")
    ):
        return "findings already present"
    linked = await session.scalar(select(func.count()).select_from(PlayerCharacter))
    battlenet = host.has_plugin("guild_sync")
    drifted = await _drift_the_guild(session, battlenet=battlenet) if linked else []
    await session.flush()
    state = host.plugin_state("drift")
    report = await scan(session, state.registry, state.context(), source="demo")
    found = {name: c.open for name, c in report.rules.items() if c.open}
    what = ", ".join(f"{n} {c}" for n, c in found.items()) or "none"
    return f"{'; '.join(drifted) or 'guild as seeded'} -> findings: {what}"
