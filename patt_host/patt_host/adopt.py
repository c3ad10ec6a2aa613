"""``patt db adopt``: bring a database of the original PATT system under the platform.

1. **Detect.** The original is recognised by its ``alembic_version`` (not a platform
   revision) and a fingerprint of the tables and columns every known variant has; the
   variant (``context``: the seed's documented schema, ``live``: what its migrations built)
   is told by the shape of ``patt.votes`` and ``patt.campaign_results``. Anything else is
   refused and left untouched.
2. **Archive.** Its three schemas are renamed ``original_<schema>`` and its
   ``alembic_version`` moves to ``patt_adopt``; nothing of the original is dropped.
3. **Schema.** The platform's migrations create every enabled lineage's tables (to heads),
   which records the platform's revisions, so ``patt db upgrade`` continues from there.
4. **Steps.** sv_common's steps and every enabled plugin's (``adopt_steps`` hook) carry the
   rows, one transaction per step, each recorded in ``patt_adopt.steps`` so a second run
   only does what is left (nothing, once done).

The dry run (the default) does all of this in one transaction and rolls it back: its report
is what ``--apply`` will do, row for row. ``--allow-drop`` drops the archive once every step
has run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from sv_common.adopt import ARCHIVE, AdoptStep, Original, StepReport

if TYPE_CHECKING:
    from patt_host.host import Host

META = "patt_adopt"
_PLATFORM_REVISION = re.compile(r"^[a-z][a-z0-9_]*_\d{4}$")

#: Tables and columns every known variant of the original has.
FINGERPRINT: dict[str, set[str]] = {
    "common.users": {"id", "email", "password_hash", "is_active"},
    "common.guild_ranks": {"id", "name", "level", "discord_role_id"},
    "common.invite_codes": {"id", "code", "player_id", "used_at"},
    "guild_identity.players": {"id", "display_name", "discord_user_id", "website_user_id", "guild_rank_id"},
    "guild_identity.wow_characters": {"id", "character_name", "realm_slug", "class_id", "guild_rank_id"},
    "guild_identity.discord_users": {"id", "discord_id", "username"},
    "guild_identity.player_characters": {"id", "player_id", "character_id"},
    "guild_identity.classes": {"id", "name"},
    "guild_identity.specializations": {"id", "class_id", "name"},
    "patt.campaigns": {
        "id",
        "title",
        "status",
        "picks_per_voter",
        "min_rank_to_vote",
        "start_at",
        "duration_hours",
    },
    "patt.campaign_entries": {"id", "campaign_id", "name"},
}
#: What tells the variants apart.
VARIANTS: dict[str, dict[str, set[str]]] = {
    "context": {"patt.votes": {"rankings"}, "patt.campaign_results": {"results"}},
    "live": {
        "patt.votes": {"entry_id", "rank"},
        "patt.campaign_results": {"entry_id", "weighted_score", "final_rank"},
    },
}


class AdoptRefused(RuntimeError):
    """The database is not one adopt recognises; nothing was changed."""


@dataclass
class Detection:
    state: str  # original | in_progress | adopted | platform
    original: Original | None = None
    done: set[str] = field(default_factory=set)


@dataclass
class AdoptReport:
    applied: bool
    state: str
    variant: str | None = None
    revision: str | None = None
    renamed: list[str] = field(default_factory=list)
    steps: list[tuple[str, StepReport | None, str | None]] = field(
        default_factory=list
    )  # name, report, error
    left_in_archive: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def nothing_to_do(self) -> bool:
        return not self.steps and not self.renamed and not self.dropped

    @property
    def failed(self) -> bool:
        return any(error for _, _, error in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "state": self.state,
            "variant": self.variant,
            "revision": self.revision,
            "renamed": self.renamed,
            "steps": [
                {"name": name, "error": error, **(report.to_dict() if report else {})}
                for name, report, error in self.steps
            ],
            "left_in_archive": self.left_in_archive,
            "dropped": self.dropped,
            "nothing_to_do": self.nothing_to_do,
            "message": self.message,
        }


# -- detection ---------------------------------------------------------------------------------


async def _columns(conn: AsyncConnection, schemas: list[str]) -> dict[tuple[str, str], frozenset[str]]:
    rows = await conn.execute(
        text(
            "SELECT c.table_schema, c.table_name, array_agg(c.column_name::text) FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE t.table_type = 'BASE TABLE' AND c.table_schema = ANY(:s) GROUP BY 1, 2"
        ),
        {"s": schemas},
    )
    return {(schema, table): frozenset(cols) for schema, table, cols in rows.all()}


async def _has_table(conn: AsyncConnection, qualified: str) -> bool:
    return bool(await conn.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": qualified}))


def _variant(columns: dict[str, frozenset[str]]) -> tuple[str | None, list[str]]:
    """The variant the tables match, or None and what is missing."""
    problems = []
    for table, needed in FINGERPRINT.items():
        have = columns.get(table)
        if have is None:
            problems.append(f"table {table} is missing")
        elif needed - have:
            problems.append(f"{table} lacks column(s) {', '.join(sorted(needed - have))}")
    if problems:
        return None, problems
    for name, shape in VARIANTS.items():
        if all(table in columns and cols <= columns[table] for table, cols in shape.items()):
            return name, []
    votes = sorted(columns.get("patt.votes", ()))
    return None, [f"patt.votes has neither known shape (columns: {', '.join(votes) or 'no table'})"]


async def detect(conn: AsyncConnection) -> Detection:
    """What the database is; raises :class:`AdoptRefused` when adopt does not recognise it."""
    archived = await _has_table(conn, f"{META}.steps")
    if archived:
        raw = await _columns(conn, list(ARCHIVE.values()))
        if not raw:  # adopted, and the archive dropped since (--allow-drop)
            return Detection("platform")
        back = {v: k for k, v in ARCHIVE.items()}
        columns = {f"{back[s]}.{t}": cols for (s, t), cols in raw.items()}
        variant, _ = _variant(columns)
        revision = await conn.scalar(text(f"SELECT max(version_num) FROM {META}.original_alembic_version"))
        done = {r[0] for r in await conn.execute(text(f"SELECT name FROM {META}.steps"))}
        original = Original(
            variant or "unknown", revision, columns, await _counts(conn, columns, archived=True)
        )
        return Detection("in_progress", original, done)
    revisions: list[str] = []
    if await _has_table(conn, "public.alembic_version"):
        revisions = [r[0] for r in await conn.execute(text("SELECT version_num FROM public.alembic_version"))]
    platform = [r for r in revisions if _PLATFORM_REVISION.match(r)]
    raw = await _columns(conn, list(ARCHIVE))
    columns = {f"{s}.{t}": cols for (s, t), cols in raw.items()}
    if platform:
        if len(platform) != len(revisions):
            raise AdoptRefused(
                "refused: alembic_version mixes the platform's revisions with others "
                f"({', '.join(sorted(revisions))}); nothing was changed"
            )
        return Detection("platform")
    if not revisions:
        raise AdoptRefused(
            "refused: this database has no alembic_version table, so it is neither the original PATT "
            "system's database nor the platform's; nothing was changed"
        )
    variant, problems = _variant(columns)
    if variant is None:
        raise AdoptRefused(
            f"refused: alembic revision {', '.join(revisions)} with tables adopt does not recognise as "
            "the original PATT database: " + "; ".join(problems) + ". Nothing was changed."
        )
    return Detection(
        "original", Original(variant, ", ".join(revisions), columns, await _counts(conn, columns))
    )


async def _counts(
    conn: AsyncConnection, columns: dict[str, Any], *, archived: bool = False
) -> dict[str, int]:
    counts = {}
    for name in sorted(columns):
        schema, table = name.split(".")
        where = ARCHIVE[schema] if archived else schema
        counts[name] = int(await conn.scalar(text(f'SELECT count(*) FROM {where}."{table}"')) or 0)
    return counts


# -- steps ---------------------------------------------------------------------------------------


def collect_steps(host: Host) -> list[AdoptStep]:
    """sv_common's steps, then the enabled plugins' in dependency order, sorted by ``order``."""
    from sv_common.adopt.core import core_steps

    steps = core_steps() + [step for _plugin, step in host.hooks.adopt_steps()]
    names = [s.name for s in steps]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuntimeError(f"adopt steps with the same name: {', '.join(sorted(duplicates))}")
    return sorted(steps, key=lambda s: s.order)  # stable: dependency order within an order


async def _archive(conn: AsyncConnection, report: AdoptReport) -> None:
    await conn.execute(text(f"CREATE SCHEMA {META}"))
    await conn.execute(
        text(
            f"CREATE TABLE {META}.steps (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), report jsonb)"
        )
    )
    await conn.execute(text(f"ALTER TABLE public.alembic_version SET SCHEMA {META}"))
    await conn.execute(text(f"ALTER TABLE {META}.alembic_version RENAME TO original_alembic_version"))
    report.renamed.append(f"table public.alembic_version -> {META}.original_alembic_version")
    for schema, archive in ARCHIVE.items():
        await conn.execute(text(f"ALTER SCHEMA {schema} RENAME TO {archive}"))
        report.renamed.append(f"schema {schema} -> {archive} (the original, kept until --allow-drop)")


def _upgrade(sync_conn, host: Host) -> None:
    from alembic import command

    from patt_host import dbmigrate

    lineages = dbmigrate.enabled_lineages(host)
    command.upgrade(dbmigrate.make_config("", lineages, connection=sync_conn), "heads")


async def _schema(conn: AsyncConnection, host: Host, report: AdoptReport) -> None:
    await conn.run_sync(_upgrade, host)
    revisions = sorted(
        r[0] for r in await conn.execute(text("SELECT version_num FROM public.alembic_version"))
    )
    report.renamed.append("platform tables created and stamped at heads: " + ", ".join(revisions))


async def _left(conn: AsyncConnection, original: Original, steps: list[AdoptStep]) -> dict[str, int]:
    read = {t for s in steps for t in s.reads}
    return {t: n for t, n in sorted(original.rows.items()) if n and t not in read}


async def adopt(host: Host, url: str, *, apply: bool, allow_drop: bool = False) -> AdoptReport:
    """Detect, then dry-run (rolled back) or apply; see the module docstring."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            async with conn.begin():
                found = await detect(conn)
            if found.state == "platform":
                return AdoptReport(
                    apply,
                    "platform",
                    message="nothing to do: this is the platform's database and holds no original",
                )
            steps = collect_steps(host)
            original = found.original
            assert original is not None
            report = AdoptReport(apply, found.state, original.variant, original.revision)
            if apply:
                await _run_apply(conn, host, found, steps, report, allow_drop)
            else:
                await _run_dry(conn, host, found, steps, report)
            report.left_in_archive = await _left(conn, original, steps)
            if report.nothing_to_do:
                report.state = "adopted"
                report.message = "nothing to do: every step of the adoption has run"
            return report
    finally:
        await engine.dispose()


async def _run_step(conn: AsyncConnection, step: AdoptStep, original: Original) -> StepReport:
    import json

    step_report = StepReport()
    await step.run(conn, original, step_report)
    await conn.execute(
        text(f"INSERT INTO {META}.steps (name, report) VALUES (:n, CAST(:r AS jsonb))"),
        {"n": step.name, "r": json.dumps(step_report.to_dict(), default=str)},
    )
    return step_report


async def _run_dry(conn, host, found: Detection, steps, report: AdoptReport) -> None:
    transaction = await conn.begin()
    try:
        if found.state == "original":
            await _archive(conn, report)
            await _schema(conn, host, report)
        for step in steps:
            if step.name in found.done:
                continue
            try:
                async with conn.begin_nested():
                    step_report = await _run_step(conn, step, found.original)
                report.steps.append((step.name, step_report, None))
            except Exception as exc:  # noqa: BLE001 - reported; the dry run goes on
                report.steps.append((step.name, None, _one_line(exc)))
    finally:
        await transaction.rollback()
    report.message = "dry run: nothing was changed; run with --apply to adopt (take a backup first)"


async def _run_apply(conn, host, found: Detection, steps, report: AdoptReport, allow_drop: bool) -> None:
    if found.state == "original":
        async with conn.begin():
            await _archive(conn, report)
        async with conn.begin():
            await _schema(conn, host, report)
    else:
        async with conn.begin():  # a plugin enabled since may have new tables
            await _schema(conn, host, report)
            report.renamed.pop()  # not news on a resumed adoption
    for step in steps:
        if step.name in found.done:
            continue
        try:
            async with conn.begin():
                report.steps.append((step.name, await _run_step(conn, step, found.original), None))
        except Exception as exc:  # noqa: BLE001 - stop here; the finished steps stay done
            report.steps.append((step.name, None, _one_line(exc)))
            report.message = f"step {step.name} failed; fix the cause and run adopt --apply again to continue"
            return
    if allow_drop:
        async with conn.begin():
            for archive in ARCHIVE.values():
                await conn.execute(text(f"DROP SCHEMA IF EXISTS {archive} CASCADE"))
                report.dropped.append(archive)
    report.message = "adopted: the platform's tables hold the original's data; check with `patt db check`"


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]


def render(report: AdoptReport) -> str:
    """The report as text for the terminal."""
    lines = []
    if report.variant:
        lines.append(
            f"original PATT database: variant {report.variant!r}, alembic revision {report.revision}"
        )
    for item in report.renamed:
        lines.append(f"renamed: {item}")
    for name, step, error in report.steps:
        if error:
            lines.append(f"step {name}: FAILED: {error}")
            continue
        assert step is not None
        carried = ", ".join(f"{t} {n}" for t, n in step.carried.items()) or "no rows"
        lines.append(f"step {name}: carries {carried}")
        lines.extend(f"  added: {a}" for a in step.added)
        lines.extend(f"  converted: {c}" for c in step.converted)
        lines.extend(f"  not carried: {s.table} {s.key}: {s.reason}" for s in step.skipped)
    for table, rows in report.left_in_archive.items():
        lines.append(f"left in the archive (no enabled plugin carries it): {table} ({rows} rows)")
    for schema in report.dropped:
        lines.append(f"dropped: {schema}")
    lines.append(report.message)
    return "\n".join(lines)
