"""Migration machinery: lineages, version locations, and the ``patt db`` operations.

Each package carries its own Alembic lineage (branch label = its name, revision ids
``<lineage>_<nnnn>``) and the host runs them all through one environment, always
upgrading to ``heads``. Version locations are the enabled lineages plus any lineage
already recorded in the database, so a disabled plugin can still be purged.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

import patt_host
import sv_common
from patt_host.plugins import plugin_entry_points

if TYPE_CHECKING:
    from collections.abc import Iterable

    from patt_host.host import Host


REVISION_RE = re.compile(r"^(?P<lineage>[a-z][a-z0-9_]*)_(?P<num>\d{4})$")
ENV_DIR = Path(patt_host.__file__).parent / "alembic_env"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Lineage:
    name: str
    versions_dir: Path
    package: str
    models: tuple[str, ...] = field(default=())


def core_lineages() -> list[Lineage]:
    return [
        Lineage(
            "sv_common",
            Path(sv_common.__file__).parent / "migrations" / "versions",
            "sv_common",
            ("sv_common.models",),
        ),
        Lineage(
            "patt_host",
            Path(patt_host.__file__).parent / "migrations" / "versions",
            "patt_host",
            ("patt_host.models",),
        ),
    ]


def _plugin_lineage(name: str, obj: Any, versions_dir: Path) -> Lineage:
    package = type(obj).__module__.split(".")[0]
    models = tuple(getattr(obj, "models_modules", None) or (f"{package}.models",))
    return Lineage(name, versions_dir, package, models)


def enabled_lineages(host: Host) -> list[Lineage]:
    lineages = core_lineages()
    for plugin in host.plugins:
        if plugin.migrations_dir is not None:
            lineages.append(_plugin_lineage(plugin.name, plugin.obj, plugin.migrations_dir))
    return lineages


def has_revisions(lineage: Lineage) -> bool:
    """Whether ``lineage``'s folder holds a revision yet (a new plugin's may be empty)."""
    return any(_rev_from_file(path) for path in lineage.versions_dir.glob("*.py"))


def no_revisions_message(name: str) -> str:
    """The one line ``patt db upgrade``, ``check`` and ``serve`` say about an empty lineage."""
    return f"{name}: no migrations yet; create them with `patt db revision --plugin {name} -m ...`"


def lineage_of(revision: str) -> str:
    match = REVISION_RE.match(revision)
    if not match:
        raise MigrationError(f"revision id {revision!r} does not follow '<lineage>_<nnnn>'")
    return match.group("lineage")


def recorded_revisions(url: str) -> list[str]:
    """Revisions in the database's alembic_version table (empty for a new database)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    async def read() -> list[str]:
        import asyncpg

        # One plain connection: `patt serve` and `patt worker` check this on every start, and
        # an engine's first connection also initialises its dialect (server version, codecs)
        # for a single query. The engine only reads the URL here, as it would to connect.
        engine = create_async_engine(url)
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        conn = await asyncpg.connect(*args, **kwargs)
        try:
            # to_regclass resolves through search_path, as has_table("alembic_version") does.
            if not await conn.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL"):
                return []
            return [row[0] for row in await conn.fetch("SELECT version_num FROM alembic_version")]
        finally:
            await conn.close()

    return asyncio.run(read())


def all_lineages(host: Host, url: str) -> list[Lineage]:
    """Enabled lineages plus installed-but-disabled ones the database already records."""
    lineages = enabled_lineages(host)
    known = {lin.name for lin in lineages}
    # Plugins handed to the host directly (embedding, tests) count as installed too.
    installed: dict[str, Any] = {name: ep.load for name, ep in plugin_entry_points().items()}
    installed.update({name: (lambda cls=cls: cls) for name, cls in host.manager.extra.items()})
    for revision in recorded_revisions(url):
        name = lineage_of(revision)
        if name in known:
            continue
        if name not in installed:
            raise MigrationError(
                f"the database holds migrations of plugin {name!r}, which is not installed; "
                f"install it (then `patt db purge {name}` if you want its tables gone)"
            )
        obj = installed[name]()
        obj = obj() if isinstance(obj, type) else obj
        module_file = importlib.import_module(type(obj).__module__).__file__
        versions = Path(module_file).parent / "migrations" / "versions"
        lineages.append(_plugin_lineage(name, obj, versions))
        known.add(name)
    return lineages


def load_metadata(lineages: list[Lineage]):
    """Import the model modules of ``lineages`` and return the shared MetaData."""
    from sv_common.db import Base

    for lineage in lineages:
        for module in lineage.models:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
    return Base.metadata


def make_config(url: str, lineages: list[Lineage], *, owners: set[str] | None = None, connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", ":".join(str(lin.versions_dir) for lin in lineages))
    cfg.attributes["url"] = url
    cfg.attributes["target_metadata"] = load_metadata(lineages)
    cfg.attributes["owners"] = owners if owners is not None else {lin.package for lin in lineages}
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


# -- operations (synchronous; call them from a thread inside an event loop) ------------


def upgrade(host: Host, url: str, target: str = "heads") -> None:
    """Upgrade to ``target`` (every lineage's head); a lineage without revisions yet has
    nothing to apply and is left alone."""
    from alembic import command

    command.upgrade(make_config(url, all_lineages(host, url)), target)


def downgrade(host: Host, url: str, target: str) -> None:
    from alembic import command

    command.downgrade(make_config(url, all_lineages(host, url)), target)


def purge(host: Host, url: str, plugin: str) -> None:
    """Remove a plugin's tables by downgrading its lineage to base."""
    from alembic import command

    if plugin in ("sv_common", "patt_host"):
        raise MigrationError(f"{plugin} is part of the platform core and cannot be purged")
    lineages = all_lineages(host, url)
    by_name = {lin.name: lin for lin in lineages}
    if plugin not in by_name or not has_revisions(by_name[plugin]):
        raise MigrationError(f"no migrations of plugin {plugin!r} are recorded or enabled")
    command.downgrade(make_config(url, lineages), f"{plugin}@base")


def references_into(host: Host, url: str, plugin: str) -> list[str]:
    """Rows of other packages' tables that point at ``plugin``'s tables (foreign keys).

    ``patt db purge`` shows them first: those rows (and their constraints) stop the drop,
    or lose what they point at, so the operator should know before confirming.
    """
    from sqlalchemy.ext.asyncio import create_async_engine

    lineages = all_lineages(host, url)
    by_name = {lin.name: lin for lin in lineages}
    if plugin not in by_name:
        return []
    metadata = load_metadata(lineages)
    owned = [t.fullname for t in metadata.tables.values() if t.info.get("owner") == by_name[plugin].package]
    if not owned:
        return []

    async def read() -> list[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text "
                        "FROM pg_constraint c JOIN pg_attribute a "
                        "ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                        "WHERE c.contype = 'f' AND c.confrelid = ANY(CAST(:oids AS regclass[])) "
                        "AND NOT c.conrelid = ANY(CAST(:oids AS regclass[])) ORDER BY 1, 2"
                    ),
                    {"oids": [name for name in owned]},
                )
                found = []
                for table, column, target in rows.all():
                    count = await conn.scalar(
                        text(f'SELECT count(*) FROM {table} WHERE "{column}" IS NOT NULL')  # noqa: S608 - catalog names
                    )
                    if count:
                        found.append(f"{count} row(s) of {table}.{column} reference {target}")
                return found
        finally:
            await engine.dispose()

    try:
        return asyncio.run(read())
    except Exception as exc:  # noqa: BLE001 - a missing table just means nothing references it
        if "does not exist" in str(exc):
            return []
        raise


_DOWN_RE = re.compile(r"^down_revision(?::[^=]*)?\s*=\s*(.+)$", re.M)
_DEPENDS_RE = re.compile(r"^depends_on(?::[^=]*)?\s*=\s*(.+)$", re.M)


def _revisions_in(match: re.Match | None) -> tuple[str, ...]:
    import ast

    if match is None:
        return ()
    value = ast.literal_eval(match.group(1).strip())
    return tuple(value) if isinstance(value, list | tuple) else ((value,) if value else ())


def script_graph(lineages: list[Lineage]) -> dict[str, tuple[str, ...]]:
    """revision -> the revisions it needs (``down_revision`` and ``depends_on``), read
    straight from the files.

    ``patt serve`` checks the schema on every start; reading two assignments per file
    keeps that check off Alembic's (slow to import) script machinery. ``depends_on``
    counts like Alembic counts it: Alembic records in ``alembic_version`` only the heads
    not already implied by a dependant, so a check that ignored it would call a database
    that ``patt db upgrade`` finished "behind".
    """
    graph: dict[str, tuple[str, ...]] = {}
    for lineage in lineages:
        for path in lineage.versions_dir.glob("*.py"):
            source = path.read_text()
            rev = _rev_from_file(path, source)
            down_match = _DOWN_RE.search(source)
            if rev is None or down_match is None:
                continue
            graph[rev] = _revisions_in(down_match) + _revisions_in(_DEPENDS_RE.search(source))
    return graph


def applied_revisions(graph: dict[str, tuple[str, ...]], recorded: Iterable[str]) -> set[str]:
    """Every revision the database has: the ``recorded`` heads and all they need (``graph``
    from :func:`script_graph`)."""
    applied: set[str] = set()
    stack = [r for r in recorded if r in graph]
    while stack:
        rev = stack.pop()
        if rev not in applied:
            applied.add(rev)
            stack.extend(graph.get(rev, ()))
    return applied


def status(host: Host, url: str) -> dict[str, Any]:
    """Heads the code expects vs revisions the database has, for the enabled lineages.

    ``empty``: enabled lineages with no revision yet. They expect nothing, so they never make
    the database "behind"; ``patt db upgrade`` skips them with :func:`no_revisions_message`,
    and ``patt db check`` and the start-up check say the same line.
    """
    lineages = enabled_lineages(host)
    empty = sorted(lin.name for lin in lineages if not has_revisions(lin))
    graph = script_graph(lineages)
    referenced = {d for downs in graph.values() for d in downs}
    expected = set(graph) - referenced
    current = set(recorded_revisions(url))
    applied = applied_revisions(graph, current)
    missing = sorted(h for h in expected if h not in applied)
    return {
        "expected": sorted(expected),
        "current": sorted(current),
        "missing": missing,
        "ok": not missing,
        "empty": empty,
    }


def revision(host: Host, url: str, plugin: str, message: str, *, autogenerate: bool = True) -> str | None:
    """Write the next migration of ``plugin``'s lineage; returns its path, or None when
    autogenerate finds nothing to do (no file is written: :func:`nothing_to_do_message`).

    Raises :class:`MigrationError` (one line, saying what to run) when the plugin has no
    migrations folder or the database is behind.
    """
    from alembic import command
    from alembic.util import CommandError

    lineages = all_lineages(host, url)
    behind = status(host, url)["missing"]
    if behind:  # autogenerate compares the models with the database, so it must be current
        raise MigrationError(
            f"the database is behind the code (missing: {', '.join(behind)}); "
            "run `patt db upgrade` first, then create the revision"
        )
    by_name = {lin.name: lin for lin in lineages}
    if plugin not in by_name:
        raise MigrationError(_no_lineage_message(host, plugin))
    lineage = by_name[plugin]
    numbers = [
        int(m.group("num"))
        for p in lineage.versions_dir.glob("*.py")
        if (m := REVISION_RE.match(_rev_from_file(p) or ""))
    ]
    rev_id = f"{plugin}_{(max(numbers) + 1) if numbers else 1:04d}"
    cfg = make_config(url, lineages, owners={lineage.package})
    if autogenerate and numbers:
        cfg.attributes["skip_empty_revision"] = True
    kwargs: dict[str, Any] = {"rev_id": rev_id, "version_path": str(lineage.versions_dir)}
    if numbers:
        kwargs["head"] = f"{plugin}@head"
    else:
        # A new lineage depends on the fixed revisions that create what its tables need,
        # never on another lineage's newest revision (which moves as that lineage grows).
        kwargs.update(head="base", branch_label=plugin, depends_on=needed_revisions(lineage, lineages))
    try:
        script = command.revision(cfg, message=message, autogenerate=autogenerate, **kwargs)
    except CommandError as exc:
        raise MigrationError(f"alembic refused the revision: {exc}") from exc
    if not script:  # an empty list: the environment dropped an empty autogenerated revision
        return None
    _format(script.path)
    return script.path


def nothing_to_do_message(plugin: str) -> str:
    return (
        f"nothing to do: {plugin}'s models and its migrations agree; no revision written "
        "(use --empty for a hand-written migration)"
    )


def _no_lineage_message(host: Host, plugin: str) -> str:
    if not host.has_plugin(plugin):
        return (
            f"plugin {plugin!r} is not enabled on this site; enable it first "
            f"(PATT_EXTRA_PLUGINS={plugin} patt db revision --plugin {plugin} ...)"
        )
    package_dir = host.plugin(plugin).package_dir
    folder = package_dir / "migrations" / "versions" if package_dir else Path("migrations/versions")
    return f"plugin {plugin!r} has no migrations folder yet; create it (mkdir -p {folder}) and run this again"


# op.create_table("name", ..., schema="x",) up to its closing line (a bare ")").
_CREATE_TABLE_RE = re.compile(
    r"create_table\(\s*['\"](?P<table>[^'\"]+)['\"](?P<rest>.*?)^\s*\)\s*$", re.S | re.M
)
_SCHEMA_RE = re.compile(r"schema\s*=\s*['\"]([^'\"]+)['\"]")


def _table_creators(lineage: Lineage) -> dict[str, str]:
    """``schema.table`` -> the revision of ``lineage`` whose migration creates it."""
    creators: dict[str, str] = {}
    for path in sorted(lineage.versions_dir.glob("*.py")):
        source = path.read_text()
        rev = _rev_from_file(path, source)
        if rev is None:
            continue
        for match in _CREATE_TABLE_RE.finditer(source):
            schema = _SCHEMA_RE.search(match.group("rest"))
            key = f"{schema.group(1)}.{match.group('table')}" if schema else match.group("table")
            creators.setdefault(key, rev)
    return creators


def needed_revisions(lineage: Lineage, lineages: list[Lineage]) -> tuple[str, ...]:
    """What a new lineage's first revision depends on: sv_common's first revision (the shared
    schemas) and, for every table its models reference by foreign key, the revision of the
    other lineage that creates that table. Only the newest per lineage is kept (the others
    are its ancestors)."""
    metadata = load_metadata(lineages)
    creators: dict[str, tuple[str, str]] = {}  # table -> (lineage, revision)
    for other in lineages:
        if other.name != lineage.name:
            creators.update({t: (other.name, rev) for t, rev in _table_creators(other).items()})
    roots = sorted(
        r for r in script_graph([lin for lin in lineages if lin.name == "sv_common"]) if r.endswith("_0001")
    )
    needed: dict[str, str] = {"sv_common": roots[0]} if roots else {}
    for table in metadata.tables.values():
        if table.info.get("owner") != lineage.package:
            continue
        for fk in table.foreign_keys:
            creator = creators.get(fk.column.table.fullname)
            if creator is not None:
                name, rev = creator
                needed[name] = max(needed.get(name, rev), rev)  # ids sort by number within a lineage
    return tuple(sorted(needed.values()))


def _format(path: str) -> None:
    """Sort the imports of a generated migration and format it with ruff when ruff is installed
    (a dev tool, optional), so the file passes ``ruff check`` as written. Ruff reads the
    configuration of the project the file is in (the repository's, or the plugin's own)."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("ruff") is None or not Path(path).exists():
        return
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "check", "--select", "I", "--fix", "-q", path], check=False, capture_output=True)
    subprocess.run([*ruff, "format", "-q", path], check=False)


def _rev_from_file(path: Path, source: str | None = None) -> str | None:
    text_ = path.read_text() if source is None else source
    match = re.search(r"^revision(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", text_, re.M)
    return match.group(1) if match else None


def compare(url: str, lineages: list[Lineage]) -> list[Any]:
    """Differences between the models and the migrated database for ``lineages``."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    from patt_host.alembic_filters import make_include_name, make_include_object

    metadata = load_metadata(lineages)
    owners = {lin.package for lin in lineages}

    def diff(sync_conn) -> list[Any]:
        opts = {
            "include_schemas": True,
            "include_object": make_include_object(metadata, owners),
            "include_name": make_include_name(metadata, owners),
            "compare_type": True,
        }
        return compare_metadata(MigrationContext.configure(sync_conn, opts=opts), metadata)

    async def run() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(diff)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def model_problems(host: Host, url: str) -> dict[str, list[str]]:
    """What ``patt db check --models`` reports, by lineage (empty: all agree).

    - an enabled plugin whose models define tables but which has no revision yet (no
      ``migrations/versions/`` folder, or an empty one);
    - for every lineage with revisions, what autogenerate would write: the models compared
      with the database as the migrations left it (:func:`compare`, the comparison ``patt db
      revision`` makes). The database must be current (``status(...)["ok"]``) for that to
      mean "models vs migrations".
    """
    lineages = enabled_lineages(host)
    migrated = [lin for lin in lineages if has_revisions(lin)]
    owners = {lin.package for lin in migrated}
    found: dict[str, list[str]] = {}
    for plugin in host.plugins:
        versions = plugin.migrations_dir
        if versions is None:
            base = plugin.package_dir or Path(".")
            versions = base / "migrations" / "versions"
        lineage = _plugin_lineage(plugin.name, plugin.obj, versions)
        if lineage.package in owners:
            continue
        metadata = load_metadata([lineage])
        tables = sorted(
            t.fullname for t in metadata.tables.values() if t.info.get("owner") == lineage.package
        )
        if not tables:
            continue
        if plugin.migrations_dir is None:
            how = f"create the folder (mkdir -p {versions}), then `patt db revision --plugin {plugin.name} -m ...`"
        else:
            how = f"create them with `patt db revision --plugin {plugin.name} -m ...`"
        found[plugin.name] = [
            f"{plugin.name}: its models define {', '.join(tables)}, but it has no migrations yet; {how}"
        ]
    if not migrated:
        return found
    metadata = load_metadata(migrated)
    by_package = {lin.package: lin.name for lin in migrated}
    by_schema = {
        t.schema: by_package[t.info["owner"]]
        for t in metadata.tables.values()
        if t.schema and t.info.get("owner") in by_package
    }
    differences: dict[str, list[str]] = {}
    for diff in compare(url, migrated):
        table = _diff_table(diff)
        known = metadata.tables.get(table)
        name = by_package.get(known.info.get("owner")) if known is not None else None
        name = name or by_schema.get(table.partition(".")[0] if "." in table else None) or "database"
        differences.setdefault(name, []).append(describe_diff(diff))
    for name, lines in sorted(differences.items()):
        found[name] = [
            f"{name}: the models and the migrations differ; write the migration with "
            f"`patt db revision --plugin {name} -m ...`:",
            *(f"  - {line}" for line in lines),
        ]
    return found


def _diff_table(diff: Any) -> str:
    """``schema.table`` an autogenerate difference is about."""
    if isinstance(diff, list):
        return _diff_table(diff[0])
    kind = diff[0]
    if kind in ("add_column", "remove_column") or kind.startswith("modify_"):
        schema, table = diff[1], diff[2]
        return f"{schema}.{table}" if schema else table
    obj = diff[1]
    table = getattr(obj, "table", obj)  # an index or constraint's table, or the table itself
    return getattr(table, "fullname", str(table))


def describe_diff(diff: Any) -> str:
    """One line for an autogenerate difference (``alembic.autogenerate.compare_metadata``)."""
    if isinstance(diff, list):  # the changes of one column
        return "; ".join(describe_diff(item) for item in diff)
    kind = diff[0]
    table = _diff_table(diff)
    where = (
        "in the models, not in the migrations"
        if kind.startswith("add_")
        else ("in the database, not in the models")
    )
    if kind in ("add_table", "remove_table"):
        return f"table {table}: {where}"
    if kind in ("add_column", "remove_column"):
        return f"column {table}.{diff[3].name}: {where}"
    if kind.startswith("modify_"):
        _kind, _schema, _table, column, _existing, old, new = diff
        return f"column {table}.{column}: {kind[len('modify_') :]} is {old!r} in the database, {new!r} in the models"
    what = kind.split("_", 1)[1]  # index, constraint, fk, table_comment
    name = getattr(diff[1], "name", None)
    return f"{what} {name + ' ' if name else ''}on {table}: {where}"
