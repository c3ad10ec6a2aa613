"""Which database objects a migration comparison looks at (shared by env.py and checks)."""

from __future__ import annotations

PLATFORM_SCHEMAS = frozenset({"public", "common", "patt", "guild_identity"})


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


def include_name(name, type_, parent_names):
    if type_ == "schema":
        return name is None or name in PLATFORM_SCHEMAS
    return True
