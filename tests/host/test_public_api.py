"""``HostAPI`` is made of public types only, and the real host satisfies every protocol in it."""

import ast
import importlib
from pathlib import Path

import patt_host
from patt_host import HookCalls, HostAPI, JobListing, PluginInfo

PUBLIC_MODULES = ("patt_host", "patt_host.web", "patt_host.jobs", "patt_host.testing")
API_SOURCE = Path(patt_host.__file__).with_name("api.py")


def _public_names() -> set[str]:
    names: set[str] = set()
    for module in PUBLIC_MODULES:
        names.update(getattr(importlib.import_module(module), "__all__", ()))
    return names


def test_hostapi_names_only_public_host_types():
    """Every host type ``api.py`` refers to is exported by a public module (no ``Hooks``,
    ``JobRegistry`` or ``LoadedPlugin`` in the signature a plugin sees)."""
    public = _public_names()
    tree = ast.parse(API_SOURCE.read_text())
    imported = [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("patt_host")
        for alias in node.names
    ]
    assert imported  # the check looks at something
    internal = [f"{module}.{name}" for module, name in imported if name not in public]
    assert internal == []


async def test_the_real_host_satisfies_the_public_protocols(make_host):
    host = make_host()
    async with host.running():  # ``db`` exists only while the host is open
        assert isinstance(host, HostAPI)
    assert isinstance(host.hooks, HookCalls)
    assert isinstance(host.jobs, JobListing)
    assert all(isinstance(plugin, PluginInfo) for plugin in host.plugins)
    assert host.plugin("identity").name == "identity"
    names = host.jobs.names()
    assert names and names == sorted(names)
    assert all(host.jobs.get(name).name == name for name in names)
    pairs = host.hooks.permissions()
    assert pairs and all(isinstance(plugin, PluginInfo) for plugin, _permission in pairs)
