"""The host's own features, written as plugins on the same hooks as everyone else."""

from patt_host.builtins.admin import AdminPlugin
from patt_host.builtins.core import CorePlugin
from patt_host.builtins.discord import DiscordPlugin
from patt_host.builtins.health import HealthPlugin
from patt_host.builtins.introspection import IntrospectionPlugin

BUILTIN_PLUGINS = {
    "core": CorePlugin,
    "health": HealthPlugin,
    "introspection": IntrospectionPlugin,
    "admin": AdminPlugin,
    "discord": DiscordPlugin,
}
