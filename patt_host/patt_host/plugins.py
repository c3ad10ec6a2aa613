"""Loading plugins: allowlist, dependency order, validation, one error for every problem.

Only the plugins a site enables are imported. Every problem found (missing package,
import error, unknown hook, bad dependency, cycle, bad settings, namespace violation)
is collected per plugin and raised together as one :class:`PluginLoadError`, so an
operator fixes a misconfiguration in one go instead of one restart per mistake.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pluggy
from pydantic import ValidationError

from patt_host import hookspecs
from patt_host.config import HostSettings, describe_settings_error
from patt_host.hooks import HookAdapter, adapt, hookimpl_problems
from patt_host.site import Site, group_entry_points

log = logging.getLogger("patt.plugins")

PLUGIN_GROUP = "patt.plugins"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
HOOK_NAMES = frozenset(
    name for name, fn in vars(hookspecs).items() if callable(fn) and hasattr(fn, "patt_spec")
)


class PluginLoadError(RuntimeError):
    """Raised once with every problem of every plugin."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = {k: list(v) for k, v in problems.items() if v}
        lines = ["PATT cannot start; plugin problems:"]
        for plugin, items in self.problems.items():
            for item in items:
                lines.append(f"  - {plugin}: {item}")
        super().__init__("\n".join(lines))


class Problems:
    """Collects problems keyed by plugin name; the same problem found twice (a bad job
    reference both ``register_jobs`` and its ``CronJob`` hand over) is reported once."""

    def __init__(self) -> None:
        self.items: dict[str, list[str]] = {}

    def add(self, plugin: str, message: str) -> None:
        found = self.items.setdefault(plugin, [])
        if message not in found:
            found.append(message)

    def __bool__(self) -> bool:
        return any(self.items.values())

    def raise_if_any(self) -> None:
        if self:
            raise PluginLoadError(self.items)


@dataclass
class LoadedPlugin:
    """One enabled plugin: its manifest, its instance, and the folders it ships."""

    name: str
    obj: Any
    internal: bool = False
    is_site: bool = False
    requires: tuple[str, ...] = ()
    version: str = ""
    distribution: str = ""
    package_dir: Path | None = None
    settings: Any = None
    #: The manifest's ``state_factory(host, settings)``: the plugin's per-host state (rate
    #: limiters, caches), built and owned by the host (``host.plugin_state(name)``).
    state_factory: Any = None
    hooks: list[str] = field(default_factory=list)
    #: What pluggy holds for this plugin: its implementations, adapted (``patt_host.hooks.adapt``).
    adapter: HookAdapter | None = None

    def _sub(self, folder: str) -> Path | None:
        if self.package_dir is None:
            return None
        path = self.package_dir / folder
        return path if path.is_dir() else None

    @property
    def templates_dir(self) -> Path | None:
        return self._sub("templates")

    @property
    def static_dir(self) -> Path | None:
        return self._sub("static")

    @property
    def migrations_dir(self) -> Path | None:
        versions = self._sub("migrations")
        return versions / "versions" if versions and (versions / "versions").is_dir() else None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "distribution": self.distribution,
            "internal": self.internal,
            "site": self.is_site,
            "requires": list(self.requires),
            "hooks": sorted(self.hooks),
            "templates": self.templates_dir is not None,
            "static": self.static_dir is not None,
            "migrations": self.migrations_dir is not None,
        }


def implemented_hooks(obj: Any) -> dict[str, Any]:
    """Attributes of ``obj`` marked with ``@hookimpl``, by hook name."""
    found = {}
    for attr in dir(obj):
        if attr.startswith("__"):
            continue
        try:
            value = getattr(obj, attr)
        except Exception:  # noqa: BLE001,S112 - a broken property must not hide other problems
            continue
        if callable(value) and getattr(value, "patt_impl", None) is not None:
            found[value.patt_impl.get("specname") or attr] = value
    return found


def _package_dir(obj: Any) -> Path | None:
    module = sys.modules.get(type(obj).__module__ if not inspect.ismodule(obj) else obj.__name__)
    if module is None or not getattr(module, "__file__", None):
        return None
    return Path(module.__file__).parent


def _distribution_of(ep: EntryPoint | None) -> tuple[str, str]:
    dist = getattr(ep, "dist", None) if ep is not None else None
    if dist is None:
        return "", ""
    return dist.metadata["Name"], dist.version


def plugin_entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in group_entry_points(PLUGIN_GROUP)}


def _instantiate(candidate: Any) -> Any:
    return candidate() if inspect.isclass(candidate) else candidate


def _topological(names: list[str], requires: dict[str, tuple[str, ...]], problems: Problems) -> list[str]:
    """Order ``names`` so that requirements come first; report cycles for every member."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name) :] + [name]
            for member in set(cycle):
                problems.add(member, "dependency cycle: " + " -> ".join(cycle))
            return
        state[name] = "visiting"
        for dep in requires.get(name, ()):
            if dep in requires:
                visit(dep, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in names:
        visit(name, [])
    return order


class PluginManager:
    """Resolves and registers the plugins of one site."""

    def __init__(
        self,
        site: Site,
        settings: HostSettings,
        *,
        builtins: dict[str, Any] | None = None,
        extra: Iterable[Any] = (),
        env_file: str | Path | None = ".env",
    ):
        from patt_host.builtins import BUILTIN_PLUGINS

        self.site = site
        self.settings = settings
        self.env_file = env_file
        self.builtins = dict(BUILTIN_PLUGINS if builtins is None else builtins)
        # Plugin classes/objects given directly (tests, embedding); keyed by manifest name.
        self.extra = {getattr(p, "name", repr(p)): p for p in extra}
        self.pm = self.new_pluggy_manager(())
        self.plugins: list[LoadedPlugin] = []
        self.by_name: dict[str, LoadedPlugin] = {}

    # -- resolution -------------------------------------------------------------------

    def listed_names(self) -> list[str]:
        """The site's plugins, then the operator's ``PATT_EXTRA_PLUGINS`` (same validation)."""
        extra = [p for p in self.settings.extra_plugins if p not in self.site.plugins]
        return [*self.site.plugins, *dict.fromkeys(extra)]

    def enabled_names(self) -> list[str]:
        if self.settings.patt_safe_mode:
            return []
        disabled = set(self.settings.disabled_plugins)
        return [p for p in self.listed_names() if p not in disabled]

    def load(self) -> PluginManager:
        problems = Problems()
        disabled = set(self.settings.disabled_plugins)
        eps = plugin_entry_points()
        candidates: dict[str, LoadedPlugin] = {}

        for name in self.builtins:
            obj = _instantiate(self.builtins[name])
            candidates[name] = LoadedPlugin(
                name=name,
                obj=obj,
                internal=True,
                distribution="patt-host",
                version=_host_version(),
                package_dir=_package_dir(obj),
            )

        for name in self.enabled_names():
            if name in candidates:
                problems.add(name, "is listed twice or clashes with a built-in plugin name")
                continue
            loaded = self._resolve(name, eps, problems)
            if loaded is not None:
                candidates[name] = loaded

        # Requirements: must be enabled (and loaded without error).
        requires = {name: lp.requires for name, lp in candidates.items()}
        for name, lp in candidates.items():
            for dep in lp.requires:
                if dep in candidates:
                    continue
                if dep in disabled or self.settings.patt_safe_mode:
                    why = "disabled (PATT_SAFE_MODE)" if self.settings.patt_safe_mode else "disabled"
                    problems.add(name, f"requires {dep!r}, which is {why}")
                elif dep in self.listed_names() or dep in eps:
                    if dep in self.listed_names():
                        problems.add(name, f"requires {dep!r}, which failed to load")
                    else:
                        problems.add(name, f"requires {dep!r}, which this site does not enable")
                else:
                    problems.add(name, f"requires {dep!r}, which is not installed")

        order = _topological(list(candidates), requires, problems)

        if self.site.hooks is not None and not self.settings.patt_safe_mode:
            site_name = "site"
            candidates[site_name] = LoadedPlugin(
                name=site_name,
                obj=_instantiate(self.site.hooks),
                is_site=True,
                requires=tuple(self.listed_names()),
            )
            order.append(site_name)

        for name in order:
            self._register(candidates[name], problems)
        problems.raise_if_any()
        try:
            # pluggy's own check (every implementation matches a hookspec), after everything
            # is registered; the checks above already name each problem, this is the backstop.
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError({self.pm.get_name(exc.plugin) or "?": [str(exc)]}) from exc
        self.plugins = [candidates[n] for n in order]
        self.by_name = {lp.name: lp for lp in self.plugins}
        log.info("plugins enabled: %s", ", ".join(lp.name for lp in self.plugins))
        return self

    def _resolve(self, name: str, eps: dict[str, EntryPoint], problems: Problems) -> LoadedPlugin | None:
        ep = eps.get(name)
        if name in self.extra:
            target = self.extra[name]
        elif ep is None:
            hint = difflib.get_close_matches(name, list(eps) + list(self.extra), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.add(name, f"is not installed: no entry point {name!r} in group {PLUGIN_GROUP!r}{extra}")
            return None
        else:
            try:
                target = ep.load()
            except Exception as exc:  # noqa: BLE001 - reported with every other problem
                problems.add(name, f"failed to import: {type(exc).__name__}: {exc}")
                return None
        try:
            obj = _instantiate(target)
        except Exception as exc:  # noqa: BLE001
            problems.add(name, f"failed to initialise: {type(exc).__name__}: {exc}")
            return None
        manifest_name = getattr(obj, "name", None)
        if manifest_name != name:
            problems.add(name, f"manifest name is {manifest_name!r}; it must equal the entry point name")
            return None
        if not NAME_RE.match(name):
            problems.add(name, "plugin names must be lowercase identifiers ([a-z][a-z0-9_]*)")
        dist, version = _distribution_of(ep)
        lp = LoadedPlugin(
            name=name,
            obj=obj,
            requires=tuple(getattr(obj, "requires", ()) or ()),
            distribution=dist,
            version=version or str(getattr(obj, "version", "")),
            package_dir=_package_dir(obj),
        )
        state_factory = getattr(obj, "state_factory", None)
        if state_factory is not None and not callable(state_factory):
            problems.add(name, "state_factory must be callable as state_factory(host, settings)")
        else:
            lp.state_factory = state_factory
        settings_model = getattr(obj, "settings_model", None)
        if settings_model is not None:
            try:
                lp.settings = self._plugin_settings(settings_model)
            except ValidationError as exc:  # each bad value by the variable to set
                problems.add(name, "invalid settings: " + describe_settings_error(settings_model, exc))
            except Exception as exc:  # noqa: BLE001
                problems.add(name, f"invalid settings: {exc}".replace("\n", " "))
        self._check_templates(lp, problems)
        return lp

    def _plugin_settings(self, model: Any) -> Any:
        """Read from the environment and the host's ``.env`` file, like the host's own settings
        (a model that names its own ``env_file`` keeps it)."""
        config = getattr(model, "model_config", {})
        if self.env_file is None or config.get("env_file") is not None:
            return model()
        return model(_env_file=self.env_file, _env_file_encoding="utf-8")

    @staticmethod
    def _check_templates(lp: LoadedPlugin, problems: Problems) -> None:
        folder = lp.templates_dir
        if folder is None:
            return
        strays = sorted(p.name for p in folder.iterdir() if p.name != lp.name and not p.name.startswith("."))
        if strays:
            problems.add(
                lp.name,
                f"templates must live in templates/{lp.name}/ (found {', '.join(strays)}); "
                "a plugin cannot add or shadow another namespace's templates",
            )

    def _register(self, lp: LoadedPlugin, problems: Problems) -> None:
        impls = implemented_hooks(lp.obj)
        unknown = [h for h in impls if h not in HOOK_NAMES]
        for hook in unknown:
            hint = difflib.get_close_matches(hook, HOOK_NAMES, n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.add(lp.name, f"implements unknown hook {hook!r}{extra}")
        if unknown:
            return
        refused = [
            message
            for hook, function in impls.items()
            for message in hookimpl_problems(hook, function, function.patt_impl)
        ]
        for message in refused:
            problems.add(lp.name, message)
        if refused:
            return
        adapter = adapt(lp.name, impls)
        try:
            self.pm.register(adapter, name=lp.name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            problems.add(lp.name, f"invalid hook implementation: {exc}")
            return
        lp.adapter = adapter
        lp.hooks = sorted(impls)

    @staticmethod
    def new_pluggy_manager(
        plugins: Iterable[LoadedPlugin], hooks: frozenset[str] | None = None
    ) -> pluggy.PluginManager:
        """A pluggy manager with PATT's hookspecs and these plugins' adapters, registered in order;
        with ``hooks``, each plugin's implementations of those hooks only (registering every
        implementation of every plugin again is most of a second manager's cost)."""
        pm = pluggy.PluginManager("patt")
        pm.add_hookspecs(hookspecs)
        for lp in plugins:
            if lp.adapter is not None:
                pm.register(lp.adapter if hooks is None else _HookSubset(lp.adapter, hooks), name=lp.name)
        return pm


class _HookSubset:
    """Some of an adapter's implementations, for a manager that calls only those hooks."""

    def __init__(self, adapter: HookAdapter, hooks: frozenset[str]) -> None:
        for hook in hooks:
            function = getattr(adapter, hook, None)
            if function is not None:
                setattr(self, hook, function)


def _host_version() -> str:
    from patt_host import __version__

    return __version__
