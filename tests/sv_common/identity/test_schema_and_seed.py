"""The sv_common lineage: models and migrations agree; the reference seed is complete."""

import asyncio
import json
import os
from pathlib import Path

from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host import dbmigrate
from sv_common.identity.models import GuildRank, Role, Specialization, WowClass

BLIZZARD_FIXTURES = Path("/work/shared/fixtures/blizzard")


def _is_expression_index(diff) -> bool:
    """Alembic cannot reflect functional indexes (lower(name)) faithfully; those diffs are noise."""
    if not isinstance(diff, tuple) or diff[0] not in ("add_index", "remove_index"):
        return False
    return any(not hasattr(expr, "name") or expr.name is None for expr in diff[1].expressions)


async def test_sv_common_models_match_the_migrations(patt_database):
    dbmigrate.load_metadata(dbmigrate.core_lineages())  # every core table known, so none looks foreign
    lineages = [lin for lin in dbmigrate.core_lineages() if lin.name == "sv_common"]
    diffs = await asyncio.to_thread(dbmigrate.compare, patt_database.url, lineages)
    tolerated = [d for d in diffs if _is_expression_index(d)]
    # Only the case-insensitive character index may differ, and only as a reflection artefact.
    assert {d[1].name for d in tolerated} <= {"uq_wow_characters_name_realm_ci"}
    assert [d for d in diffs if d not in tolerated] == []


async def test_ranks_are_seeded(db):
    async with db.session() as s:
        rows = (await s.scalars(select(GuildRank).order_by(GuildRank.level))).all()
    assert [(r.level, r.wow_rank_index, r.scheduling_weight) for r in rows] == [
        (1, 4, 0),
        (2, 3, 1),
        (3, 2, 3),
        (4, 1, 5),
        (5, 0, 5),
    ]
    assert all(r.description and r.discord_role_id is None for r in rows)


async def test_classes_specs_and_roles_are_seeded(db):
    async with db.session() as s:
        roles = {r.id: r.name for r in (await s.scalars(select(Role))).all()}
        classes = {c.id: c for c in (await s.scalars(select(WowClass))).all()}
        specs = (await s.scalars(select(Specialization))).all()
    assert sorted(roles.values()) == ["Healer", "Melee DPS", "Ranged DPS", "Tank"]
    assert len(classes) == 13 and sorted(c.blizzard_class_id for c in classes.values()) == list(range(1, 14))
    assert all(c.color_hex and len(c.color_hex) == 7 for c in classes.values())
    assert len(specs) == 40
    by_name = {(classes[s.class_id].name, s.name): s for s in specs}
    devourer = by_name[("Demon Hunter", "Devourer")]
    assert (
        roles[devourer.default_role_id] == "Ranged DPS" and devourer.wowhead_slug == "devourer-demon-hunter"
    )
    assert {
        by_name[("Evoker", n)].blizzard_spec_id for n in ("Devastation", "Preservation", "Augmentation")
    } == {
        1467,
        1468,
        1473,
    }
    assert by_name[("Druid", "Balance")].wowhead_slug == "balance-druid"
    assert by_name[("Hunter", "Beast Mastery")].wowhead_slug == "beast-mastery-hunter"
    assert roles[by_name[("Monk", "Brewmaster")].default_role_id] == "Tank"


async def test_seed_ids_agree_with_blizzard(db):
    def body(name):
        exchange = json.loads((BLIZZARD_FIXTURES / name).read_text())["exchanges"][0]
        data = exchange["body"]
        return json.loads(data) if isinstance(data, str) else data

    blizzard_classes = {c["id"]: c["name"] for c in body("wow_playable_class_all.json")["classes"]}
    blizzard_specs = {
        s["id"]: s["name"] for s in body("wow_playable_spec_all.json")["character_specializations"]
    }
    async with db.session() as s:
        classes = {c.blizzard_class_id: c.name for c in (await s.scalars(select(WowClass))).all()}
        specs = {sp.blizzard_spec_id: sp.name for sp in (await s.scalars(select(Specialization))).all()}
    assert all(classes[cid] == name for cid, name in blizzard_classes.items())
    assert all(specs[sid] == name for sid, name in blizzard_specs.items())


SEEDED_TABLES = (
    "common.guild_ranks",
    "guild_identity.roles",
    "guild_identity.classes",
    "guild_identity.specializations",
)


async def _seed_counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {t: await conn.scalar(select(func.count()).select_from(text(t))) for t in SEEDED_TABLES}
    finally:
        await engine.dispose()


async def test_seed_downgrade_removes_exactly_the_seed(patt_postgres):
    url = await patt_postgres.create_database(f"patt_test_{os.getpid()}_seed")
    try:
        config = dbmigrate.make_config(url, dbmigrate.core_lineages())
        await asyncio.to_thread(command.upgrade, config, "sv_common_0003")
        assert await _seed_counts(url) == dict(zip(SEEDED_TABLES, (5, 4, 13, 40), strict=True))

        engine = create_async_engine(url)
        async with engine.begin() as conn:  # an officer adds a rank of their own
            await conn.execute(text("INSERT INTO common.guild_ranks (name, level) VALUES ('Raider', 10)"))
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, config, "sv_common_0002")
        assert await _seed_counts(url) == dict(zip(SEEDED_TABLES, (1, 0, 0, 0), strict=True))
    finally:
        await patt_postgres.drop_database(f"patt_test_{os.getpid()}_seed")
