"""Identity tables owned by sv_common: ranks, users, invites, Discord config, players,
characters, Discord users, the player<->character bridge and the reference tables.

Schema names, tables and columns follow the original PATT database so an existing one
can be adopted; additions are marked. Time columns are timezone-aware UTC.
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sv_common.db import Base, TimestampMixin

# --- common ------------------------------------------------------------------------------


class GuildRank(TimestampMixin, Base):
    """A rank, and the one mapping rank <-> in-game rank index <-> Discord role id."""

    __tablename__ = "guild_ranks"
    __table_args__ = {"schema": "common"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    level: Mapped[int] = mapped_column(Integer, unique=True)
    discord_role_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    wow_rank_index: Mapped[int | None] = mapped_column(Integer, unique=True)
    scheduling_weight: Mapped[int] = mapped_column(Integer, server_default="0")
    description: Mapped[str | None] = mapped_column(Text)


class User(TimestampMixin, Base):
    """A website account. ``token_version`` bumps revoke every issued token (addition)."""

    __tablename__ = "users"
    __table_args__ = {"schema": "common"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The original stored the lowercased Discord username here; it is the login name.
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    token_version: Mapped[int] = mapped_column(Integer, server_default="0")  # addition
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # addition


class DiscordConfig(TimestampMixin, Base):
    """Single row of Discord settings officers change at run time."""

    __tablename__ = "discord_config"
    __table_args__ = {"schema": "common"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_discord_id: Mapped[str | None] = mapped_column(String(20))
    role_sync_interval_hours: Mapped[int] = mapped_column(Integer, server_default="24")
    # off | to_site (Discord roles set site ranks) | to_discord (site ranks set roles) | dry_run
    role_sync_mode: Mapped[str] = mapped_column(String(20), server_default="off")  # addition
    default_announcement_channel_id: Mapped[str | None] = mapped_column(String(20))
    audit_channel_id: Mapped[str | None] = mapped_column(String(20))
    last_role_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bot_dm_enabled: Mapped[bool] = mapped_column(Boolean, server_default="false")
    feature_invite_dm: Mapped[bool] = mapped_column(Boolean, server_default="false")
    feature_onboarding_dm: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Password-reset links by DM (the invite switch covered them until sv_common_0007).
    feature_password_reset_dm: Mapped[bool] = mapped_column(Boolean, server_default="false")  # addition
    # Guild-order news (claimed, done) to the member who ordered (crafting plugin).
    feature_crafting_dm: Mapped[bool] = mapped_column(Boolean, server_default="false")  # addition
    # Reminders before a raid to members still tentative (raids plugin).
    feature_raids_dm: Mapped[bool] = mapped_column(Boolean, server_default="false")  # addition


class InviteCode(Base):
    __tablename__ = "invite_codes"
    __table_args__ = (
        # One live (unused) code per player: a new invite replaces the previous one.
        Index(
            "uq_invite_codes_open_player", "player_id", unique=True, postgresql_where=text("used_at IS NULL")
        ),
        {"schema": "common"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    player_id: Mapped[int | None] = mapped_column(ForeignKey("guild_identity.players.id", ondelete="CASCADE"))
    created_by_player_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.players.id", ondelete="SET NULL")
    )
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    generated_by: Mapped[str] = mapped_column(String(30), server_default="manual")
    # "dm" (sent to the member only) or "shown" (to the issuing officer, once: no DM possible).
    delivered_via: Mapped[str | None] = mapped_column(String(10))
    used_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("common.users.id", ondelete="SET NULL"))
    # FK added by the onboarding plugin's lineage (its table lives there).
    onboarding_session_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- guild_identity: reference tables ----------------------------------------------------


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = {"schema": "guild_identity"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


class WowClass(Base):
    __tablename__ = "classes"
    __table_args__ = {"schema": "guild_identity"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    color_hex: Mapped[str | None] = mapped_column(String(7))
    blizzard_class_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # addition


class Specialization(Base):
    __tablename__ = "specializations"
    __table_args__ = (UniqueConstraint("class_id", "name"), {"schema": "guild_identity"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.classes.id"))
    name: Mapped[str] = mapped_column(String(50))
    default_role_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.roles.id"))
    wowhead_slug: Mapped[str | None] = mapped_column(String(50))
    blizzard_spec_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # addition

    wow_class: Mapped[WowClass] = relationship(lazy="raise")
    default_role: Mapped[Role] = relationship(lazy="raise")


# --- guild_identity: external data --------------------------------------------------------


class WowCharacter(Base):
    """A character. Identity: (realm, name) case-insensitively, and the Blizzard id when known."""

    __tablename__ = "wow_characters"
    __table_args__ = {"schema": "guild_identity"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    character_name: Mapped[str] = mapped_column(String(50))
    realm_slug: Mapped[str] = mapped_column(String(50))
    realm_name: Mapped[str | None] = mapped_column(String(100))
    blizzard_character_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # addition
    class_id: Mapped[int | None] = mapped_column(ForeignKey("guild_identity.classes.id"))
    active_spec_id: Mapped[int | None] = mapped_column(ForeignKey("guild_identity.specializations.id"))
    level: Mapped[int | None] = mapped_column(Integer)
    item_level: Mapped[int | None] = mapped_column(Integer)
    guild_rank_id: Mapped[int | None] = mapped_column(ForeignKey("common.guild_ranks.id"))
    wow_rank_index: Mapped[int | None] = mapped_column(Integer)  # addition: raw in-game rank
    last_login_timestamp: Mapped[int | None] = mapped_column(BigInteger)
    guild_note: Mapped[str | None] = mapped_column(Text)
    officer_note: Mapped[str | None] = mapped_column(Text)
    addon_last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blizzard_last_sync: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    addon_last_sync: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    wow_class: Mapped[WowClass | None] = relationship(lazy="raise")
    active_spec: Mapped[Specialization | None] = relationship(lazy="raise")
    guild_rank: Mapped[GuildRank | None] = relationship(lazy="raise")


# Case-insensitive identity; the original's case-sensitive UNIQUE let duplicates in.
Index(
    "uq_wow_characters_name_realm_ci",
    func.lower(WowCharacter.character_name),
    func.lower(WowCharacter.realm_slug),
    unique=True,
)


class DiscordUser(Base):
    __tablename__ = "discord_users"
    __table_args__ = {"schema": "guild_identity"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discord_id: Mapped[str] = mapped_column(String(25), unique=True)
    username: Mapped[str] = mapped_column(String(50))
    display_name: Mapped[str | None] = mapped_column(String(50))
    highest_guild_role: Mapped[str | None] = mapped_column(String(30))
    all_guild_roles: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    role_ids: Mapped[list[str] | None] = mapped_column(ARRAY(Text))  # addition: mapping is by id
    joined_server_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_present: Mapped[bool] = mapped_column(Boolean, server_default="true")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DiscordChannel(Base):
    """Channels of the guild's Discord server, synced by the bot (for admin pickers)."""

    __tablename__ = "discord_channels"
    __table_args__ = {"schema": "guild_identity"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discord_channel_id: Mapped[str] = mapped_column(String(25), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    channel_type: Mapped[str] = mapped_column(String(20))
    category_name: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, server_default="0")
    is_nsfw: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_public: Mapped[bool] = mapped_column(Boolean, server_default="true")
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- guild_identity: core entities -------------------------------------------------------


class Player(TimestampMixin, Base):
    """The person: the central identity entity every feature hangs off."""

    __tablename__ = "players"
    __table_args__ = (
        # Active players' names are unique case-insensitively (nobody poses as an officer).
        Index(
            "uq_players_active_display_name",
            text("lower(display_name)"),
            unique=True,
            postgresql_where=text("is_active"),
        ),
        {"schema": "guild_identity"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    discord_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.discord_users.id", ondelete="SET NULL"), unique=True
    )
    website_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("common.users.id", ondelete="SET NULL"), unique=True
    )
    # Computed by the rank rule (sv_common.identity.ranks); never set by hand.
    guild_rank_id: Mapped[int | None] = mapped_column(ForeignKey("common.guild_ranks.id"))
    guild_rank_source: Mapped[str | None] = mapped_column(String(20))  # admin_override|wow_character|discord
    # An officer's explicit choice; wins over everything (addition).
    rank_override_id: Mapped[int | None] = mapped_column(ForeignKey("common.guild_ranks.id"))
    main_character_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="SET NULL")
    )
    main_spec_id: Mapped[int | None] = mapped_column(ForeignKey("guild_identity.specializations.id"))
    offspec_character_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="SET NULL")
    )
    offspec_spec_id: Mapped[int | None] = mapped_column(ForeignKey("guild_identity.specializations.id"))
    timezone: Mapped[str] = mapped_column(String(50), server_default="UTC")
    crafting_notifications_enabled: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    notes: Mapped[str | None] = mapped_column(Text)

    guild_rank: Mapped[GuildRank | None] = relationship(foreign_keys=[guild_rank_id], lazy="raise")
    discord_user: Mapped[DiscordUser | None] = relationship(lazy="raise")
    website_user: Mapped[User | None] = relationship(lazy="raise")


class PlayerCharacter(Base):
    """Who owns which character; ``link_source``/``confidence`` say how the link was made."""

    __tablename__ = "player_characters"
    __table_args__ = (UniqueConstraint("player_id", "character_id"), {"schema": "guild_identity"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.players.id", ondelete="CASCADE"))
    character_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="CASCADE"), unique=True
    )
    link_source: Mapped[str] = mapped_column(String(30), server_default="unknown")
    confidence: Mapped[str] = mapped_column(String(20), server_default="unknown")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlayerNoteAlias(Base):
    """A guild-note key known to mean this player (learned from decisions or set by officers).

    ``alias`` is stored as a comparison key (``normalise.name_key``). The same alias may
    name two players; the matcher treats that as ambiguous.
    """

    __tablename__ = "player_note_aliases"
    __table_args__ = (UniqueConstraint("player_id", "alias"), {"schema": "guild_identity"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("guild_identity.players.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(50), index=True)
    source: Mapped[str] = mapped_column(String(30), server_default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- guild_identity: matching suggestions (addition) --------------------------------------


class LinkSuggestion(Base):
    """A proposed character -> player/Discord-user link, waiting for an officer or auto-apply.

    The target is ``player_id`` when known, else ``discord_user_id`` (a player is created for
    that Discord user on apply). ``ambiguous`` suggestions are never applied automatically.
    """

    __tablename__ = "link_suggestions"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'applied', 'rejected')", name="status"),
        CheckConstraint("confidence IN ('high', 'medium', 'low')", name="confidence"),
        CheckConstraint("discord_user_id IS NOT NULL OR player_id IS NOT NULL", name="has_target"),
        {"schema": "guild_identity"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    character_id: Mapped[int] = mapped_column(
        ForeignKey("guild_identity.wow_characters.id", ondelete="CASCADE"), index=True
    )
    discord_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("guild_identity.discord_users.id", ondelete="CASCADE")
    )
    player_id: Mapped[int | None] = mapped_column(ForeignKey("guild_identity.players.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(50))
    confidence: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    ambiguous: Mapped[bool] = mapped_column(Boolean, server_default="false")
    status: Mapped[str] = mapped_column(String(10), server_default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    # The guild-note key behind a note-based suggestion; becomes the player's alias on apply.
    note_key: Mapped[str | None] = mapped_column(String(50))

    character: Mapped[WowCharacter] = relationship(lazy="raise")
    discord_user: Mapped[DiscordUser | None] = relationship(lazy="raise")
    player: Mapped[Player | None] = relationship(lazy="raise")
