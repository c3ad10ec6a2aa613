"""The profession sync: every current guild character's professions -> recipes.

For each character (``wow_characters`` without ``removed_at``) the professions endpoint is
asked through the shared Blizzard client (its pacer keeps the whole deployment under the
rate limit; ``If-Modified-Since`` makes an unchanged character a 304 and no writes).

- A fresh answer replaces the character's recipe set as a diff (insert what is new, delete
  what is gone); professions, tiers and recipes are upserted by Blizzard id. A Battle for
  Azeroth tier is named by the character's faction ("Kul Tiran"/"Zandalari Alchemy", one id):
  the other faction's name is not a rename, so the row keeps the name it has.
- Each run starts by relabelling the stored tiers whose expansion or order the current rules
  (``services/professions.py``) give differently: rows stored as "Zandalari", from a localised
  answer or by the original read right without waiting for a fresh answer naming them.
- A 404, a failure after retries or a malformed answer keeps the character's recipes: the
  original cleared them on any failure (reference §8.4).
- Fetches run concurrently; two writers apply the answers that arrived together (at most
  :data:`WRITE_BATCH`). A batch's catalogue rows (professions, tiers, recipes) are committed
  first, one writer at a time, so any recipe id a writer uses exists; then one short
  transaction writes the characters' recipe diffs and states (a crash loses at most that
  batch). The search rows of new recipes go through a connection of their own.
- A run that changed many recipe rows ends with ``VACUUM (ANALYZE)`` of the search tables
  (:func:`refresh_search_tables`): the search then reads only their indexes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_crafting.models import (
    FAILED,
    PARTIAL,
    RUNNING,
    SUCCESS,
    CharacterCraftingState,
    CraftingSyncRun,
    Profession,
    ProfessionTier,
    Recipe,
)
from patt_crafting.services.folding import fold, trigrams
from patt_crafting.services.professions import Profession as ParsedProfession
from patt_crafting.services.professions import Tier, parse_professions, tier_expansion
from sv_common.blizzard import BlizzardClient, FetchResult, Outcome
from sv_common.db import utcnow
from sv_common.identity.models import WowCharacter

log = logging.getLogger("patt.crafting")
ProgressFn = Callable[[int, int], Any]
MAX_ERROR_SAMPLES = 20
PROGRESS_WRITE_SECONDS = 1.0
WRITE_BATCH = 50
# Writers applying batches side by side: while one waits for PostgreSQL, the other prepares the
# next batch (the first sync's writes are about half a million rows).
WRITERS = 2
# Rows added or removed by a run after which the search tables are vacuumed at once.
VACUUM_AFTER_ROWS = 1000
SEARCH_TABLES = (
    "guild_identity.recipes",
    "guild_identity.recipe_trigrams",
    "guild_identity.character_recipes",
)


@dataclass
class Target:
    character_id: int
    name: str
    realm_slug: str
    since: str | None

    @property
    def key(self) -> str:
        return f"{self.realm_slug}/{self.name.lower()}"


@dataclass
class Summary:
    characters: int = 0
    updated: int = 0
    not_modified: int = 0
    unavailable: int = 0
    failures: int = 0
    recipes_added: int = 0
    recipes_removed: int = 0
    requests: int = 0
    error_samples: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "characters": self.characters,
            "updated": self.updated,
            "not_modified": self.not_modified,
            "unavailable": self.unavailable,
            "failures": self.failures,
            "recipes_added": self.recipes_added,
            "recipes_removed": self.recipes_removed,
            "requests": self.requests,
        }

    @property
    def status(self) -> str:
        if self.characters and self.failures == self.characters:
            return FAILED
        return PARTIAL if self.failures else SUCCESS

    def sample(self, target: Target, message: str) -> None:
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(f"{target.name}-{target.realm_slug}: {message}"[:300])


# --- the run's row -------------------------------------------------------------------------


async def start_run(db: Any, *, trigger: str, triggered_by: str | None, cadence: str, forced: bool) -> int:
    """The run's history row. Called holding the job's lock: rows still "running" belong to
    processes that died and are closed as failed."""
    async with db.session() as session:
        await session.execute(
            update(CraftingSyncRun)
            .where(CraftingSyncRun.status == RUNNING)
            .values(status=FAILED, completed_at=utcnow(), error_message="Stopped without finishing.")
        )
        run = CraftingSyncRun(
            status=RUNNING, trigger=trigger, triggered_by=triggered_by, cadence=cadence, forced=forced
        )
        session.add(run)
        await session.flush()
        return run.id


async def write_progress(db: Any, run_id: int, done: int, total: int, elapsed: float) -> None:
    async with db.session() as session:
        await session.execute(
            update(CraftingSyncRun)
            .where(CraftingSyncRun.id == run_id, CraftingSyncRun.status == RUNNING)
            .values(progress_done=done, progress_total=total, duration_seconds=elapsed)
        )


async def finish_run(
    db: Any, run_id: int, *, status: str, elapsed: float, summary: Summary | None, error: str | None = None
) -> None:
    values: dict[str, Any] = {"status": status, "completed_at": utcnow(), "duration_seconds": elapsed}
    if summary is not None:
        values.update(summary.counts())
        values["progress_done"] = values["progress_total"] = summary.characters
        values["details"] = {"errors": summary.error_samples} if summary.error_samples else None
    if error is not None:
        values["error_message"] = error[:2000]
    async with db.session() as session:
        await session.execute(
            update(CraftingSyncRun)
            .where(CraftingSyncRun.id == run_id, CraftingSyncRun.status == RUNNING)
            .values(**values)
        )


# --- catalogue -------------------------------------------------------------------------------


class Catalogue:
    """Blizzard id -> row id of professions, tiers and recipes, loaded once per run."""

    def __init__(self) -> None:
        self.professions: dict[int, int] = {}
        self.tiers: dict[int, tuple[int, str, str | None, int]] = {}  # id, name, expansion, sort_order
        self.recipes: dict[int, tuple[int, str, int]] = {}  # id, name, tier id

    async def load(self, session: AsyncSession) -> None:
        for blizzard_id, row_id in await session.execute(select(Profession.blizzard_id, Profession.id)):
            self.professions[blizzard_id] = row_id
        rows = await session.execute(
            select(
                ProfessionTier.blizzard_tier_id,
                ProfessionTier.id,
                ProfessionTier.name,
                ProfessionTier.expansion_name,
                ProfessionTier.sort_order,
                Profession.blizzard_id,
                Profession.name,
            ).join(Profession, Profession.id == ProfessionTier.profession_id)
        )
        relabel: list[dict[str, Any]] = []
        for blizzard_id, row_id, name, expansion, order, profession_id, profession in rows:
            # Rows written under older rules (or by the original) get today's label and order.
            wanted = tier_expansion(profession_id, blizzard_id, name, profession)
            if (expansion, order) != wanted:
                relabel.append({"id": row_id, "expansion_name": wanted[0], "sort_order": wanted[1]})
                expansion, order = wanted
            self.tiers[blizzard_id] = (row_id, name, expansion, order)
        if relabel:
            await session.execute(update(ProfessionTier), relabel)
            log.info("relabelled %d profession tiers (expansion or order)", len(relabel))
        rows = await session.execute(
            select(Recipe.blizzard_recipe_id, Recipe.id, Recipe.name, Recipe.tier_id)
        )
        for blizzard_id, row_id, name, tier_id in rows:
            self.recipes[blizzard_id] = (row_id, name, tier_id)

    async def resolve(
        self, session: AsyncSession, answers: list[list[ParsedProfession]]
    ) -> tuple[list[set[int]], IndexJob | None]:
        """Row ids of the recipes in each parsed answer, and the search rows to write for the
        recipes that are new or changed (written here, for all the answers together)."""
        changed: dict[int, dict[str, Any]] = {}
        for professions in answers:
            for profession in professions:
                profession_id = await self._profession_id(session, profession)
                for tier in profession.tiers:
                    tier_id = await self._tier_id(session, profession_id, tier)
                    for recipe in tier.recipes:
                        known = self.recipes.get(recipe.blizzard_id)
                        if known is not None and known[1:] == (recipe.name, tier_id):
                            continue
                        folded = fold(recipe.name)[:200]
                        changed[recipe.blizzard_id] = {
                            "blizzard_recipe_id": recipe.blizzard_id,
                            "name": recipe.name,
                            "profession_id": profession_id,
                            "tier_id": tier_id,
                            "search_name": folded,
                            "trigram_count": len(trigrams(folded)),
                        }
        job = await self._write_recipes(session, list(changed.values())) if changed else None
        wanted = [
            {
                self.recipes[recipe.blizzard_id][0]
                for profession in professions
                for tier in profession.tiers
                for recipe in tier.recipes
            }
            for professions in answers
        ]
        return wanted, job

    async def _profession_id(self, session: AsyncSession, profession: ParsedProfession) -> int:
        profession_id = self.professions.get(profession.blizzard_id)
        if profession_id is None:
            profession_id = await session.scalar(
                insert(Profession)
                .values(
                    blizzard_id=profession.blizzard_id, name=profession.name, is_primary=profession.is_primary
                )
                .on_conflict_do_update(index_elements=["blizzard_id"], set_={"name": profession.name})
                .returning(Profession.id)
            )
            self.professions[profession.blizzard_id] = profession_id
        return profession_id

    async def _tier_id(self, session: AsyncSession, profession_id: int, tier: Tier) -> int:
        known = self.tiers.get(tier.blizzard_id)
        if (
            known is None
            or known[2:] != (tier.expansion, tier.sort_order)
            # The other faction's name for the tier is not a rename (it flipped with every character).
            or (known[1] != tier.name and not tier.faction_split)
        ):
            values = {"name": tier.name, "expansion_name": tier.expansion, "sort_order": tier.sort_order}
            tier_id = await session.scalar(
                insert(ProfessionTier)
                .values(profession_id=profession_id, blizzard_tier_id=tier.blizzard_id, **values)
                .on_conflict_do_update(index_elements=["blizzard_tier_id"], set_=values)
                .returning(ProfessionTier.id)
            )
            self.tiers[tier.blizzard_id] = known = (tier_id, tier.name, tier.expansion, tier.sort_order)
        return known[0]

    async def _write_recipes(self, session: AsyncSession, rows: list[dict[str, Any]]) -> IndexJob:
        """Upsert recipes; returns their search rows (a renamed recipe's old ones go)."""
        written = (
            await session.execute(
                _UPSERT_RECIPES, {column: [row[column] for row in rows] for column in _RECIPE_COLUMNS}
            )
        ).all()
        by_blizzard = {row["blizzard_recipe_id"]: row for row in rows}
        # Only recipes the catalogue knew can have search rows (a renamed recipe).
        job = IndexJob(renamed=[row_id for row_id, blizzard_id in written if blizzard_id in self.recipes])
        for row_id, blizzard_id in written:
            row = by_blizzard[blizzard_id]
            for gram in trigrams(row["search_name"]):
                job.ids.append(row_id)
                job.grams.append(gram)
            self.recipes[blizzard_id] = (row_id, row["name"], row["tier_id"])
        return job


@dataclass
class IndexJob:
    """Search rows to replace: drop those of ``renamed``, add (ids[i], grams[i])."""

    renamed: list[int]
    ids: list[int] = field(default_factory=list)
    grams: list[str] = field(default_factory=list)

    async def write(self, session: AsyncSession) -> None:
        if self.renamed:
            await session.execute(_DROP_TRIGRAMS, {"ids": self.renamed})
        if self.grams:
            await session.execute(_ADD_TRIGRAMS, {"ids": self.ids, "grams": self.grams})


# --- per batch of answers ------------------------------------------------------------------------
# Every statement takes arrays, one bound parameter per column: its text never changes, so it is
# compiled and prepared once per run, and a batch of 50 characters is a handful of statements.
# (A VALUES list of n rows is a new statement for every n; compiling one cost more than the
# request that brought its rows.)

_RECIPE_COLUMNS = ("blizzard_recipe_id", "name", "profession_id", "tier_id", "search_name", "trigram_count")
_UPSERT_RECIPES = text(
    "INSERT INTO guild_identity.recipes "
    "(blizzard_recipe_id, name, profession_id, tier_id, search_name, trigram_count) "
    "SELECT * FROM unnest(CAST(:blizzard_recipe_id AS integer[]), CAST(:name AS varchar[]), "
    "CAST(:profession_id AS integer[]), CAST(:tier_id AS integer[]), CAST(:search_name AS varchar[]), "
    "CAST(:trigram_count AS integer[])) "
    "ON CONFLICT (blizzard_recipe_id) DO UPDATE SET name = excluded.name, "
    "profession_id = excluded.profession_id, tier_id = excluded.tier_id, "
    "search_name = excluded.search_name, trigram_count = excluded.trigram_count "
    "RETURNING id, blizzard_recipe_id"
)
_DROP_TRIGRAMS = text(
    "DELETE FROM guild_identity.recipe_trigrams WHERE recipe_id = ANY(CAST(:ids AS integer[]))"
)
_ADD_TRIGRAMS = text(
    "INSERT INTO guild_identity.recipe_trigrams (recipe_id, trigram) "
    "SELECT * FROM unnest(CAST(:ids AS integer[]), CAST(:grams AS varchar[]))"
)
_KNOWN = text(
    "SELECT character_id, recipe_id FROM guild_identity.character_recipes "
    "WHERE character_id = ANY(CAST(:ids AS integer[]))"
)
_ADD_KNOWN = text(
    "INSERT INTO guild_identity.character_recipes (character_id, recipe_id) "
    "SELECT * FROM unnest(CAST(:characters AS integer[]), CAST(:recipes AS integer[])) ON CONFLICT DO NOTHING"
)
_REMOVE_KNOWN = text(
    "DELETE FROM guild_identity.character_recipes WHERE (character_id, recipe_id) IN "
    "(SELECT * FROM unnest(CAST(:characters AS integer[]), CAST(:recipes AS integer[])))"
)
# A Last-Modified is replaced only by a new one (with the name it was fetched as); an answer
# without one (a failure, a malformed body) keeps the stamp, as a missing value did before.
_STATES = text(
    "INSERT INTO guild_identity.crafting_character_state AS s "
    "(character_id, status, error, last_modified, fetched_as, checked_at) "
    "SELECT u.*, now() FROM unnest(CAST(:characters AS integer[]), CAST(:statuses AS varchar[]), "
    "CAST(:errors AS text[]), CAST(:stamps AS varchar[]), CAST(:keys AS varchar[])) "
    "AS u(character_id, status, error, stamp, key) "
    "ON CONFLICT (character_id) DO UPDATE SET status = excluded.status, checked_at = excluded.checked_at, "
    "error = excluded.error, last_modified = COALESCE(excluded.last_modified, s.last_modified), "
    "fetched_as = CASE WHEN excluded.last_modified IS NULL THEN s.fetched_as ELSE excluded.fetched_as END"
)


@dataclass
class _Outcome:
    target: Target
    status: str
    last_modified: str | None = None
    error: str | None = None
    professions: list[ParsedProfession] | None = None


def classify(target: Target, result: FetchResult, summary: Summary) -> _Outcome:
    """What one answer means for its character (counted in ``summary``); recipes only for a
    fresh, well-formed answer."""
    if result.outcome is Outcome.NOT_MODIFIED:
        summary.not_modified += 1
        return _Outcome(target, "not_modified", last_modified=result.last_modified)
    if result.outcome is Outcome.UNAVAILABLE:
        summary.unavailable += 1
        return _Outcome(target, "unavailable")
    if result.outcome is not Outcome.UPDATED:
        summary.failures += 1
        summary.sample(target, result.error or "request failed")
        return _Outcome(target, "error", error=(result.error or "request failed")[:500])
    professions = parse_professions(result.data)
    if professions is None:
        summary.failures += 1
        summary.sample(target, "malformed professions answer")
        # No new Last-Modified: the next sync asks again instead of getting a 304 for it.
        return _Outcome(target, "malformed", error="malformed professions answer")
    return _Outcome(target, "updated", last_modified=result.last_modified, professions=professions)


async def apply_answers(
    db: Any,
    catalogue: Catalogue,
    outcomes: list[_Outcome],
    summary: Summary,
    *,
    catalogue_lock: asyncio.Lock,
    index: Callable[[IndexJob], Any],
) -> None:
    """Write a batch of answers: the catalogue (committed first, one writer at a time, so any
    recipe id another writer sees exists), then each updated character's recipe set as a diff
    (insert what is new, delete what is gone) with every character's state in one transaction.
    ``index`` takes the search rows of new or renamed recipes (the indexer writes them)."""
    fresh = [outcome for outcome in outcomes if outcome.professions is not None]
    wanted: list[set[int]] = []
    if fresh:
        async with catalogue_lock:
            async with db.session() as session:
                wanted, job = await catalogue.resolve(session, [outcome.professions for outcome in fresh])
        if job is not None:
            await index(job)
    async with db.session() as session:
        if fresh:
            await _write_known(session, fresh, wanted, summary)
        await _write_states(session, outcomes)


async def _write_known(
    session: AsyncSession, fresh: list[_Outcome], wanted: list[set[int]], summary: Summary
) -> None:
    having: dict[int, set[int]] = {outcome.target.character_id: set() for outcome in fresh}
    for character_id, recipe_id in await session.execute(_KNOWN, {"ids": list(having)}):
        having[character_id].add(recipe_id)
    add: tuple[list[int], list[int]] = ([], [])
    remove: tuple[list[int], list[int]] = ([], [])
    for outcome, ids in zip(fresh, wanted, strict=True):
        character_id = outcome.target.character_id
        new, gone = ids - having[character_id], having[character_id] - ids
        for pairs, recipe_ids in ((add, new), (remove, gone)):
            pairs[0].extend([character_id] * len(recipe_ids))
            pairs[1].extend(sorted(recipe_ids))
        summary.updated += 1
        summary.recipes_added += len(new)
        summary.recipes_removed += len(gone)
    if add[0]:
        await session.execute(_ADD_KNOWN, {"characters": add[0], "recipes": add[1]})
    if remove[0]:
        await session.execute(_REMOVE_KNOWN, {"characters": remove[0], "recipes": remove[1]})


async def _write_states(session: AsyncSession, outcomes: list[_Outcome]) -> None:
    await session.execute(
        _STATES,
        {
            "characters": [o.target.character_id for o in outcomes],
            "statuses": [o.status for o in outcomes],
            "errors": [o.error for o in outcomes],
            "stamps": [o.last_modified for o in outcomes],
            "keys": [o.target.key if o.last_modified is not None else None for o in outcomes],
        },
    )


# --- the run -----------------------------------------------------------------------------------


async def load_targets(session: AsyncSession, *, full: bool) -> list[Target]:
    rows = await session.execute(
        select(
            WowCharacter.id,
            WowCharacter.character_name,
            WowCharacter.realm_slug,
            CharacterCraftingState.last_modified,
            CharacterCraftingState.fetched_as,
        )
        .outerjoin(CharacterCraftingState, CharacterCraftingState.character_id == WowCharacter.id)
        .where(WowCharacter.removed_at.is_(None))
        .order_by(WowCharacter.id)
    )
    targets = []
    for character_id, name, realm, last_modified, fetched_as in rows:
        target = Target(character_id, name, realm.lower(), None)
        if not full and last_modified and fetched_as == target.key:
            target.since = last_modified
        targets.append(target)
    return targets


async def sync_professions(
    db: Any,
    client: BlizzardClient,
    *,
    full: bool = False,
    progress: ProgressFn | None = None,
    workers: int | None = None,
) -> Summary:
    """Fetch every current character's professions and write them (see the module docstring)."""
    async with db.session() as session:
        targets = await load_targets(session, full=full)
        catalogue = Catalogue()
        await catalogue.load(session)
    summary = Summary(characters=len(targets))
    requests_before = client.stats.requests
    queue: asyncio.Queue[Target] = asyncio.Queue()
    for target in targets:
        queue.put_nowait(target)
    # Answers are read as soon as they arrive and queued in their compact form: a parsed answer
    # is a few hundred small tuples, its JSON over a thousand dicts, and hundreds of answers
    # can wait for a writer; the collector walks what waits (it cost more than the parsing).
    answers: asyncio.Queue[_Outcome | None] = asyncio.Queue()

    async def fetcher() -> None:
        while True:
            try:
                target = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            result = await client.character_professions(
                target.realm_slug, target.name, if_modified_since=target.since
            )
            await answers.put(classify(target, result, summary))

    catalogue_lock = asyncio.Lock()
    index_queue: asyncio.Queue[IndexJob | None] = asyncio.Queue()
    done = 0

    async def writer() -> None:
        nonlocal done
        while True:
            batch = [await answers.get()]
            # What has arrived meanwhile goes into the same transaction: one commit per
            # batch instead of per character (an unchanged re-sync is 1,000 tiny writes).
            while batch[-1] is not None and len(batch) < WRITE_BATCH and not answers.empty():
                batch.append(answers.get_nowait())
            finished = batch[-1] is None
            batch = [item for item in batch if item is not None]
            if batch:
                await apply_answers(
                    db, catalogue, batch, summary, catalogue_lock=catalogue_lock, index=index_queue.put
                )
                done += len(batch)
                if progress is not None:
                    progress(done, len(targets))
            if finished:
                return

    async def indexer() -> None:
        # The search rows of new recipes (~20 per name) are the largest write of a first sync;
        # nothing in the sync reads them, so they go through a connection of their own.
        while (job := await index_queue.get()) is not None:
            async with db.session() as session:
                await job.write(session)

    async def write_all() -> None:
        # A task group: when one writer or the indexer fails, the others are cancelled.
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(indexer())
                for task in [group.create_task(writer()) for _ in range(WRITERS)]:
                    await task
                await index_queue.put(None)
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None

    count = max(1, min(workers or client.config.concurrency, len(targets) or 1))
    write_task = asyncio.create_task(write_all())
    fetch_task = asyncio.ensure_future(asyncio.gather(*(fetcher() for _ in range(count))))
    try:
        # The writers end only after the fetches; if they end first they failed (database
        # gone), and the fetching stops too.
        await asyncio.wait({fetch_task, write_task}, return_when=asyncio.FIRST_COMPLETED)
        if write_task.done():
            write_task.result()
            raise RuntimeError("the profession writer stopped early")
        await fetch_task
        for _ in range(WRITERS):
            await answers.put(None)
        await write_task
    finally:
        for task in (fetch_task, write_task):
            if not task.done():
                task.cancel()
        await asyncio.gather(fetch_task, write_task, return_exceptions=True)
    summary.requests = client.stats.requests - requests_before
    return summary


async def refresh_search_tables(db: Any) -> None:
    """``VACUUM (ANALYZE)`` the search tables (outside a transaction, as VACUUM must run): the
    visibility map lets the search use index-only scans and the planner sees the new sizes.
    Autovacuum would get there too, minutes later."""
    async with db.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in SEARCH_TABLES:
            await connection.execute(text(f"VACUUM (ANALYZE) {table}"))
        # The search joins the characters too: a planner that still believes the table is empty
        # (a guild synced minutes ago) walks every character's recipes instead of the index.
        await connection.execute(text("ANALYZE guild_identity.wow_characters"))


def timer() -> Callable[[], float]:
    started = time.monotonic()
    return lambda: time.monotonic() - started
