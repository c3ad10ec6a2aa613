"""A database of the original PATT system, built from its DDL and filled with realistic rows.

``original_context.sql`` is the schema its context document lists; ``original_live.sql`` is
what its later migrations changed (the live variant). The rows cover every table: non-ASCII
names, alts, an unlinked and a removed character, two characters whose names differ only in
case, a closed campaign with ballots and its stored result, a live and a draft campaign.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import bcrypt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

HERE = Path(__file__).parent
PASSWORDS = {"trog": "moonfire-since-2019", "zoë": "élune-guides-us", "rocket": "Pull4llTheThings!"}
CLASSES = [  # reversed, so the original's ids differ from the platform's seed
    "Warrior", "Warlock", "Shaman", "Rogue", "Priest", "Paladin", "Monk", "Mage", "Hunter", "Evoker",
    "Druid", "Demon Hunter", "Death Knight",
]  # fmt: skip
SPECS = [  # (id, class, spec, role id)
    (101, "Druid", "Balance", 4), (102, "Druid", "Restoration", 2), (103, "Mage", "Frost", 4),
    (104, "Death Knight", "Frost", 3), (105, "Paladin", "Protection", 1), (106, "Priest", "Holy", 2),
    (107, "Hunter", "Marksmanship", 4), (108, "Warrior", "Fury", 3), (109, "Rogue", "Outlaw", 3),
]  # fmt: skip
# id, name, realm, class, spec, rank id, removed
CHARACTERS = [
    (1, "Trogmoon", "senjin", "Druid", 101, 15, False),
    (2, "Trogbank", "senjin", "Mage", 103, 15, False),
    (3, "Zoëlynn", "senjin", "Priest", 106, 12, False),
    (4, "Rocketpants", "senjin", "Paladin", 105, 13, False),
    (5, "Rocketchill", "area-52", "Death Knight", 104, 13, False),
    (6, "Ñandúshot", "senjin", "Hunter", 107, 11, False),
    (7, "Loneblade", "senjin", "Warrior", 108, 12, False),  # unlinked
    (8, "trogmoon", "senjin", "Druid", 101, 15, False),  # the same as 1 but for case: not carried
    (9, "Oldtimer", "senjin", "Rogue", 109, 12, True),  # removed, unlinked
]
# id, name, discord user, website user, rank id, rank source, main, main spec, offspec, active
PLAYERS = [
    (1, "Trog", 1, 1, 15, "wow_character", 1, 101, 2, True),
    (2, "Zoë", 2, 2, 12, "wow_character", 3, 106, None, True),
    (3, "Rocket", 3, 3, 13, "admin_override", 4, 105, 5, True),
    (4, "Ñandú", 4, None, 11, "discord", 6, 107, None, True),
    (5, "zoë", None, None, 11, "discord", None, None, None, False),  # inactive namesake
]
LINKS = [(1, 1, 1), (2, 1, 2), (3, 2, 3), (4, 3, 4), (5, 3, 5), (6, 4, 6), (7, 1, 8)]
# The closed campaign: three ballots, 3-2-1 points: entry 1: 8, entry 2: 6, entry 3: 3, entry 4: 1.
CLOSED_BALLOTS = {1: [1, 2, 3], 2: [2, 1, 4], 3: [1, 3, 2]}
CLOSED_RESULT = [(1, 2, 1, 0, 8, 1), (2, 1, 1, 1, 6, 2), (3, 0, 1, 1, 3, 3), (4, 0, 1, 0, 1, 4)]


async def create(url: str, variant: str) -> None:
    """The original's schema of ``variant`` ("context" or "live") in the (empty) database."""
    files = ["original_context.sql"] + (["original_live.sql"] if variant == "live" else [])
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for name in files:
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute((HERE / name).read_text())
    finally:
        await engine.dispose()


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


async def fill(url: str, variant: str) -> None:
    live = variant == "live"
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await _fill(conn, live)
    finally:
        await engine.dispose()


async def _many(conn: AsyncConnection, sql: str, rows: list[dict]) -> None:
    if rows:
        await conn.execute(text(sql), rows)


async def _fill(conn: AsyncConnection, live: bool) -> None:
    ranks = [(11, "Initiate", 1, 4, 0), (12, "Member", 2, 3, 1), (13, "Veteran", 3, 2, 3), (14, "Officer", 4, 1, 5),
             (15, "Guild Leader", 5, 0, 5)]  # fmt: skip
    await _many(
        conn,
        "INSERT INTO common.guild_ranks (id, name, level, discord_role_id, description) "
        "VALUES (:i, :n, :l, :r, :d)",
        [
            {"i": i, "n": n, "l": lv, "r": f"90000000000000{lv:04d}", "d": f"{n} — rank"}
            for i, n, lv, _, _ in ranks
        ],
    )
    if live:
        for i, _n, _lv, index, weight in ranks:
            await conn.execute(
                text(
                    "UPDATE common.guild_ranks SET wow_rank_index = :x, scheduling_weight = :w WHERE id = :i"
                ),
                {"x": index, "w": weight, "i": i},
            )
    await _many(conn, "INSERT INTO guild_identity.roles (id, name) VALUES (:i, :n)",
                [{"i": 1, "n": "Tank"}, {"i": 2, "n": "Healer"}, {"i": 3, "n": "Melee DPS"}, {"i": 4, "n": "Ranged DPS"}])  # fmt: skip
    await _many(conn, "INSERT INTO guild_identity.classes (id, name) VALUES (:i, :n)",
                [{"i": i, "n": n} for i, n in enumerate(CLASSES, start=1)])  # fmt: skip
    class_id = {n: i for i, n in enumerate(CLASSES, start=1)}
    await _many(
        conn,
        "INSERT INTO guild_identity.specializations (id, class_id, name, default_role_id) VALUES (:i, :c, :n, :r)",
        [{"i": i, "c": class_id[c], "n": n, "r": r} for i, c, n, r in SPECS],
    )
    await _many(
        conn,
        "INSERT INTO common.users (id, email, password_hash, is_active) VALUES (:i, :e, :h, true)",
        [{"i": i, "e": e, "h": _hash(p)} for i, (e, p) in enumerate(PASSWORDS.items(), start=1)],
    )
    await _many(
        conn,
        "INSERT INTO guild_identity.discord_users (id, discord_id, username, display_name, highest_guild_role, "
        "all_guild_roles) VALUES (:i, :d, :u, :n, 'Member', ARRAY['Member'])",
        [{"i": i, "d": f"1000000000000000{i:02d}", "u": u, "n": n}
         for i, u, n in [(1, "trog", "Trog"), (2, "zoë", "Zoë"), (3, "rocket", "Rocket"), (4, "nandu", "Ñandú"),
                         (5, "lurker", "Lürker")]],
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO guild_identity.wow_characters (id, character_name, realm_slug, realm_name, class_id, "
        "active_spec_id, level, item_level, guild_rank_id, guild_note, removed_at) "
        "VALUES (:i, :n, :r, :rn, :c, :s, 80, 610, :k, :note, CASE WHEN :gone THEN now() END)",
        [{"i": i, "n": n, "r": r, "rn": "Sen'jin" if r == "senjin" else "Area 52", "c": class_id[c], "s": s, "k": k,
          "note": f"{n} main", "gone": gone} for i, n, r, c, s, k, gone in CHARACTERS],
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO guild_identity.players (id, display_name, discord_user_id, website_user_id, guild_rank_id, "
        "guild_rank_source, main_character_id, main_spec_id, offspec_character_id, is_active) "
        "VALUES (:i, :n, :d, :u, :k, :src, :m, :ms, :o, :a)",
        [{"i": i, "n": n, "d": d, "u": u, "k": k, "src": src, "m": m, "ms": ms, "o": o, "a": a}
         for i, n, d, u, k, src, m, ms, o, a in PLAYERS],
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO guild_identity.player_characters (id, player_id, character_id) VALUES (:i, :p, :c)",
        [{"i": i, "p": p, "c": c} for i, p, c in LINKS],
    )
    await conn.execute(
        text("INSERT INTO common.discord_config (id, guild_discord_id, default_announcement_channel_id) "
             "VALUES (1, '555000000000000001', '555000000000000010')")
    )  # fmt: skip

    # Onboarding (before invite codes: a code names the session that issued it).
    await _many(
        conn,
        "INSERT INTO guild_identity.onboarding_sessions (id, discord_member_id, discord_id, state, reported_main_name, "
        "reported_alt_names, verified_player_id, website_invite_sent, website_invite_code) "
        "VALUES (:i, :d, :di, :s, :m, :alts, :p, :sent, :code)",
        [{"i": 1, "d": 2, "di": "100000000000000002", "s": "provisioned", "m": "Zoëlynn", "alts": None, "p": 2,
          "sent": True, "code": "ZOE777"},
         {"i": 2, "d": 5, "di": "100000000000000005", "s": "pending_verification", "m": "Lürkadin",
          "alts": ["Lürkalt"], "p": None, "sent": False, "code": None}],
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO common.invite_codes (id, code, player_id, created_by_player_id, used_at, generated_by, "
        "onboarding_session_id, created_at) VALUES (:i, :c, :p, 1, :used, :g, :s, now() - make_interval(days => :age))",
        [{"i": 1, "c": "TROG01", "p": 1, "used": None, "g": "manual", "s": None, "age": 300},
         {"i": 2, "c": "ZOE777", "p": 2, "used": None, "g": "onboarding", "s": 1, "age": 30},
         {"i": 3, "c": "NANDU1", "p": 4, "used": None, "g": "manual", "s": None, "age": 20},
         {"i": 4, "c": "NANDU2", "p": 4, "used": None, "g": "manual", "s": None, "age": 2}],
    )  # fmt: skip
    await conn.execute(
        text("UPDATE common.invite_codes SET used_at = now() - interval '1 day' WHERE id IN (1, 2)")
    )
    if live:
        await _many(
            conn,
            "INSERT INTO patt.player_availability (player_id, day_of_week, earliest_start, available_hours) "
            "VALUES (:p, :d, '19:30', 3.5)",
            [{"p": p, "d": d} for p in (1, 2, 3) for d in (1, 3)],
        )
    else:
        await _many(
            conn,
            "INSERT INTO common.member_availability (player_id, day_of_week, available, notes) VALUES (:p, :d, :a, 'ok')",
            [{"p": p, "d": d, "a": p != 3} for p in (1, 2, 3) for d in ("Tuesday", "Thursday")]
            + [{"p": 4, "d": "Caturday", "a": True}],
        )

    # Campaigns: 1 closed (with its stored result), 2 live, 3 draft.
    await _many(
        conn,
        "INSERT INTO patt.campaigns (id, title, description, picks_per_voter, min_rank_to_vote, min_rank_to_view, "
        "start_at, duration_hours, status, created_by_player_id) "
        "VALUES (:i, :t, 'Vote!', 3, 2, NULL, now() - make_interval(days => :ago), 72, :s, 1)",
        [{"i": 1, "t": "Guild art vote — ñ edition", "ago": 30, "s": "closed"},
         {"i": 2, "t": "Raid night snack", "ago": 1, "s": "live"},
         {"i": 3, "t": "Next book club pick", "ago": -5, "s": "draft"}],
    )  # fmt: skip
    entries = [(1, 1, "Gold dragon"), (2, 1, "Tavern at dusk"), (3, 1, "Ñandú's hunt"), (4, 1, "Moonkin dance"),
               (5, 2, "Pretzels"), (6, 2, "Dumplings"), (7, 2, "Crème brûlée"), (8, 3, "Dune")]  # fmt: skip
    await _many(
        conn,
        "INSERT INTO patt.campaign_entries (id, campaign_id, name, image_url, sort_order) VALUES (:i, :c, :n, :u, :i)",
        [
            {"i": i, "c": c, "n": n, "u": f"https://drive.google.com/uc?id=img{i}&export=view"}
            for i, c, n in entries
        ],
    )
    ballots = {(1, p): picks for p, picks in CLOSED_BALLOTS.items()} | {(2, 1): [6, 5, 7]}
    if live:
        await _many(
            conn,
            "INSERT INTO patt.votes (campaign_id, player_id, entry_id, rank) VALUES (:c, :p, :e, :r)",
            [
                {"c": c, "p": p, "e": e, "r": r}
                for (c, p), picks in ballots.items()
                for r, e in enumerate(picks, 1)
            ],
        )
        await _many(
            conn,
            "INSERT INTO patt.campaign_results (campaign_id, entry_id, first_place_count, second_place_count, "
            "third_place_count, weighted_score, final_rank) VALUES (1, :e, :f, :s, :t, :w, :r)",
            [{"e": e, "f": f, "s": s, "t": t, "w": w, "r": r} for e, f, s, t, w, r in CLOSED_RESULT],
        )
    else:
        await _many(
            conn,
            "INSERT INTO patt.votes (campaign_id, player_id, rankings) VALUES (:c, :p, CAST(:r AS jsonb))",
            [{"c": c, "p": p, "r": json.dumps(picks)} for (c, p), picks in ballots.items()],
        )
        result = [{"entry_id": e, "weighted_score": w, "rank": r} for e, _f, _s, _t, w, r in CLOSED_RESULT]
        await conn.execute(
            text(
                "INSERT INTO patt.campaign_results (campaign_id, results, total_votes) VALUES (1, CAST(:r AS jsonb), 3)"
            ),
            {"r": json.dumps(result)},
        )
    message = "message" if live else "message_sent"
    await _many(
        conn,
        f"INSERT INTO patt.contest_agent_log (campaign_id, event_type, {message}) VALUES (1, :e, :m)",
        [{"e": e, "m": m} for e, m in [("campaign_launch", "Voting is open! 🗳️"), ("first_vote", "First ballot in!"),
                                       ("lead_change", "Gold dragon leads"), ("lead_change", "Tavern takes the lead"),
                                       ("first_vote", "First ballot in! (again)"), ("final_results", "Gold dragon wins")]],
    )  # fmt: skip
    mito_cols = (
        "(quote, context, added_by_player_id) VALUES (:q, 'raid night', 1)"
        if not live
        else "(quote) VALUES (:q)"
    )
    await _many(
        conn,
        f"INSERT INTO patt.mito_quotes {mito_cols}",
        [{"q": q} for q in ["Pull all the things!", "Who pulled? …Mito pulled.", "PULL ALL THE THINGS!"]],
    )
    await _many(
        conn,
        "INSERT INTO patt.mito_titles (title) VALUES (:t)",
        [{"t": t} for t in ["Mito the Überpuller", "Mito, Bane of Wipes"]],
    )

    # Crafting.
    await _many(conn, "INSERT INTO guild_identity.professions (id, blizzard_id, name) VALUES (:i, :b, :n)",
                [{"i": 1, "b": 171, "n": "Alchemy"}, {"i": 2, "b": 164, "n": "Blacksmithing"}])  # fmt: skip
    await _many(
        conn,
        "INSERT INTO guild_identity.profession_tiers (id, profession_id, blizzard_tier_id, name, expansion_name) "
        "VALUES (:i, :p, :b, :n, 'The War Within')",
        [
            {"i": 1, "p": 1, "b": 2871, "n": "Khaz Algar Alchemy"},
            {"i": 2, "p": 2, "b": 2872, "n": "Khaz Algar Blacksmithing"},
        ],
    )
    recipe_col = "blizzard_recipe_id" if live else "blizzard_spell_id"
    await _many(
        conn,
        f"INSERT INTO guild_identity.recipes (id, {recipe_col}, name, profession_id, tier_id) VALUES (:i, :b, :n, :p, :t)",
        [{"i": 1, "b": 430001, "n": "Algari Mana Potion", "p": 1, "t": 1},
         {"i": 2, "b": 430002, "n": "Tempered Potion", "p": 1, "t": 1},
         {"i": 3, "b": 450003, "n": "Everforged Longsword", "p": 2, "t": 2}],
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO guild_identity.character_recipes (character_id, recipe_id) VALUES (:c, :r)",
        [{"c": 1, "r": 1}, {"c": 1, "r": 2}, {"c": 4, "r": 3}, {"c": 8, "r": 1}],
    )
    if live:
        await conn.execute(
            text("INSERT INTO guild_identity.crafting_sync_config (current_cadence, crafters_corner_channel_id) "
                 "VALUES ('weekly', '555000000000000020')")
        )  # fmt: skip
    else:
        await conn.execute(
            text("INSERT INTO guild_identity.crafting_sync_config (current_cadence, expansion_name, season_number, "
                 "season_start_date) VALUES ('daily', 'The War Within', 2, '2026-02-25')")
        )  # fmt: skip

    # Drift, sync log.
    await _many(
        conn,
        "INSERT INTO guild_identity.audit_issues (issue_type, severity, wow_character_id, summary, details, issue_hash, "
        "resolved_at) VALUES (:t, :s, :c, :m, CAST(:d AS jsonb), :h, :r)",
        [{"t": "note_mismatch", "s": "warning", "c": 7, "m": "Loneblade's note names nobody", "d": '{"note": "x"}',
          "h": "a" * 64, "r": None},
         {"t": "orphan_wow", "s": "info", "c": 9, "m": "Oldtimer has no player", "d": None, "h": "b" * 64,
          "r": datetime(2026, 3, 1, tzinfo=UTC)}],
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO guild_identity.sync_log (source, status, characters_found, completed_at) VALUES (:s, 'success', :n, now())",
        [{"s": "blizzard_api", "n": 9}, {"s": "discord_sync", "n": 5}],
    )
    if live:
        await _fill_live(conn)


async def _fill_live(conn: AsyncConnection) -> None:
    await conn.execute(
        text("INSERT INTO patt.raid_seasons (id, expansion_name, season_number, start_date, is_active) "
             "VALUES (1, 'The War Within', 2, '2026-02-25', true)")
    )  # fmt: skip
    # The original's names were unique as written at most: the same season in another case,
    # and with a zero-width space at the end (kept, renamed visibly, their events with them).
    await _many(
        conn,
        "INSERT INTO patt.raid_seasons (id, expansion_name, season_number, start_date, is_active) "
        "VALUES (:i, :n, 2, '2026-02-25', false)",
        [{"i": 2, "n": "the war within"}, {"i": 3, "n": "The War Within\u200b"}],
    )
    await conn.execute(
        text("INSERT INTO patt.recurring_events (id, label, day_of_week, default_start_time, discord_channel_id) "
             "VALUES (1, 'Tuesday Heroic', 1, '21:00', '555000000000000030')")
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO patt.raid_events (id, season_id, title, event_date, start_time_utc, end_time_utc, "
        "recurring_event_id, raid_helper_event_id, created_by_player_id) VALUES (:i, :season, :t, :d, :s, :e, 1, :h, 1)",
        [{"i": 1, "season": 1, "t": "Heroic Liberation — week 1", "d": date(2026, 3, 3), "s": datetime(2026, 3, 4, 2, tzinfo=UTC),
          "e": datetime(2026, 3, 4, 4, tzinfo=UTC), "h": "1200000000000000001"},
         {"i": 2, "season": 2, "t": "Heroic Liberation — week 2", "d": date(2026, 3, 10), "s": datetime(2026, 3, 11, 1, tzinfo=UTC),
          "e": datetime(2026, 3, 11, 3, tzinfo=UTC), "h": None}],
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO patt.raid_attendance (event_id, player_id, signed_up, attended, character_id, noted_absence) "
        "VALUES (:e, :p, :s, :a, :c, :n)",
        [{"e": 1, "p": 1, "s": True, "a": True, "c": 1, "n": False},
         {"e": 1, "p": 2, "s": True, "a": False, "c": 3, "n": True},
         {"e": 1, "p": 3, "s": True, "a": True, "c": 4, "n": False},
         {"e": 2, "p": 1, "s": True, "a": False, "c": None, "n": False}],
    )  # fmt: skip
    await _many(
        conn,
        "INSERT INTO guild_identity.discord_channels (discord_channel_id, name, channel_type, category_name) "
        "VALUES (:d, :n, 'text', 'Guild')",
        [
            {"d": "555000000000000010", "n": "announcements"},
            {"d": "555000000000000020", "n": "crafters-corner"},
        ],
    )
    await _many(
        conn,
        "INSERT INTO guild_identity.player_note_aliases (player_id, alias, source) VALUES (:p, :a, 'officer')",
        [{"p": 1, "a": "Trög"}, {"p": 4, "a": "Nandu"}],
    )
    await conn.execute(
        text(
            "UPDATE guild_identity.player_characters SET link_source = 'note_key', confidence = 'high' WHERE player_id = 1"
        )
    )
    await conn.execute(text("UPDATE guild_identity.players SET timezone = 'Europe/Berlin' WHERE id = 2"))
    await conn.execute(text("UPDATE guild_identity.players SET auto_invite_events = true WHERE id = 1"))
    await conn.execute(
        text("UPDATE common.discord_config SET raid_helper_api_key = 'rh-secret-key', raid_helper_server_id = "
             "'555000000000000001', raid_event_timezone = 'America/Chicago'")
    )  # fmt: skip


async def fill_bulk(url: str, *, players: int, characters: int, campaigns: int, entries: int = 10) -> int:
    """A large live-variant original (benchmarks): every player votes three picks in every campaign.
    Returns the number of vote rows (one per pick)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await _many(
                conn,
                "INSERT INTO common.guild_ranks (id, name, level, discord_role_id, wow_rank_index, scheduling_weight) "
                "VALUES (:i, :n, :i, :r, 5 - :i, :i)",
                [{"i": i, "n": n, "r": f"9000{i}"} for i, n in enumerate(["Initiate", "Member", "Veteran", "Officer",
                                                                          "Guild Leader"], start=1)],
            )  # fmt: skip
            await _many(conn, "INSERT INTO guild_identity.classes (id, name) VALUES (:i, :n)",
                        [{"i": i, "n": n} for i, n in enumerate(CLASSES, start=1)])  # fmt: skip
            await conn.execute(
                text("INSERT INTO guild_identity.roles (id, name) VALUES (1, 'Tank'), (4, 'Ranged DPS')")
            )
            await conn.execute(
                text("INSERT INTO guild_identity.specializations (id, class_id, name, default_role_id) "
                     "SELECT id, id, 'Protection', 1 FROM guild_identity.classes WHERE name IN ('Warrior', 'Paladin')")
            )  # fmt: skip
            statements = [
                f"INSERT INTO common.users (id, email, password_hash) SELECT g, 'user' || g, '$2b$04$' || md5(g::text) "
                f"FROM generate_series(1, {players}) g",
                f"INSERT INTO guild_identity.discord_users (id, discord_id, username) SELECT g, (100000000000000000 + g)::text, "
                f"'dü' || g FROM generate_series(1, {players}) g",
                f"INSERT INTO guild_identity.wow_characters (id, character_name, realm_slug, class_id, guild_rank_id, level) "
                f"SELECT g, 'Chär' || g, 'senjin', 1 + g % 13, 1 + g % 5, 80 FROM generate_series(1, {characters}) g",
                f"INSERT INTO guild_identity.players (id, display_name, discord_user_id, website_user_id, guild_rank_id, "
                f"main_character_id) SELECT g, 'Plâyer ' || g, g, g, 1 + g % 5, g FROM generate_series(1, {players}) g",
                f"INSERT INTO guild_identity.player_characters (player_id, character_id) "
                f"SELECT 1 + (g - 1) % {players}, g FROM generate_series(1, {characters - characters // 10}) g",
                f"INSERT INTO patt.campaigns (id, title, picks_per_voter, min_rank_to_vote, start_at, duration_hours, status) "
                f"SELECT g, 'Campaign ' || g, 3, 1, now() - interval '10 days', 48, "
                f"CASE WHEN g <= {campaigns} - 2 THEN 'closed' ELSE 'live' END FROM generate_series(1, {campaigns}) g",
                f"INSERT INTO patt.campaign_entries (id, campaign_id, name, sort_order) "
                f"SELECT (c - 1) * {entries} + e, c, 'Entry ' || e, e FROM generate_series(1, {campaigns}) c, "
                f"generate_series(1, {entries}) e",
                # Three distinct picks per ballot, spread over the entries by player and campaign.
                f"INSERT INTO patt.votes (campaign_id, player_id, entry_id, rank) "
                f"SELECT c, p, (c - 1) * {entries} + 1 + ((p * 7 + c + r * (1 + p % 3)) % {entries}), r "
                f"FROM generate_series(1, {campaigns}) c, generate_series(1, {players}) p, generate_series(1, 3) r",
                "INSERT INTO patt.campaign_results (campaign_id, entry_id, first_place_count, second_place_count, "
                "third_place_count, weighted_score, final_rank) "
                "SELECT campaign_id, entry_id, f, s, t, w, row_number() OVER (PARTITION BY campaign_id ORDER BY w DESC, f DESC) "
                "FROM (SELECT v.campaign_id, v.entry_id, count(*) FILTER (WHERE rank = 1) f, count(*) FILTER (WHERE rank = 2) s, "
                "count(*) FILTER (WHERE rank = 3) t, sum(4 - rank) w FROM patt.votes v JOIN patt.campaigns c "
                "ON c.id = v.campaign_id AND c.status = 'closed' GROUP BY 1, 2) x",
            ]
            for sql in statements:
                await conn.execute(text(sql))
            for table in (
                "common.users",
                "guild_identity.players",
                "guild_identity.wow_characters",
                "patt.campaigns",
            ):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
            return int(await conn.scalar(text("SELECT count(*) FROM patt.votes")))
    finally:
        await engine.dispose()
