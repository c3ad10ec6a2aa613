"""Background jobs of the identity plugin."""

from __future__ import annotations

from typing import Any


async def run_matching(ctx, min_rank_level: int | None = None) -> dict[str, Any]:
    """Suggest character -> player/Discord links with every rule (sv_common defaults plus
    the plugins' ``matching_rules``); auto-applies only non-ambiguous high-confidence ones,
    and only when ``PATT_IDENTITY_AUTO_APPLY_HIGH_CONFIDENCE`` is on. ``min_rank_level``
    (the officers' "Run matching" choice) looks only at characters of that rank or above: an
    int 1..100 (``schemas.MatchingKwargs``, the Job's ``kwargs_model``: the host refuses
    anything else with a 422 before the run is queued) that one of the guild's ranks has (else
    the run fails with "No rank has level N.")."""
    from patt_identity.matching.service import run_in_job

    return await run_in_job(ctx, min_rank_level=min_rank_level)
