"""Drift's per-host state (the manifest's ``state_factory``): the rule registry and the
changes a sync reported, gathered until its closing event."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends

from patt_drift.config import DriftSettings
from patt_drift.services.registry import Registry, build_registry
from patt_host.web import plugin_state
from sv_common.quality import RuleContext

if TYPE_CHECKING:
    from patt_host import HostAPI

# Names listed per change kind in one "sync complete" summary; the counts stay exact.
SUMMARY_NAMES = 15


class DriftState:
    def __init__(self, host: HostAPI, settings: DriftSettings | None):
        self.host = host
        self.settings = settings or DriftSettings()
        self._registry: Registry | None = None
        # source -> kind -> names. A sync emits its per-character events, then its closing
        # event, from one process: the closing event drains what that sync gathered.
        self._changes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = build_registry(self.host.hooks.data_quality_rules())
        return self._registry

    def context(self, *, actor: str | None = None, actor_player_id: int | None = None) -> RuleContext:
        return RuleContext(
            now=datetime.now(UTC),
            settings=self.settings.as_rule_settings(),
            plugins=frozenset(p.name for p in self.host.plugins),
            actor=actor,
            actor_player_id=actor_player_id,
            host=self.host,
        )

    def note_change(self, source: str, kind: str, name: str) -> None:
        self._counts[source][kind] += 1
        if len(self._changes[source][kind]) < SUMMARY_NAMES:
            self._changes[source][kind].append(name)

    def drain_changes(self, source: str) -> dict[str, Any]:
        counts = dict(self._counts.pop(source, {}))
        names = {k: list(v) for k, v in self._changes.pop(source, {}).items()}
        return {"counts": counts, "names": names}


StateDep = Annotated[DriftState, Depends(plugin_state("drift"))]
