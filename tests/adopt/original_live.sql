-- What the original's later migrations (up to its revision 0026) changed on top of
-- original_context.sql: the "live" variant adopt recognises (reference section 0.1 and 19).
UPDATE public.alembic_version SET version_num = '0026';

-- Ballots: one row per pick with its rank; results: one row per entry.
DROP TABLE patt.votes;
CREATE TABLE patt.votes (
    id SERIAL PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES patt.campaigns(id) ON DELETE CASCADE,
    player_id INTEGER NOT NULL REFERENCES guild_identity.players(id),
    entry_id INTEGER NOT NULL REFERENCES patt.campaign_entries(id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    voted_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(campaign_id, player_id, rank)
);
DROP TABLE patt.campaign_results;
CREATE TABLE patt.campaign_results (
    id SERIAL PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES patt.campaigns(id) ON DELETE CASCADE,
    entry_id INTEGER NOT NULL REFERENCES patt.campaign_entries(id) ON DELETE CASCADE,
    first_place_count INTEGER DEFAULT 0,
    second_place_count INTEGER DEFAULT 0,
    third_place_count INTEGER DEFAULT 0,
    weighted_score INTEGER DEFAULT 0,
    final_rank INTEGER,
    calculated_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(campaign_id, entry_id)
);
ALTER TABLE patt.contest_agent_log RENAME COLUMN message_sent TO message;
ALTER TABLE patt.contest_agent_log RENAME COLUMN created_at TO posted_at;
ALTER TABLE patt.mito_quotes DROP COLUMN context, DROP COLUMN added_by_player_id;
ALTER TABLE patt.mito_titles DROP COLUMN added_by_player_id;

-- Availability (0008).
DROP TABLE common.member_availability;
CREATE TABLE patt.player_availability (
    id SERIAL PRIMARY KEY,
    player_id INTEGER NOT NULL REFERENCES guild_identity.players(id) ON DELETE CASCADE,
    day_of_week INTEGER NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),
    earliest_start TIME NOT NULL,
    available_hours NUMERIC(3,1) NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(player_id, day_of_week)
);

-- Ranks, players, links, Discord config.
ALTER TABLE common.guild_ranks ADD COLUMN scheduling_weight INTEGER DEFAULT 0,
    ADD COLUMN wow_rank_index INTEGER UNIQUE;
ALTER TABLE guild_identity.players ADD COLUMN timezone VARCHAR(50) DEFAULT 'America/Chicago',
    ADD COLUMN auto_invite_events BOOLEAN DEFAULT FALSE;
ALTER TABLE guild_identity.player_characters ADD COLUMN link_source VARCHAR(30) DEFAULT 'unknown',
    ADD COLUMN confidence VARCHAR(20) DEFAULT 'unknown';
ALTER TABLE common.discord_config ADD COLUMN bot_dm_enabled BOOLEAN DEFAULT FALSE,
    ADD COLUMN feature_invite_dm BOOLEAN DEFAULT FALSE, ADD COLUMN feature_onboarding_dm BOOLEAN DEFAULT FALSE,
    ADD COLUMN audit_channel_id VARCHAR(20), ADD COLUMN raid_helper_api_key VARCHAR(100),
    ADD COLUMN raid_helper_server_id VARCHAR(25), ADD COLUMN raid_creator_discord_id VARCHAR(25),
    ADD COLUMN raid_channel_id VARCHAR(25), ADD COLUMN raid_voice_channel_id VARCHAR(25),
    ADD COLUMN raid_default_template_id VARCHAR(50) DEFAULT 'wowretail2',
    ADD COLUMN raid_event_timezone VARCHAR(50) DEFAULT 'America/New_York',
    ADD COLUMN raid_default_start_time VARCHAR(5) DEFAULT '21:00',
    ADD COLUMN raid_default_duration_minutes INTEGER DEFAULT 120;
CREATE TABLE guild_identity.discord_channels (
    id SERIAL PRIMARY KEY,
    discord_channel_id VARCHAR(25) NOT NULL UNIQUE,
    name VARCHAR(100) NOT NULL,
    channel_type VARCHAR(20) NOT NULL,
    category_name VARCHAR(100),
    position INTEGER DEFAULT 0,
    is_nsfw BOOLEAN DEFAULT FALSE,
    is_public BOOLEAN DEFAULT TRUE,
    synced_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE TABLE guild_identity.player_note_aliases (
    id SERIAL PRIMARY KEY,
    player_id INTEGER NOT NULL REFERENCES guild_identity.players(id) ON DELETE CASCADE,
    alias VARCHAR(50) NOT NULL,
    source VARCHAR(30) DEFAULT 'manual',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(player_id, alias)
);

-- Crafting (0016-0021): the recipe id renamed, a search URL, the season moved out.
ALTER TABLE guild_identity.recipes DROP COLUMN wowhead_url;
ALTER TABLE guild_identity.recipes RENAME COLUMN blizzard_spell_id TO blizzard_recipe_id;
ALTER TABLE guild_identity.recipes ADD COLUMN wowhead_url VARCHAR(300) GENERATED ALWAYS AS (
    'https://www.wowhead.com/search?q=' || replace(name, ' ', '+')) STORED;
ALTER TABLE guild_identity.crafting_sync_config DROP COLUMN expansion_name, DROP COLUMN season_number,
    DROP COLUMN season_start_date, DROP COLUMN is_first_season,
    ADD COLUMN crafters_corner_channel_id VARCHAR(25);

-- Raid scheduling (Phases 3.1-3.5).
CREATE TABLE patt.raid_seasons (
    id SERIAL PRIMARY KEY,
    expansion_name VARCHAR(50) NOT NULL,
    season_number INTEGER NOT NULL,
    start_date DATE NOT NULL,
    is_active BOOLEAN DEFAULT TRUE,
    is_new_expansion BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE TABLE patt.recurring_events (
    id SERIAL PRIMARY KEY,
    label VARCHAR(100) NOT NULL,
    event_type VARCHAR(20) NOT NULL DEFAULT 'raid',
    day_of_week INTEGER NOT NULL,
    default_start_time TIME NOT NULL,
    default_duration_minutes INTEGER DEFAULT 120,
    discord_channel_id VARCHAR(25),
    raid_helper_template_id VARCHAR(50) DEFAULT 'wowretail2',
    is_active BOOLEAN DEFAULT TRUE,
    display_on_public BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE TABLE patt.raid_events (
    id SERIAL PRIMARY KEY,
    season_id INTEGER REFERENCES patt.raid_seasons(id),
    title VARCHAR(200) NOT NULL,
    event_date DATE NOT NULL,
    start_time_utc TIMESTAMPTZ NOT NULL,
    end_time_utc TIMESTAMPTZ NOT NULL,
    raid_helper_event_id VARCHAR(30),
    discord_channel_id VARCHAR(25),
    log_url VARCHAR(500),
    notes TEXT,
    recurring_event_id INTEGER REFERENCES patt.recurring_events(id),
    auto_booked BOOLEAN DEFAULT FALSE,
    raid_helper_payload JSONB,
    created_by_player_id INTEGER REFERENCES guild_identity.players(id),
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE TABLE patt.raid_attendance (
    id SERIAL PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES patt.raid_events(id) ON DELETE CASCADE,
    player_id INTEGER NOT NULL REFERENCES guild_identity.players(id),
    signed_up BOOLEAN DEFAULT FALSE,
    attended BOOLEAN DEFAULT FALSE,
    character_id INTEGER REFERENCES guild_identity.wow_characters(id),
    noted_absence BOOLEAN DEFAULT FALSE,
    source VARCHAR(20) DEFAULT 'manual',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(event_id, player_id)
);
