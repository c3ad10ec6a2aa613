"""The rule registry: every enabled plugin's ``data_quality_rules``, checked once per host."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sv_common.quality import DataQualityRule

log = logging.getLogger("patt.drift")
# The attribute :func:`needs_proposal` sets on a mitigation: the text shown instead of its button.
BY_HAND = "drift_by_hand"


def needs_proposal(by_hand: str):
    """Mark a mitigation that only carries out its finding's ``proposal``.

    A finding of its rule without a proposal has nothing to confirm, so the page offers no
    button (it shows ``by_hand``: what to do instead) and "Fix all" leaves it out, rather than
    offering a fix that can only refuse. The mitigation still refuses such a finding itself."""

    def mark(mitigate):
        setattr(mitigate, BY_HAND, by_hand)
        return mitigate

    return mark


def fix_blocker(rule: DataQualityRule | None, proposal: dict[str, Any] | None) -> str | None:
    """Why this finding's fix cannot run, when that is known before trying (None: it may run;
    a rule without a fix has nothing to block)."""
    if rule is None or rule.mitigate is None:
        return None
    by_hand = getattr(rule.mitigate, BY_HAND, None)
    return by_hand if by_hand and not proposal else None


def needs_a_proposal(rule: DataQualityRule | None) -> bool:
    """Whether only this rule's findings with a proposal can be fixed."""
    return bool(rule and rule.mitigate and getattr(rule.mitigate, BY_HAND, None))


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
