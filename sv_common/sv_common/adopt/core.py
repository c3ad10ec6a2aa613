"""Adopt steps for sv_common's tables: ranks, users, Discord, characters, players and their
links, invites, raid seasons. Ids are kept, so every reference in later steps still holds.

Reference rows (classes, specializations, roles) are the platform's own seed: the original's
ids are mapped to them by name.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sv_common.adopt import AdoptStep, Original, Skipped, StepReport, advance_sequence, carry, count, missing


def _class_id(o: Original, column: str) -> str:
    return (
        f"(SELECT nc.id FROM guild_identity.classes nc JOIN {o.table('guild_identity.classes')} oc "
        f"ON lower(oc.name) = lower(nc.name) WHERE oc.id = {column})"
    )


def _spec_id(o: Original, column: str) -> str:
    return (
        f"(SELECT ns.id FROM guild_identity.specializations ns "
        f"JOIN guild_identity.classes nc ON nc.id = ns.class_id "
        f"JOIN {o.table('guild_identity.specializations')} os ON lower(os.name) = lower(ns.name) "
        f"JOIN {o.table('guild_identity.classes')} oc ON oc.id = os.class_id AND lower(oc.name) = lower(nc.name) "
        f"WHERE os.id = {column})"
    )


async def ranks(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    source = o.table("common.guild_ranks")
    if not await count(conn, f"SELECT count(*) FROM {source}"):
        report.convert("the original has no ranks: the platform's default ranks stay")
        return
    # The platform's seeded ranks give what the original lacks (in-game index, scheduling weight).
    await conn.execute(
        text("CREATE TEMP TABLE adopt_seeded_ranks ON COMMIT DROP AS SELECT * FROM common.guild_ranks")
    )
    await conn.execute(text("DELETE FROM common.guild_ranks"))
    for column in ("wow_rank_index", "scheduling_weight"):
        if not o.has("common.guild_ranks", column):
            report.add(f"common.guild_ranks.{column}: the platform's default for the rank's level")
    await carry(
        conn,
        report,
        "common.guild_ranks",
        f"""
        SELECT o.id, o.name, o.level,
               CASE WHEN row_number() OVER (PARTITION BY o.discord_role_id ORDER BY o.level DESC, o.id) = 1
                    THEN o.discord_role_id END AS discord_role_id,
               COALESCE({o.col("common.guild_ranks", "wow_rank_index")}, s.wow_rank_index) AS wow_rank_index,
               COALESCE({o.col("common.guild_ranks", "scheduling_weight")}, s.scheduling_weight, 0)
                 AS scheduling_weight,
               o.description, COALESCE(o.created_at, now()) AS created_at,
               COALESCE(o.updated_at, now()) AS updated_at,
               o.id AS _key, NULL::text AS _reason
        FROM {source} o LEFT JOIN adopt_seeded_ranks s ON s.level = o.level
        """,
    )
    shared = await count(
        conn,
        f"SELECT count(*) - count(DISTINCT discord_role_id) FROM {source} WHERE discord_role_id IS NOT NULL",
    )
    report.convert(
        "a Discord role id shared by several ranks stays on the highest of them (one role per rank)", shared
    )


async def users(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    report.add(
        "common.users.token_version = 0, last_login_at = NULL (bcrypt hashes are kept: old passwords log in)"
    )
    await carry(
        conn,
        report,
        "common.users",
        f"""
        SELECT o.id, o.email, o.phone, o.password_hash, COALESCE(o.is_active, true) AS is_active,
               COALESCE(o.created_at, now()) AS created_at, COALESCE(o.updated_at, now()) AS updated_at,
               o.id AS _key,
               CASE WHEN o.password_hash IS NULL OR o.password_hash = '' THEN 'no password hash' END AS _reason
        FROM {o.table("common.users")} o
        """,
    )


async def discord(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    report.add("guild_identity.discord_users.role_ids = NULL (filled by the next member sync)")
    await carry(
        conn,
        report,
        "guild_identity.discord_users",
        f"""
        SELECT o.id, o.discord_id, o.username, o.display_name, o.highest_guild_role, o.all_guild_roles,
               o.joined_server_at, o.last_sync, COALESCE(o.is_present, true) AS is_present, o.removed_at,
               COALESCE(o.first_seen, now()) AS first_seen, o.id AS _key, NULL::text AS _reason
        FROM {o.table("guild_identity.discord_users")} o
        """,
    )
    if o.has("guild_identity.discord_channels"):
        await carry(
            conn,
            report,
            "guild_identity.discord_channels",
            f"""
            SELECT o.id, o.discord_channel_id, o.name, o.channel_type, o.category_name,
                   COALESCE(o.position, 0) AS position, COALESCE(o.is_nsfw, false) AS is_nsfw,
                   COALESCE(o.is_public, true) AS is_public, COALESCE(o.synced_at, now()) AS synced_at,
                   o.id AS _key, NULL::text AS _reason
            FROM {o.table("guild_identity.discord_channels")} o
            """,
        )
    config = o.table("common.discord_config")
    if o.has("common.discord_config"):
        row = f"(SELECT * FROM {config} ORDER BY id LIMIT 1) o"
        await conn.execute(text("DELETE FROM common.discord_config"))
        await carry(
            conn,
            report,
            "common.discord_config",
            f"""
            SELECT o.id, o.guild_discord_id, COALESCE(o.role_sync_interval_hours, 24) AS role_sync_interval_hours,
                   o.default_announcement_channel_id,
                   {o.col("common.discord_config", "audit_channel_id")} AS audit_channel_id,
                   o.last_role_sync_at,
                   COALESCE({o.col("common.discord_config", "bot_dm_enabled")}, false) AS bot_dm_enabled,
                   COALESCE({o.col("common.discord_config", "feature_invite_dm")}, false) AS feature_invite_dm,
                   COALESCE({o.col("common.discord_config", "feature_onboarding_dm")}, false)
                     AS feature_onboarding_dm,
                   COALESCE(o.created_at, now()) AS created_at, COALESCE(o.updated_at, now()) AS updated_at,
                   o.id AS _key, NULL::text AS _reason
            FROM {row}
            """,
        )
        report.add(
            "common.discord_config.role_sync_mode = 'off' (an officer turns role sync on deliberately)"
        )
        extra = await count(conn, f"SELECT greatest(count(*) - 1, 0) FROM {config}")
        if extra:
            report.convert("only the first discord_config row is kept (the platform has one)", extra)


async def characters(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    source = o.table("guild_identity.wow_characters")
    links = o.table("guild_identity.player_characters")
    report.add(
        "guild_identity.wow_characters.blizzard_character_id, wow_rank_index = NULL (the next roster sync)"
    )
    # The original's uniqueness was case-sensitive; the platform's is not. Of names that differ
    # only in case the linked, present, lowest-id character stays.
    await carry(
        conn,
        report,
        "guild_identity.wow_characters",
        f"""
        SELECT o.id, o.character_name, o.realm_slug, o.realm_name,
               {_class_id(o, "o.class_id")} AS class_id, {_spec_id(o, "o.active_spec_id")} AS active_spec_id,
               o.level, o.item_level, o.guild_rank_id, o.last_login_timestamp, o.guild_note, o.officer_note,
               o.addon_last_seen, o.blizzard_last_sync, o.addon_last_sync,
               COALESCE(o.first_seen, now()) AS first_seen, o.removed_at,
               o.character_name || '-' || o.realm_slug || ' #' || o.id AS _key,
               CASE WHEN row_number() OVER (
                      PARTITION BY lower(o.character_name), lower(o.realm_slug)
                      ORDER BY (EXISTS (SELECT 1 FROM {links} l WHERE l.character_id = o.id)) DESC,
                               (o.removed_at IS NULL) DESC, o.id) > 1
                    THEN 'same name and realm as another character (differs only in case); that one is kept'
                    WHEN {missing("common.guild_ranks", "o.guild_rank_id")} THEN 'its rank was not carried'
               END AS _reason
        FROM {source} o
        """,
    )
    unmapped = await count(
        conn,
        f"SELECT count(*) FROM {source} o WHERE (o.class_id IS NOT NULL AND {_class_id(o, 'o.class_id')} IS NULL) "
        f"OR (o.active_spec_id IS NOT NULL AND {_spec_id(o, 'o.active_spec_id')} IS NULL)",
    )
    report.convert("class and spec ids mapped to the platform's by name")
    report.convert("a class or spec the platform does not know is left empty", unmapped)


async def players(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    source = o.table("guild_identity.players")
    p = "guild_identity.players"
    chars = "guild_identity.wow_characters"
    if not o.has(p, "timezone"):
        report.add("guild_identity.players.timezone = 'UTC' (the original had no time zone)")
    await carry(
        conn,
        report,
        p,
        f"""
        SELECT o.id,
               CASE WHEN COALESCE(o.is_active, true) AND row_number() OVER (
                         PARTITION BY lower(o.display_name), COALESCE(o.is_active, true) ORDER BY o.id) > 1
                    THEN left(o.display_name, 88) || ' (#' || o.id || ')' ELSE o.display_name END AS display_name,
               CASE WHEN {missing("guild_identity.discord_users", "o.discord_user_id")} THEN NULL
                    ELSE o.discord_user_id END AS discord_user_id,
               CASE WHEN {missing("common.users", "o.website_user_id")} THEN NULL ELSE o.website_user_id END
                 AS website_user_id,
               o.guild_rank_id, o.guild_rank_source,
               CASE WHEN o.guild_rank_source = 'admin_override' THEN o.guild_rank_id END AS rank_override_id,
               CASE WHEN {missing(chars, "o.main_character_id")} THEN NULL ELSE o.main_character_id END
                 AS main_character_id,
               {_spec_id(o, "o.main_spec_id")} AS main_spec_id,
               CASE WHEN {missing(chars, "o.offspec_character_id")} THEN NULL ELSE o.offspec_character_id END
                 AS offspec_character_id,
               {_spec_id(o, "o.offspec_spec_id")} AS offspec_spec_id,
               COALESCE({o.col(p, "timezone")}, 'UTC') AS timezone,
               COALESCE({o.col(p, "crafting_notifications_enabled")}, false) AS crafting_notifications_enabled,
               COALESCE(o.is_active, true) AS is_active, o.notes,
               COALESCE(o.created_at, now()) AS created_at, COALESCE(o.updated_at, now()) AS updated_at,
               o.id AS _key,
               CASE WHEN {missing("common.guild_ranks", "o.guild_rank_id")} THEN 'its rank was not carried' END
                 AS _reason
        FROM {source} o
        """,
    )
    renamed = await count(
        conn,
        f"SELECT count(*) FROM (SELECT row_number() OVER (PARTITION BY lower(display_name) ORDER BY id) AS n "
        f"FROM {source} WHERE COALESCE(is_active, true)) x WHERE n > 1",
    )
    report.convert(
        "an active player whose name repeats another's (ignoring case) gets ' (#id)' added", renamed
    )
    overrides = await count(conn, f"SELECT count(*) FROM {source} WHERE guild_rank_source = 'admin_override'")
    report.convert("an officer's rank override becomes rank_override_id (it keeps winning)", overrides)
    lost = await count(
        conn,
        f"SELECT count(*) FROM {source} o WHERE (o.main_character_id IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {chars} c WHERE c.id = o.main_character_id)) OR (o.offspec_character_id IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {chars} c WHERE c.id = o.offspec_character_id))",
    )
    report.convert("a main or offspec character that was not carried is left empty", lost)

    link_table = o.table("guild_identity.player_characters")
    pc = "guild_identity.player_characters"
    await carry(
        conn,
        report,
        pc,
        f"""
        SELECT o.id, o.player_id, o.character_id,
               COALESCE({o.col(pc, "link_source")}, 'unknown') AS link_source,
               COALESCE({o.col(pc, "confidence")}, 'unknown') AS confidence,
               COALESCE(o.created_at, now()) AS created_at,
               'player ' || o.player_id || ' - character ' || o.character_id AS _key,
               CASE WHEN {missing(p, "o.player_id")} THEN 'its player was not carried'
                    WHEN {missing(chars, "o.character_id")} THEN 'its character was not carried' END AS _reason
        FROM {link_table} o
        """,
    )
    if o.has("guild_identity.player_note_aliases"):
        from sv_common.identity.normalise import name_key

        rows = (
            await conn.execute(
                text(
                    f"SELECT id, player_id, alias, source, created_at FROM {o.table('guild_identity.player_note_aliases')}"
                )
            )
        ).all()
        seen: set[tuple[int, str]] = set()
        kept = []
        for row in rows:
            key = (row.player_id, name_key(row.alias)[:50])
            if key in seen or not await count(
                conn, f"SELECT count(*) FROM {p} WHERE id = :i", {"i": row.player_id}
            ):
                reason = "a repeat of the player's alias, or its player was not carried"
                report.skipped.append(Skipped("guild_identity.player_note_aliases", str(row.id), reason))
                continue
            seen.add(key)
            kept.append(
                {
                    "i": row.id,
                    "p": row.player_id,
                    "a": key[1],
                    "s": row.source or "manual",
                    "c": row.created_at,
                }
            )
        if kept:
            await conn.execute(
                text(
                    "INSERT INTO guild_identity.player_note_aliases (id, player_id, alias, source, created_at) "
                    "VALUES (:i, :p, :a, :s, COALESCE(:c, now()))"
                ),
                kept,
            )
        report.carried["guild_identity.player_note_aliases"] = len(kept)
        report.convert("note aliases stored as comparison keys (accents and case folded)")
        await advance_sequence(conn, "guild_identity.player_note_aliases")


async def invites(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    p = "guild_identity.players"
    report.add(
        "common.invite_codes.delivered_via = NULL, used_by_user_id = the player's account for used codes"
    )
    await carry(
        conn,
        report,
        "common.invite_codes",
        f"""
        SELECT o.id, o.code, o.player_id,
               CASE WHEN {missing(p, "o.created_by_player_id")} THEN NULL ELSE o.created_by_player_id END
                 AS created_by_player_id,
               o.used_at, o.expires_at, COALESCE(o.generated_by, 'manual') AS generated_by,
               CASE WHEN o.used_at IS NOT NULL THEN (SELECT website_user_id FROM {p} WHERE id = o.player_id) END
                 AS used_by_user_id,
               COALESCE(o.created_at, now()) AS created_at,
               o.code AS _key,
               CASE WHEN {missing(p, "o.player_id")} THEN 'its player was not carried'
                    WHEN o.used_at IS NULL AND o.player_id IS NOT NULL AND row_number() OVER (
                         PARTITION BY o.player_id, (o.used_at IS NULL) ORDER BY o.created_at DESC NULLS LAST, o.id DESC) > 1
                    THEN 'an older unused code of the same player (one open code per player; the newest is kept)'
               END AS _reason
        FROM {o.table("common.invite_codes")} o
        """,
    )


_NEW_SEASON = text(
    "INSERT INTO patt.raid_seasons (id, expansion_name, expansion_key, season_number, start_date, is_active, "
    "is_new_expansion, created_at) VALUES (COALESCE(:id, nextval(pg_get_serial_sequence('patt.raid_seasons', "
    "'id'))), :name, :key, :number, :start, :active, :new, COALESCE(:created, now()))"
)


async def seasons(conn: AsyncConnection, o: Original, report: StepReport) -> None:
    from sv_common.seasons import tidy_expansion, unique_names

    table = "patt.raid_seasons"
    if o.has(table):
        source = (
            await conn.execute(
                text(
                    f"SELECT o.id::text AS key, o.id, o.expansion_name, o.season_number, o.start_date::date AS start,"
                    f" COALESCE(o.is_active, true) AS active, COALESCE(o.is_new_expansion, false) AS new,"
                    f" o.created_at AS created FROM {o.table(table)} o ORDER BY o.id"
                )
            )
        ).all()
    elif o.has("guild_identity.crafting_sync_config", "season_number"):
        # The documented schema kept the season on the crafting config; the platform has seasons.
        source = (
            await conn.execute(
                text(
                    "SELECT 'crafting_sync_config ' || o.id AS key, NULL::int AS id, o.expansion_name,"
                    " o.season_number, COALESCE(o.season_start_date, now())::date AS start, true AS active,"
                    " COALESCE(o.is_first_season, false) AS new, NULL::timestamptz AS created"
                    f" FROM {o.table('guild_identity.crafting_sync_config')} o ORDER BY o.id LIMIT 1"
                )
            )
        ).all()
        if source and source[0].expansion_name is not None and source[0].season_number is not None:
            report.convert("the crafting config's season became a raid season")
    else:
        return
    rows = []
    for row in source:
        if row.expansion_name is None or row.season_number is None:
            report.skipped.append(Skipped(table, row.key, "no season set"))
        else:
            rows.append(row)
    # The original's names were unique as written, if at all: "Midnight" and "midnight" (or
    # the same with a trailing zero-width space) could both be season 1. The platform keeps
    # one per name as read, so a later one (higher id) gets " (2)" added rather than being
    # dropped: its raid events keep their season, and an officer sees and can rename it.
    by_order = {index: row for index, row in enumerate(rows)}
    named = unique_names((index, row.expansion_name, row.season_number) for index, row in by_order.items())
    renamed = 0
    for index, name, key, old in named:
        row = by_order[index]
        renamed += old is not None and name != tidy_expansion(old)
        await conn.execute(
            _NEW_SEASON,
            {
                "id": row.id,
                "name": name,
                "key": key,
                "number": row.season_number,
                "start": row.start,
                "active": row.active,
                "new": row.new,
                "created": row.created,
            },
        )
    report.carried[table] = report.carried.get(table, 0) + len(named)
    report.convert(
        "a season whose expansion name reads the same as an earlier one's with the same number (case,"
        " spacing, invisible characters) gets ' (2)', ' (3)' ... added",
        renamed,
    )
    await advance_sequence(conn, table)


def core_steps() -> list[AdoptStep]:
    """sv_common's steps, in the order their references need."""
    return [
        AdoptStep("core.ranks", ("common.guild_ranks",), ranks, order=10),
        AdoptStep("core.users", ("common.users",), users, order=20),
        AdoptStep(
            "core.discord",
            ("guild_identity.discord_users", "guild_identity.discord_channels", "common.discord_config"),
            discord,
            order=30,
        ),
        AdoptStep(
            "core.characters",
            (
                "guild_identity.wow_characters",
                "guild_identity.classes",
                "guild_identity.specializations",
                "guild_identity.roles",
            ),
            characters,
            order=40,
        ),  # fmt: skip
        AdoptStep(
            "core.players",
            (
                "guild_identity.players",
                "guild_identity.player_characters",
                "guild_identity.player_note_aliases",
            ),
            players,
            order=50,
        ),
        AdoptStep("core.invites", ("common.invite_codes",), invites, order=60),
        AdoptStep("core.seasons", ("patt.raid_seasons",), seasons, order=70),
    ]
