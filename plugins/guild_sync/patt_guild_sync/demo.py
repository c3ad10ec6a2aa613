"""Demo data through the real sync path: ``patt demo`` fills the guild from an in-process fake
Battle.net with the guild_sync job itself, then applies notes through the addon upload
service, then lets identity link the characters to its demo players.

While the demo serves, the same fake runs in its process and is the configured Blizzard
source (:func:`start_demo_battlenet`): the sync page, the Jobs page and "Sync now" tell
the story the seeded data tells. Other plugins reach Blizzard through guild_sync's state
(``blizzard_settings()``, ``blizzard_client()``), which points at the fake in the demo.

What drift's demo shows about Blizzard's side (a main away for weeks, an offspec that left)
is in the fake too (:data:`AWAY_MAIN`, :func:`departed_characters`), so a sync keeps those
findings true instead of reverting them.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import AsyncIterator, Collection
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.models import SOURCE_BLIZZARD, SyncLog
from patt_guild_sync.services.control import JOB_NAME
from patt_guild_sync.services.upload import apply_upload, validate_upload
from patt_host.jobs import run_job
from patt_identity.demo import demo_plan, demo_realm, link_demo_characters
from sv_common.identity.models import Specialization, WowClass
from sv_common.testing.fake_battlenet import FakeBattleNet

if TYPE_CHECKING:
    from patt_host import HostAPI


DEMO_GUILD_SLUG = "demo-guild"
HOUR_MS = 3_600_000
# The alts (by position among all alts) that have been away for weeks: a live guild has a few;
# everyone else played in the last days.
AWAY_ALTS = {7: 38, 19: 55}  # alt position -> days since the last login
# What happened since the demo guild's first sync, told by the fake Battle.net itself so every
# later sync (the seed's, "Sync now", the schedule) keeps it true and drift's findings stand:
# a main away for six weeks (this player, from the end of the plan) ...
AWAY_MAIN = (-3, 42)  # (player position, days since the last login)


def departed_characters(plan) -> list[str]:
    """... and the offspec of the plan's last player with one: in the guild at the first sync,
    gone since (the seed's second sync records the departure; the fake no longer lists it, so
    every later sync agrees)."""
    with_offspec = [p for p in plan.players if len(p.characters) > 1]
    return [with_offspec[-1].characters[1].name] if with_offspec else []


def demo_last_logins(plan, now_ms: int) -> dict[str, int]:
    """When each demo character last logged in (epoch ms), relative to ``now_ms`` and the same
    every time for the same moment: mains and newcomers within the last three days, alts within
    the last two weeks, the :data:`AWAY_ALTS` and the :data:`AWAY_MAIN` weeks ago."""
    rng = random.Random(20_25)
    logins: dict[str, int] = {}
    alt_position = 0
    for player in plan.players:
        main, *alts = player.characters
        logins[main.name] = now_ms - rng.randint(1, 72) * HOUR_MS
        for alt in alts:
            days = AWAY_ALTS.get(alt_position)
            hours = days * 24 if days else rng.randint(2, 14 * 24)
            logins[alt.name] = now_ms - hours * HOUR_MS
            alt_position += 1
    for newcomer in plan.newcomers:
        logins[newcomer.name] = now_ms - rng.randint(1, 48) * HOUR_MS
    position, days = AWAY_MAIN
    logins[plan.players[position].characters[0].name] = now_ms - days * 24 * HOUR_MS
    return logins


async def _add_members(
    session: AsyncSession, fake: FakeBattleNet, plan, realm: str, names: Collection[str] | None = None
) -> None:
    """Put the plan's characters (only ``names`` when given) in the fake's demo guild."""
    blizzard_class = dict((await session.execute(select(WowClass.id, WowClass.blizzard_class_id))).all())
    blizzard_spec = dict(
        (await session.execute(select(Specialization.id, Specialization.blizzard_spec_id))).all()
    )
    # A live guild: recent logins relative to now (the fake's default is a fixed 2023 date, which
    # made every demo character "inactive" and every crafter "seen 3 years ago").
    logins = demo_last_logins(plan, int(time.time() * 1000))
    for character in plan.characters():
        if names is not None and character.name not in names:
            continue
        fake.add_member(
            realm,
            DEMO_GUILD_SLUG,
            character.name,
            class_id=blizzard_class.get(character.class_id) or character.class_id,
            spec_id=blizzard_spec.get(character.spec_id),
            rank=character.rank_index,
            item_level=character.item_level,
            last_login_ms=logins[character.name],
        )


async def _fake_guild(session: AsyncSession, plan, realm: str, title: str) -> FakeBattleNet:
    """The demo guild as Battle.net has it now: the plan without :func:`departed_characters`."""
    fake = FakeBattleNet(rate_limit=None)
    fake.add_guild(realm, DEMO_GUILD_SLUG, title, realm.replace("-", " ").title())
    departed = set(departed_characters(plan))
    await _add_members(
        session, fake, plan, realm, [c.name for c in plan.characters() if c.name not in departed]
    )
    return fake


def _pointing_at(fake: FakeBattleNet, realm: str) -> dict[str, Any]:
    """The settings that make every Blizzard sync call ``fake`` for the demo guild."""
    return {
        "blizzard_client_id": fake.client_id,
        "blizzard_client_secret": SecretStr(fake.client_secret),
        "blizzard_api_url": fake.base_url,
        "blizzard_oauth_url": fake.oauth_url,
        "guild_realm_slug": realm,
        "guild_name_slug": DEMO_GUILD_SLUG,
    }


@contextlib.asynccontextmanager
async def demo_battlenet(session: AsyncSession, host: HostAPI) -> AsyncIterator[tuple[FakeBattleNet, str]]:
    """An in-process fake Battle.net serving the demo guild, with every Blizzard sync pointed
    at it for the block (guild_sync's state: the roster sync, and the plugins that call
    Blizzard through it, such as crafting). Yields the fake and the realm slug; the one
    `patt demo` serves (:func:`start_demo_battlenet`) when there is one."""
    state = host.plugin_state("guild_sync")
    realm = demo_realm(host)
    if state.served_battlenet is not None:
        yield state.served_battlenet, realm
        return
    plan = await demo_plan(session)
    fake = await _fake_guild(session, plan, realm, host.site.title)
    await fake.start()
    try:
        with state.settings_overridden(**_pointing_at(fake, realm)):
            yield fake, realm
    finally:
        await fake.stop()


async def start_demo_battlenet(host: HostAPI) -> FakeBattleNet | None:
    """``patt demo`` serving: start the demo guild's fake Battle.net in this process and make it
    guild_sync's Blizzard source until :func:`stop_demo_battlenet`. A real configuration
    (BLIZZARD_* set) is left alone."""
    state = host.plugin_state("guild_sync")
    if state.settings.configured:
        return None
    realm = demo_realm(host)
    async with host.db.session() as session:
        fake = await _fake_guild(session, await demo_plan(session), realm, host.site.title)
    await fake.start()
    state.settings = state.settings.model_copy(update=_pointing_at(fake, realm))
    state.served_battlenet = fake
    return fake


async def stop_demo_battlenet(host: HostAPI) -> None:
    state = host.plugin_state("guild_sync")
    fake, state.served_battlenet = state.served_battlenet, None
    if fake is not None:
        await fake.stop()


async def seed_demo_sync(session: AsyncSession, host: HostAPI) -> str | None:
    synced = await session.scalar(
        select(func.count()).select_from(SyncLog).where(SyncLog.source == SOURCE_BLIZZARD)
    )
    if synced:
        return f"demo guild already synced ({synced} runs)"
    plan = await demo_plan(session)
    departed = departed_characters(plan)
    async with demo_battlenet(session, host) as (fake, realm):
        # The first sync: the guild as it was, the departed still in it ...
        await _add_members(session, fake, plan, realm, departed)
        run = await run_job(host, JOB_NAME, trigger="demo", triggered_by="patt demo")
        # ... then they leave, and the next sync records it as it records any departure (before
        # this session writes to the characters: the sync's own session would wait on it).
        for name in departed:
            fake.remove_member(realm, DEMO_GUILD_SLUG, name)
        since = await run_job(host, JOB_NAME, trigger="demo", triggered_by="patt demo")
    if run.status != "succeeded":
        return f"demo sync failed: {(run.error or '').strip().splitlines()[-1:]}"
    # Guild notes arrive the way the companion sends them.
    body = {
        "characters": [{"name": c.name, "realm": realm, "guild_note": c.note} for c in plan.characters()],
        "addon_version": "demo",
        "uploaded_by": "patt demo",
    }
    envelope, entries = validate_upload(body, max_characters=len(body["characters"]))
    report = await apply_upload(session, envelope, entries, key_id=None, default_realm=realm)
    # The departed are linked too: their player's offspec is gone from the guild.
    linked = await link_demo_characters(session, plan, realm)
    counts = run.counts or {}
    left = (since.counts or {}).get("removed", 0)
    return (
        f"synced {counts.get('found', 0)} characters from an in-process fake Battle.net "
        f"({counts.get('requests', 0)} requests), {report.count('updated')} notes uploaded, {linked} linked; "
        f"a second sync: {left} left the guild since"
    )
