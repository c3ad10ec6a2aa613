"""Which database objects a migration comparison looks at (shared by env.py and checks)."""

from __future__ import annotations

PLATFORM_SCHEMAS = frozenset({"public", "common", "patt", "guild_identity"})


def owned_schemas(metadata, owners) -> set[str]:
    """Schemas the in-scope packages' tables live in, besides the platform's (a plugin's own schema)."""
    if metadata is None:
        return set()
    return {
        table.schema
        for table in metadata.tables.values()
        if table.schema
        and table.schema not in PLATFORM_SCHEMAS
        and (owners is None or table.info.get("owner") in owners)
    }


def make_include_object(metadata, owners):
    """Compare only tables owned by the packages in scope (a site's plugin set)."""

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ != "table" or owners is None:
            return True
        if not reflected:
            return obj.info.get("owner") in owners
        if compare_to is not None:
            return compare_to.info.get("owner") in owners
        key = f"{obj.schema}.{name}" if obj.schema else name
        known = metadata.tables.get(key) if metadata is not None else None
        return known is None or known.info.get("owner") in owners

    return include_object


def make_include_name(metadata, owners):
    """Reflect the platform schemas and the in-scope plugins' own schemas (nothing else)."""
    schemas = PLATFORM_SCHEMAS | owned_schemas(metadata, owners)

    def include_name(name, type_, parent_names):
        if type_ == "schema":
            return name is None or name in schemas
        return True

    return include_name


def add_schema_ops(context, revision, directives) -> None:
    """Autogenerate: a plugin's own schema is created before its first table and dropped after it.

    Alembic never emits CREATE SCHEMA; without this the upgrade fails with an unknown schema.
    """
    from alembic.operations import ops
    from sqlalchemy import inspect

    script = directives[0]
    if script.upgrade_ops is None or script.upgrade_ops.is_empty():
        return
    existing = set(inspect(context.connection).get_schema_names())
    new = sorted(
        {
            op.schema
            for op in script.upgrade_ops.ops
            if isinstance(op, ops.CreateTableOp) and op.schema and op.schema not in existing
        }
    )
    for schema in new:
        script.upgrade_ops.ops.insert(0, ops.ExecuteSQLOp(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        script.downgrade_ops.ops.append(ops.ExecuteSQLOp(f'DROP SCHEMA IF EXISTS "{schema}"'))
