"""reference seed: ranks, roles, classes, specializations

Revision ID: sv_common_0003
Revises: sv_common_0002
Create Date: 2026-11-22

Data migration. Ids are explicit so the seed is the same in every database; class ids
equal Blizzard's playable-class ids. Blizzard spec ids come from the playable-specialization
index (``shared/fixtures/blizzard``) plus the Evoker ids; Devourer's id is left NULL until
it is confirmed (roster sync fills specs by id, so a NULL only means "not matched by id").
Downgrade removes exactly these rows (a rank renamed by an officer is still removed by id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sv_common_0003"
down_revision: str | Sequence[str] | None = "sv_common_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (id, level, name, description, wow_rank_index, scheduling_weight)
RANKS = [
    (1, 1, "Initiate", "New member, proving reliability and social fit", 4, 0),
    (2, 2, "Member", "Regular attendee who engages with the guild", 3, 1),
    (3, 3, "Veteran", "Key performer, helps others, brings the guild together", 2, 3),
    (4, 4, "Officer", "Guild leadership team", 1, 5),
    (5, 5, "Guild Leader", "Guild master", 0, 5),
]

TANK, HEALER, MELEE, RANGED = 1, 2, 3, 4
ROLES = [(TANK, "Tank"), (HEALER, "Healer"), (MELEE, "Melee DPS"), (RANGED, "Ranged DPS")]

# (id = Blizzard class id, name, colour, wowhead suffix)
CLASSES = [
    (1, "Warrior", "#C69B6D", "warrior"),
    (2, "Paladin", "#F48CBA", "paladin"),
    (3, "Hunter", "#AAD372", "hunter"),
    (4, "Rogue", "#FFF468", "rogue"),
    (5, "Priest", "#FFFFFF", "priest"),
    (6, "Death Knight", "#C41E3A", "death-knight"),
    (7, "Shaman", "#0070DD", "shaman"),
    (8, "Mage", "#3FC7EB", "mage"),
    (9, "Warlock", "#8788EE", "warlock"),
    (10, "Monk", "#00FF98", "monk"),
    (11, "Druid", "#FF7C0A", "druid"),
    (12, "Demon Hunter", "#A330C9", "demon-hunter"),
    (13, "Evoker", "#33937F", "evoker"),
]

# class id -> [(spec name, default role, Blizzard spec id)]
SPECS = {
    6: [("Blood", TANK, 250), ("Frost", MELEE, 251), ("Unholy", MELEE, 252)],
    12: [("Havoc", MELEE, 577), ("Vengeance", TANK, 581), ("Devourer", RANGED, None)],
    11: [
        ("Balance", RANGED, 102),
        ("Feral", MELEE, 103),
        ("Guardian", TANK, 104),
        ("Restoration", HEALER, 105),
    ],
    13: [("Devastation", RANGED, 1467), ("Preservation", HEALER, 1468), ("Augmentation", RANGED, 1473)],
    3: [("Beast Mastery", RANGED, 253), ("Marksmanship", RANGED, 254), ("Survival", MELEE, 255)],
    8: [("Arcane", RANGED, 62), ("Fire", RANGED, 63), ("Frost", RANGED, 64)],
    10: [("Brewmaster", TANK, 268), ("Mistweaver", HEALER, 270), ("Windwalker", MELEE, 269)],
    2: [("Holy", HEALER, 65), ("Protection", TANK, 66), ("Retribution", MELEE, 70)],
    5: [("Discipline", HEALER, 256), ("Holy", HEALER, 257), ("Shadow", RANGED, 258)],
    4: [("Assassination", MELEE, 259), ("Outlaw", MELEE, 260), ("Subtlety", MELEE, 261)],
    7: [("Elemental", RANGED, 262), ("Enhancement", MELEE, 263), ("Restoration", HEALER, 264)],
    9: [("Affliction", RANGED, 265), ("Demonology", RANGED, 266), ("Destruction", RANGED, 267)],
    1: [("Arms", MELEE, 71), ("Fury", MELEE, 72), ("Protection", TANK, 73)],
}

guild_ranks = sa.table(
    "guild_ranks",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("level", sa.Integer),
    sa.column("description", sa.Text),
    sa.column("wow_rank_index", sa.Integer),
    sa.column("scheduling_weight", sa.Integer),
    schema="common",
)
roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("name", sa.String), schema="guild_identity")
classes = sa.table(
    "classes",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("color_hex", sa.String),
    sa.column("blizzard_class_id", sa.Integer),
    schema="guild_identity",
)
specializations = sa.table(
    "specializations",
    sa.column("id", sa.Integer),
    sa.column("class_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("default_role_id", sa.Integer),
    sa.column("wowhead_slug", sa.String),
    sa.column("blizzard_spec_id", sa.Integer),
    schema="guild_identity",
)


def _spec_rows() -> list[dict]:
    suffix = {class_id: slug for class_id, _name, _colour, slug in CLASSES}
    rows = []
    spec_id = 0
    for class_id, _name, _colour, _slug in CLASSES:
        for name, role_id, blizzard_id in SPECS[class_id]:
            spec_id += 1
            rows.append(
                {
                    "id": spec_id,
                    "class_id": class_id,
                    "name": name,
                    "default_role_id": role_id,
                    "wowhead_slug": f"{name.lower().replace(' ', '-')}-{suffix[class_id]}",
                    "blizzard_spec_id": blizzard_id,
                }
            )
    return rows


def _advance_sequence(qualified: str) -> None:
    op.execute(
        f"SELECT setval(pg_get_serial_sequence('{qualified}', 'id'), (SELECT MAX(id) FROM {qualified}))"
    )


def upgrade() -> None:
    op.bulk_insert(
        guild_ranks,
        [
            {
                "id": rid,
                "level": level,
                "name": name,
                "description": description,
                "wow_rank_index": wow_index,
                "scheduling_weight": weight,
            }
            for rid, level, name, description, wow_index, weight in RANKS
        ],
    )
    op.bulk_insert(roles, [{"id": rid, "name": name} for rid, name in ROLES])
    op.bulk_insert(
        classes,
        [
            {"id": cid, "name": name, "color_hex": colour, "blizzard_class_id": cid}
            for cid, name, colour, _slug in CLASSES
        ],
    )
    op.bulk_insert(specializations, _spec_rows())
    for qualified in (
        "common.guild_ranks",
        "guild_identity.roles",
        "guild_identity.classes",
        "guild_identity.specializations",
    ):
        _advance_sequence(qualified)


def downgrade() -> None:
    spec_ids = [row["id"] for row in _spec_rows()]
    op.execute(specializations.delete().where(specializations.c.id.in_(spec_ids)))
    op.execute(classes.delete().where(classes.c.id.in_([c[0] for c in CLASSES])))
    op.execute(roles.delete().where(roles.c.id.in_([r[0] for r in ROLES])))
    op.execute(guild_ranks.delete().where(guild_ranks.c.id.in_([r[0] for r in RANKS])))
