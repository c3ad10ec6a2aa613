"""The one Alembic environment of the platform (every lineage runs through it).

Configured in code by :mod:`patt_host.dbmigrate`; there is no alembic.ini.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host.alembic_filters import add_schema_ops, make_include_name, make_include_object

config = context.config
attrs = config.attributes
metadata = attrs.get("target_metadata")
owners = attrs.get("owners")


def revision_directives(context_, revision, directives) -> None:
    add_schema_ops(context_, revision, directives)
    # `patt db revision` with nothing to do writes no file (dbmigrate.revision says so).
    if attrs.get("skip_empty_revision") and directives and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def do_run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_schemas=True,
        include_object=make_include_object(metadata, owners),
        include_name=make_include_name(metadata, owners),
        process_revision_directives=revision_directives,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    engine = create_async_engine(attrs["url"], poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if attrs.get("connection") is not None:
    do_run_migrations(attrs["connection"])
else:
    asyncio.run(run_async())
