"""Five-field cron schedules (minute hour day-of-month month day-of-week), always UTC.

One parser feeds both runners: the in-process scheduler asks :meth:`Cron.matches`,
arq gets the same sets through :meth:`Cron.arq_kwargs`, so a schedule means the same
thing whichever process runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))
_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
}


class CronError(ValueError):
    pass


def _parse_field(text: str, low: int, high: int, name: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"bad step in {name} field: {text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise CronError(f"bad range in {name} field: {text!r}")
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
            if step != 1:
                end = high
        else:
            raise CronError(f"bad {name} field: {text!r}")
        if start < low or end > high or start > end:
            raise CronError(f"{name} field {text!r} out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    if name == "weekday":  # cron allows 7 for Sunday
        values = {0 if v == 7 else v for v in values}
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    expression: str
    minute: frozenset[int]
    hour: frozenset[int]
    day: frozenset[int]
    month: frozenset[int]
    weekday: frozenset[int]  # 0 = Sunday, as in cron
    day_restricted: bool
    weekday_restricted: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        text = _ALIASES.get(expression.strip(), expression.strip())
        parts = text.split()
        if len(parts) != 5:
            raise CronError(f"cron needs 5 fields (minute hour day month weekday): {expression!r}")
        sets = {name: _parse_field(p, lo, hi, name) for p, (name, lo, hi) in zip(parts, _FIELDS, strict=True)}
        return cls(expression, **sets, day_restricted=parts[2] != "*", weekday_restricted=parts[4] != "*")

    def matches(self, when: datetime) -> bool:
        when = when.astimezone(UTC)
        if when.minute not in self.minute or when.hour not in self.hour or when.month not in self.month:
            return False
        dow = (when.weekday() + 1) % 7
        day_ok, dow_ok = when.day in self.day, dow in self.weekday
        # Vixie cron: when both day fields are restricted, either may match.
        if self.day_restricted and self.weekday_restricted:
            return day_ok or dow_ok
        return day_ok and dow_ok

    def next_after(self, when: datetime) -> datetime:
        probe = when.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(60 * 24 * 366 * 5):
            if self.matches(probe):
                return probe
            probe += timedelta(minutes=1)
        raise CronError(f"schedule {self.expression!r} never fires")

    def arq_kwargs(self) -> dict[str, set[int]]:
        """The same schedule as arq ``cron()`` keyword arguments (arq weekday: Monday = 0)."""
        if self.day_restricted and self.weekday_restricted:
            raise CronError(f"{self.expression!r}: arq cannot express 'day OR weekday' schedules")
        return {
            "minute": set(self.minute),
            "hour": set(self.hour),
            "day": set(self.day),
            "month": set(self.month),
            "weekday": {(d - 1) % 7 for d in self.weekday},
        }
