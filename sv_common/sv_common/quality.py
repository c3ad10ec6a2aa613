"""The data-quality rule type: what a plugin returns from the ``data_quality_rules`` hook.

The drift plugin collects every plugin's rules, runs their detectors over the whole guild
and keeps the findings (``guild_identity.audit_issues``). A rule is plain data plus two
coroutines, so any plugin can contribute one without importing drift:

- ``detect(session, ctx)`` returns every :class:`Finding` that holds *now*, from set-based
  SQL over the whole guild (a few statements, never one query per row). A finding that a
  later scan no longer returns resolves itself: that is the rule's resolution condition,
  described in words by ``resolves_when``.
- ``mitigate(session, finding, ctx)`` (optional) tries to fix one finding and returns a
  :class:`MitigationResult` saying what it changed. ``policy`` decides who runs it:
  ``"auto"`` (drift runs it after a scan) or ``"confirm"`` (only when an officer confirms
  the finding's ``proposal``). A mitigation raises a ``sv_common.errors`` exception to
  refuse; drift records the failure and carries on with the others.

``Finding.key`` names the subject inside the rule (``"character:12"``); together with the
rule name it is the finding's stable de-duplication key. ``details`` are the facts behind
the finding: their fingerprint decides whether a dismissed finding stays dismissed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

Severity = Literal["info", "warning", "error"]
Policy = Literal["auto", "confirm"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "error")
POLICIES: tuple[str, ...] = ("auto", "confirm")
RULE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,48}$")
KEY_LIMIT = 150
SUMMARY_LIMIT = 500


@dataclass(frozen=True)
class Finding:
    """One problem a detector sees now. ``key`` is stable for the same subject."""

    key: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    wow_character_id: int | None = None
    discord_member_id: int | None = None  # guild_identity.discord_users.id
    player_id: int | None = None
    # What the mitigation would do, shown to an officer before confirming (JSON-able).
    proposal: dict[str, Any] | None = None

    def fingerprint(self) -> str:
        """sha256 of the facts (canonical JSON of ``details``)."""
        return fact_fingerprint(self.details)


def fact_fingerprint(details: Mapping[str, Any] | None) -> str:
    text = json.dumps(details or {}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredFinding:
    """A finding as stored, handed to a mitigation."""

    id: int
    rule: str
    key: str
    summary: str
    details: dict[str, Any]
    proposal: dict[str, Any] | None
    wow_character_id: int | None
    discord_member_id: int | None
    player_id: int | None


@dataclass(frozen=True)
class MitigationResult:
    """What a mitigation did. ``resolved``: the finding is fixed now (else it stays open)."""

    resolved: bool
    message: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleContext:
    """What a detector or mitigation may know besides the database.

    ``settings``: the drift plugin's settings as a dict (e.g. ``stale_days``);
    ``plugins``: the names of the enabled plugins; ``actor``: who confirmed (mitigations);
    ``host``: the running host (for mitigations that start a job), None in pure scans;
    ``cache``: a dict that lives for one scan, for look-ups several detectors share.
    """

    now: datetime
    settings: Mapping[str, Any] = field(default_factory=dict)
    plugins: frozenset[str] = frozenset()
    actor: str | None = None
    actor_player_id: int | None = None
    host: Any = None
    # Shared by the detectors of one scan: a look-up two rules need is read once
    # (``ctx.cache.setdefault``-style; keys are the plugin's own, e.g. "drift:player_keys").
    cache: dict[str, Any] = field(default_factory=dict, compare=False)


Detector = Callable[[AsyncSession, RuleContext], Awaitable[list[Finding]]]
Mitigator = Callable[[AsyncSession, StoredFinding, RuleContext], Awaitable[MitigationResult]]


@dataclass(frozen=True)
class DataQualityRule:
    """A data-quality rule (see the module docstring)."""

    name: str
    title: str
    severity: Severity
    description: str
    detect: Detector
    resolves_when: str
    mitigate: Mitigator | None = None
    policy: Policy | None = None  # required with ``mitigate``
    mitigation_label: str = "Fix"

    def problems(self) -> list[str]:
        """What is wrong with this rule's declaration (empty when it is usable)."""
        out = []
        if not isinstance(self.name, str) or not RULE_NAME.match(self.name):
            out.append(f"rule name {self.name!r} must be lowercase letters, digits and _ (2-49)")
        if self.severity not in SEVERITIES:
            out.append(f"{self.name}: severity must be one of {', '.join(SEVERITIES)}")
        if not callable(self.detect):
            out.append(f"{self.name}: detect must be a coroutine function")
        if self.mitigate is not None and self.policy not in POLICIES:
            out.append(f"{self.name}: a mitigation needs policy 'auto' or 'confirm'")
        if self.mitigate is None and self.policy is not None:
            out.append(f"{self.name}: policy without a mitigation")
        return out
