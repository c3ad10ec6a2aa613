"""INTERACTION_CREATE payloads as Discord sends them: slash commands (with options and
autocomplete), buttons, select menus and modal submits. See :mod:`.fake_discord_interactions`
for sending them to a bot and reading the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .fake_discord_interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
)
from .fake_discord_permissions import channel_permissions

if TYPE_CHECKING:
    from .fake_discord import FakeDiscord


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class ObjectOption:
    """A user (type 6), channel (7) or role (8) option value, resolved from the fake's state."""

    type: int
    id: int


def UserOption(user_id: int) -> ObjectOption:  # noqa: N802 - reads like the option type it builds
    """``slash_command(..., who=UserOption(BOB))``."""
    return ObjectOption(6, user_id)


def ChannelOption(channel_id: int) -> ObjectOption:  # noqa: N802
    return ObjectOption(7, channel_id)


def RoleOption(role_id: int) -> ObjectOption:  # noqa: N802
    return ObjectOption(8, role_id)


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, ObjectOption):
        return value.type
    return 3  # strings, and anything else as its str()


# --------------------------------------------------------------------------- builder


class InteractionBuilder:
    """Builds INTERACTION_CREATE payloads the way Discord sends them to a bot.

    Every method registers the interaction with the fake (so its callback route knows
    it) and returns the payload; pass it to ``fake.interact`` (or ``fake.dispatch``).
    The member sending it must exist in the guild (``fake.add_member``).
    """

    def __init__(self, fake: FakeDiscord, *, guild_id: int, channel_id: int) -> None:
        self.fake = fake
        self.guild_id = guild_id
        self.channel_id = channel_id

    # -- application commands ----------------------------------------------------------

    def slash_command(self, user_id: int, command: str, /, **options: Any) -> dict:
        """``command`` is the full name with spaces (``"group sub"``); options by keyword.

        Option types follow the Python value (str, int, float, bool) or a
        :func:`UserOption` / :func:`RoleOption` / :func:`ChannelOption`.
        """
        return self._command(user_id, command, options, APPLICATION_COMMAND, focused=None)

    def autocomplete(self, user_id: int, command: str, /, focused: str, **options: Any) -> dict:
        """The user is typing option ``focused`` (its partial value is in ``options``)."""
        if focused not in options:
            raise ValueError(f"the focused option {focused!r} needs its partial value in options")
        return self._command(user_id, command, options, AUTOCOMPLETE, focused=focused)

    def _command(
        self, user_id: int, command: str, options: dict[str, Any], kind: int, focused: str | None
    ) -> dict:
        name, *path = command.split()
        synced = self._synced_command(name, path)
        resolved: dict[str, dict] = {}
        leaf = [self._option(user_id, k, v, resolved, focused) for k, v in options.items()]
        # Subcommand groups (type 2) and subcommands (type 1) wrap the options, innermost last.
        for depth, part in reversed(list(enumerate(path))):
            leaf = [{"name": part, "type": 1 if depth == len(path) - 1 else 2, "options": leaf}]
        data: dict[str, Any] = {"id": synced["id"], "name": name, "type": 1, "options": leaf}
        if synced.get("guild_id"):
            data["guild_id"] = synced["guild_id"]  # a command registered to this guild
        if resolved:
            data["resolved"] = resolved
        return self._register(user_id, kind, data)

    def _synced_command(self, name: str, path: list[str]) -> dict:
        """The command as the app registered it (this guild's first, then global ones).

        Discord shows users only registered commands: one the bot never synced (with
        ``tree.sync()`` / ``patt bot sync``), or a subcommand it lacks, cannot be sent."""
        guild = self.fake.guilds[self.guild_id]
        for cmd in (*guild.commands.values(), *self.fake.global_commands.values()):
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                options = cmd.get("options") or []
                for part in path:
                    sub = next((o for o in options if o["name"] == part and o.get("type") in (1, 2)), None)
                    if sub is None:
                        break
                    options = sub.get("options") or []
                else:
                    return cmd
        raise ValueError(
            f"/{' '.join([name, *path])} was never synced to Discord (guild {self.guild_id} or global); "
            "the bot registers commands with tree.sync() (patt bot sync)"
        )

    def _option(self, user_id: int, name: str, value: Any, resolved: dict, focused: str | None) -> dict:
        kind = _option_type(value)
        option: dict[str, Any] = {"name": name, "type": kind}
        if kind in (6, 7, 8):
            option["value"] = str(value.id)
            self._resolve(user_id, kind, value.id, resolved)
        else:
            option["value"] = value if kind != 3 else str(value)
        if name == focused:
            option["focused"] = True
        return option

    def _permissions(self, user_id: int, channel: dict) -> str:
        """A member's permissions in ``channel``, overwrites included, as Discord computes them."""
        return str(channel_permissions(self.fake.guilds[self.guild_id], user_id, channel))

    def _resolve(self, user_id: int, kind: int, object_id: int, resolved: dict) -> None:
        guild = self.fake.guilds[self.guild_id]
        here = guild.channels[self.channel_id]
        if kind == 6:
            user = self.fake.users[object_id]
            resolved.setdefault("users", {})[str(object_id)] = user
            member = guild.members.get(object_id)
            if member is not None:
                partial = {k: v for k, v in member.items() if k != "user"}
                permissions = self._permissions(object_id, here)
                resolved.setdefault("members", {})[str(object_id)] = dict(partial, permissions=permissions)
        elif kind == 7:
            channel = guild.channels[object_id]
            permissions = self._permissions(user_id, channel)
            resolved.setdefault("channels", {})[str(object_id)] = dict(channel, permissions=permissions)
        else:
            resolved.setdefault("roles", {})[str(object_id)] = guild.roles[object_id]

    # -- components and modals ---------------------------------------------------------

    def button(self, user_id: int, message: dict, custom_id: str) -> dict:
        """A click on a button of ``message`` (a stored message dict, e.g. from ``messages_in``)."""
        return self._register(
            user_id, MESSAGE_COMPONENT, {"custom_id": custom_id, "component_type": 2}, message
        )

    def select(
        self, user_id: int, message: dict, custom_id: str, values: list[str], *, component_type: int = 3
    ) -> dict:
        """A choice in a select menu of ``message``; ``component_type`` 3 is a string select,
        5-8 user/role/mentionable/channel selects (values are then ids, resolved here)."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type, "values": values}
        kinds = {5: 6, 6: 8, 8: 7}
        if component_type in kinds:
            resolved: dict[str, dict] = {}
            for value in values:
                self._resolve(user_id, kinds[component_type], int(value), resolved)
            data["resolved"] = resolved
        return self._register(user_id, MESSAGE_COMPONENT, data, message)

    def modal_submit(
        self, user_id: int, custom_id: str, values: dict[str, str | list[str]], message: dict | None = None
    ) -> dict:
        """A submitted modal: a text input per str value, a string select per list value.

        Each field arrives in a Label (type 18), as Discord sends modals built with labels;
        ``message`` is the message whose component opened the modal, if any.
        """
        components = []
        for index, (field_id, value) in enumerate(values.items(), start=1):
            if isinstance(value, list):
                inner = {"type": 3, "id": index * 2, "custom_id": field_id, "values": value}
            else:
                inner = {"type": 4, "id": index * 2, "custom_id": field_id, "value": value}
            components.append({"type": 18, "id": index * 2 - 1, "component": inner})
        data = {"custom_id": custom_id, "components": components}
        return self._register(user_id, MODAL_SUBMIT, data, message)

    # -- common ------------------------------------------------------------------------

    def _register(self, user_id: int, kind: int, data: dict, message: dict | None = None) -> dict:
        fake = self.fake
        guild = fake.guilds[self.guild_id]
        member = guild.members.get(user_id)
        if member is None:
            raise ValueError(f"user {user_id} is not a member of guild {self.guild_id}")
        channel = guild.channels[self.channel_id]
        interaction_id = fake.snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(fake.application_id),
            "type": kind,
            "data": data,
            "token": f"interaction-token-{interaction_id}",
            "version": 1,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "channel_id": str(self.channel_id),
            "channel": dict(channel, permissions=self._permissions(user_id, channel)),
            # Both are the permissions in this channel, its overwrites applied.
            "member": dict(member, permissions=self._permissions(user_id, channel)),
            "app_permissions": self._permissions(fake.bot_user_id, channel),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        fake.interactions[interaction_id] = InteractionRecord(payload)
        return payload


# ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE | USE_EXTERNAL_EMOJIS: what an app may do in
# a DM with its bot user (receiving-and-responding, ``app_permissions``).
DM_APP_PERMISSIONS = (1 << 15) | (1 << 14) | (1 << 17) | (1 << 18)


class DMInteractionBuilder(InteractionBuilder):
    """Interactions from the bot's DM with one user (context BOT_DM): buttons, selects and
    modals on messages the bot sent there. No guild, a ``user`` instead of a ``member``."""

    def __init__(self, fake: FakeDiscord, *, user_id: int) -> None:
        super().__init__(fake, guild_id=0, channel_id=0)
        self.user_id = user_id

    def _command(self, user_id: int, command: str, options: dict[str, Any], kind: int, focused: str | None) -> dict:
        raise ValueError("slash commands in DMs are not modelled; the app's commands are guild commands")

    def _register(self, user_id: int, kind: int, data: dict, message: dict | None = None) -> dict:
        fake = self.fake
        if user_id != self.user_id:
            raise ValueError("only the DM's recipient can use its components")
        channel = fake._dm_channel(user_id)
        interaction_id = fake.snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(fake.application_id),
            "type": kind,
            "data": data,
            "token": f"interaction-token-{interaction_id}",
            "version": 1,
            "channel_id": channel["id"],
            "channel": channel,
            "user": fake.users[user_id],
            "app_permissions": str(DM_APP_PERMISSIONS),
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        fake.interactions[interaction_id] = InteractionRecord(payload)
        return payload
