"""``patt db ...``: migrations (and the check ``serve``, ``worker`` and ``bot`` run first)."""

from __future__ import annotations

import sys

import click

from patt_host.cli.base import HostContext, cli, pass_ctx


def db_url(host) -> str:
    return host.database_url()


def ensure_migrated(host) -> None:
    """The start-up check of ``serve``, ``worker`` and ``bot``: it agrees with ``patt db check``
    (a lineage without revisions yet is not "behind"; the same one line says so)."""
    from patt_host import dbmigrate

    state = dbmigrate.status(host, db_url(host))
    if not state["ok"]:
        raise click.ClickException(
            "the database is behind the code (missing: " + ", ".join(state["missing"]) + "). "
            "Run `patt db upgrade` first."
        )
    for name in state["empty"]:
        click.echo(dbmigrate.no_revisions_message(name), err=True)


def upgrade_with_progress(host) -> None:
    from alembic import command
    from alembic.util import CommandError

    from patt_host import dbmigrate

    url = db_url(host)
    try:
        lineages = dbmigrate.all_lineages(host, url)
    except dbmigrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    # A new plugin's empty migrations/versions/ has no head to upgrade to: say what to run and
    # upgrade the others (`patt db revision` needs them current before it can autogenerate).
    empty = [lineage for lineage in lineages if not dbmigrate.has_revisions(lineage)]
    for lineage in empty:
        click.echo(dbmigrate.no_revisions_message(lineage.name), err=True)
    todo = [lineage for lineage in lineages if lineage not in empty]
    config = dbmigrate.make_config(url, lineages)
    graph = dbmigrate.script_graph(todo)
    before = dbmigrate.applied_revisions(graph, dbmigrate.recorded_revisions(url))
    # One lineage at a time so the bar moves; `<lineage>@head` also applies its depends_on.
    with click.progressbar(todo, label="Migrating", item_show_func=lambda x: x.name if x else "") as bar:
        for lineage in bar:
            try:
                command.upgrade(config, f"{lineage.name}@head")
            except CommandError as exc:
                raise click.ClickException(f"{lineage.name}: alembic refused the upgrade: {exc}") from exc
    after = dbmigrate.applied_revisions(graph, dbmigrate.recorded_revisions(url))
    click.echo(migrations_summary(after - before, [lineage.name for lineage in todo]))


def migrations_summary(applied: set[str], order: list[str]) -> str:
    """One line for what an upgrade applied, per lineage in ``order`` (alembic's line per
    revision shows with -v)."""
    from patt_host import dbmigrate

    if not applied:
        return "migrations: none to apply"
    per_lineage = {name: 0 for name in order}
    for rev in applied:
        name = dbmigrate.lineage_of(rev)
        per_lineage[name] = per_lineage.get(name, 0) + 1
    counts = ", ".join(f"{name} {n}" for name, n in per_lineage.items() if n)
    return f"migrations: applied {len(applied)} ({counts})"


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(hctx: HostContext) -> None:
    """Apply every lineage's migrations (to `heads`)."""
    upgrade_with_progress(hctx.host())
    click.echo("database is up to date")


@db.command("current")
@pass_ctx
def db_current(hctx: HostContext) -> None:
    """Show the revisions recorded in the database."""
    from patt_host import dbmigrate

    host = hctx.host()
    for rev in sorted(dbmigrate.recorded_revisions(db_url(host))):
        click.echo(rev)


@db.command("check")
@click.option(
    "--models",
    is_flag=True,
    help="Also compare the enabled plugins' models with the migrated database, as "
    "`patt db revision` does; a difference, or a plugin with tables but no migrations, exits 1.",
)
@pass_ctx
def db_check(hctx: HostContext, models: bool) -> None:
    """Exit non-zero when the database is behind the enabled plugins' migrations."""
    import logging

    from patt_host import dbmigrate

    logging.getLogger("alembic").setLevel(logging.WARNING)  # the comparison's notes are not findings
    host = hctx.host()
    url = db_url(host)
    state = dbmigrate.status(host, url)
    if not state["ok"]:
        for name in state["empty"]:
            click.echo(dbmigrate.no_revisions_message(name), err=True)
        click.echo("behind; missing: " + ", ".join(state["missing"]), err=True)
        sys.exit(1)
    problems = dbmigrate.model_problems(host, url) if models else {}
    for name in state["empty"]:
        if name not in problems:
            click.echo(dbmigrate.no_revisions_message(name), err=True)
    for lines in problems.values():
        for line in lines:
            click.echo(line, err=True)
    if problems:
        sys.exit(1)
    agree = "; the models and the migrations agree" if models else ""
    click.echo("ok: " + ", ".join(state["expected"]) + agree)


@db.command("revision")
@click.option("--plugin", required=True, help="Lineage to add the revision to.")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Do not autogenerate from the models.")
@pass_ctx
def db_revision(hctx: HostContext, plugin: str, message: str, empty: bool) -> None:
    """Create a migration in a plugin's lineage (autogenerated from its models)."""
    from patt_host import dbmigrate

    host = hctx.host()
    try:
        path = dbmigrate.revision(host, db_url(host), plugin, message, autogenerate=not empty)
    except dbmigrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    if path is None:  # not an error: `patt db revision` is also how an author checks the models
        click.echo(dbmigrate.nothing_to_do_message(plugin))
        return
    click.echo(f"created {path}")


@db.command("purge")
@click.argument("plugin")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def db_purge(hctx: HostContext, plugin: str, yes: bool) -> None:
    """Drop a plugin's tables (downgrade its lineage to base). Its data is lost."""
    from patt_host import dbmigrate

    host = hctx.host()
    try:
        references = dbmigrate.references_into(host, db_url(host), plugin)
    except dbmigrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in references:
        click.echo(f"warning: {line}; they block the drop or lose what they point at", err=True)
    if not yes:
        click.confirm(f"Drop every table of plugin {plugin!r}?", abort=True)
    try:
        dbmigrate.purge(host, db_url(host), plugin)
    except dbmigrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"purged {plugin}")


@db.command("adopt")
@click.option("--apply", "do_apply", is_flag=True, help="Adopt for real (default: a dry run, rolled back).")
@click.option(
    "--allow-drop", is_flag=True, help="After a complete adoption, drop the archived original schemas."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def db_adopt(hctx: HostContext, do_apply: bool, allow_drop: bool, as_json: bool) -> None:
    """Bring a database of the original PATT system under the platform (docs/operators/adopt.md)."""
    import asyncio
    import json
    import logging

    from patt_host import adopt

    if allow_drop and not do_apply:  # a dry run never drops: it would answer "nothing to do"
        raise click.UsageError("--allow-drop drops the archived original schemas: use it with --apply")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the report says what ran
    host = hctx.host()
    try:
        report = asyncio.run(adopt.adopt(host, db_url(host), apply=do_apply, allow_drop=allow_drop))
    except adopt.AdoptRefused as exc:
        if as_json:
            click.echo(json.dumps({"refused": str(exc)}))
            sys.exit(2)
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report.to_dict(), default=str, indent=2) if as_json else adopt.render(report))
    if report.failed:
        sys.exit(1)
