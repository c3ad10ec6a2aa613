"""The rule registry: every enabled plugin's ``data_quality_rules``, checked once per host."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sv_common.quality import DataQualityRule

log = logging.getLogger("patt.drift")


@dataclass
class Registry:
    """The usable rules by name (hook order) and what was wrong with the others."""

    rules: dict[str, DataQualityRule] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> DataQualityRule | None:
        return self.rules.get(name)

    def __iter__(self):
        return iter(self.rules.values())


def build_registry(pairs: Iterable[Any]) -> Registry:
    """From ``host.hooks.data_quality_rules()`` (``(plugin, rule)`` pairs) or bare rules.

    A malformed or duplicate rule is left out and reported (the page shows it); the other
    rules still run.
    """
    registry = Registry()
    for item in pairs:
        owner, rule = (
            (getattr(item[0], "name", str(item[0])), item[1]) if isinstance(item, tuple) else ("?", item)
        )
        if not isinstance(rule, DataQualityRule):
            registry.problems.append(f"plugin {owner}: returned {type(rule).__name__}, not a DataQualityRule")
            continue
        problems = rule.problems()
        if not problems and rule.name in registry.rules:
            problems = [f"rule {rule.name!r} is declared twice ({registry.owners[rule.name]} and {owner})"]
        if problems:
            registry.problems.extend(f"plugin {owner}: {p}" for p in problems)
            continue
        registry.rules[rule.name] = rule
        registry.owners[rule.name] = owner
    for problem in registry.problems:
        log.warning("data-quality rule left out: %s", problem)
    return registry
